/**
 * The eleven extended-JSON tags (protocol Section 7.1) and how a tag's payload becomes a typed
 * value. Shared by the codec (tags in JSON text from the wire, or in a caller's condition or
 * mutation JSON) and by the document checks (tags written by hand inside a document, the way
 * official-client code writes LONGs, decimals and dates).
 */
import { InvalidValueError } from './errors.js'
import { Fault, describeKind } from './problems.js'
import { MAX_LONG, MIN_LONG, OByte, ODate, ODecimal, OFloat, OInt, OInterval, OShort, OTime, OTimestamp, isDocumentMap } from './values.js'
import type { Value } from './values.js'

/**
 * The eleven extended-JSON tags. An object whose only key is one of them is a tagged value; a map
 * field with one of these names beside other fields could not be told apart from a tagged value
 * on the wire, so such field names are refused.
 * @category Internals
 */
export const EXTENDED_JSON_TAGS: ReadonlySet<string> = new Set([
  '$numberByte',
  '$numberShort',
  '$numberInt',
  '$numberLong',
  '$numberFloat',
  '$decimal',
  '$dateDay',
  '$time',
  '$date',
  '$interval',
  '$binary',
])

/** The typed value to write instead of each tag, for messages. */
const TYPED_REPLACEMENT: Readonly<Record<string, string>> = {
  $numberByte: 'new OByte(5)',
  $numberShort: 'new OShort(5)',
  $numberInt: 'new OInt(5)',
  $numberLong: 'a bigint such as 5n',
  $numberFloat: 'new OFloat(1.5)',
  $decimal: "new ODecimal('123.456')",
  $dateDay: "ODate.parse('2012-10-20')",
  $time: "OTime.parse('10:26:12.487')",
  $date: "OTimestamp.parse('2016-02-22T10:26:12.487Z') or OTimestamp.fromDate(date)",
  $interval: 'new OInterval(ms)',
  $binary: "a Uint8Array or Buffer, e.g. Buffer.from(text, 'base64')",
}

/** What to write instead of a hand-written tag, e.g. `new OInt(5)` for `$numberInt`. */
export function typedReplacement(tag: string): string {
  return TYPED_REPLACEMENT[tag] ?? 'one of the OJAI value classes'
}

/** A number from the careful parser, with the digits exactly as written. */
export class SourceNumber {
  constructor(readonly text: string) {}
}

/** Thrown by the fast decoding walk when only the source digits can give the exact value. */
export const NEEDS_SOURCE_DIGITS = Symbol('needs source digits')

/** `text`: payloads came from JSON text (the careful parser can recover digits); `memory`: from a caller's tree. */
export type Origin = 'text' | 'memory'

const INTEGER_TEXT = /^[+-]?\d+$/
const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/
const TWO_POW_53 = 2 ** 53

function payloadKind(payload: unknown): string {
  if (payload instanceof SourceNumber) return `number ${payload.text}`
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload) && isDocumentMap(payload)) return 'an object'
  return describeKind(payload)
}

/** An integer payload as a number, for BYTE/SHORT/INT/INTERVAL. */
function integerPayload(tag: string, payload: unknown, min: number, max: number): number {
  let n: number
  if (typeof payload === 'number') n = payload
  else if (typeof payload === 'string') {
    if (!INTEGER_TEXT.test(payload)) throw new Fault(`${tag} needs an integer, got ${payloadKind(payload)}`)
    n = Number(payload)
  } else if (typeof payload === 'bigint') n = Number(payload)
  else if (payload instanceof SourceNumber) n = Number(payload.text)
  else throw new Fault(`${tag} needs a number or a numeric string, got ${payloadKind(payload)}`)
  if (!Number.isInteger(n)) throw new Fault(`${tag} needs an integer, got ${payloadKind(payload)}`)
  if (n < min || n > max) throw new Fault(`${tag} ${String(payload)} is out of range: it must be from ${min} to ${max}`)
  return n
}

function longPayload(payload: unknown, origin: Origin): bigint {
  let n: bigint
  if (typeof payload === 'number') {
    if (!Number.isInteger(payload)) throw new Fault(`$numberLong needs an integer, got ${payloadKind(payload)}`)
    if (Math.abs(payload) >= TWO_POW_53) {
      if (origin === 'text') throw NEEDS_SOURCE_DIGITS
      throw new Fault(
        `$numberLong ${String(payload)} is beyond 2^53, where a JavaScript number loses digits: write it as a string ("9223372036854775807") or a bigint`,
      )
    }
    n = BigInt(payload)
  } else if (typeof payload === 'string') {
    if (!INTEGER_TEXT.test(payload)) throw new Fault(`$numberLong needs an integer, got ${payloadKind(payload)}`)
    n = BigInt(payload)
  } else if (typeof payload === 'bigint') n = payload
  else if (payload instanceof SourceNumber) {
    if (INTEGER_TEXT.test(payload.text)) n = BigInt(payload.text)
    else {
      // Forms such as 1.0 or 5e3 are integral but carry an exponent or fraction; accept them only
      // where a double holds them exactly.
      const value = Number(payload.text)
      if (!Number.isSafeInteger(value))
        throw new Fault(`$numberLong needs an integer written with all its digits, got ${payloadKind(payload)}`)
      n = BigInt(value)
    }
  } else throw new Fault(`$numberLong needs a number or a numeric string, got ${payloadKind(payload)}`)
  if (n < MIN_LONG || n > MAX_LONG) throw new Fault(`$numberLong ${String(n)} is out of range: a LONG is 64-bit`)
  return n
}

function floatPayload(payload: unknown): OFloat {
  let n: number
  if (typeof payload === 'number') n = payload
  else if (typeof payload === 'string' && NUMBER_TEXT.test(payload)) n = Number(payload)
  else if (payload instanceof SourceNumber) n = Number(payload.text)
  else throw new Fault(`$numberFloat needs a number or a numeric string, got ${payloadKind(payload)}`)
  const f = Math.fround(n)
  if (!Number.isFinite(f))
    throw new Fault(`$numberFloat ${String(payload instanceof SourceNumber ? payload.text : payload)} is out of range for a 32-bit FLOAT`)
  return new OFloat(f)
}

function decimalPayload(payload: unknown, origin: Origin): ODecimal {
  if (typeof payload === 'number' && origin === 'text') throw NEEDS_SOURCE_DIGITS
  if (payload instanceof SourceNumber) return new ODecimal(payload.text)
  if (typeof payload === 'string' || typeof payload === 'bigint' || (typeof payload === 'number' && Number.isFinite(payload)))
    return new ODecimal(payload)
  throw new Fault(`$decimal needs a string of decimal digits such as "123.456", got ${payloadKind(payload)}`)
}

function stringPayload(tag: string, payload: unknown, example: string): string {
  if (typeof payload !== 'string') throw new Fault(`${tag} needs a string such as ${JSON.stringify(example)}, got ${payloadKind(payload)}`)
  return payload
}

function binaryPayload(payload: unknown): Uint8Array {
  const text = stringPayload('$binary', payload, 'MTIzNA==')
  if (!BASE64.test(text)) throw new Fault(`$binary needs standard base64 (A-Z a-z 0-9 + /, = padding), got ${payloadKind(payload)}`)
  // Unpooled, so a small binary never keeps a shared 8 KiB pool slab alive.
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'base64'))
  bytes.write(text, 'base64')
  return bytes
}

/** The value of one tag object; throws a Fault saying what is wrong with the payload. */
export function decodeTag(tag: string, payload: unknown, origin: Origin): Value {
  try {
    switch (tag) {
      case '$numberLong':
        return longPayload(payload, origin)
      case '$numberInt':
        return new OInt(integerPayload(tag, payload, -2147483648, 2147483647))
      case '$numberShort':
        return new OShort(integerPayload(tag, payload, -32768, 32767))
      case '$numberByte':
        return new OByte(integerPayload(tag, payload, -128, 127))
      case '$numberFloat':
        return floatPayload(payload)
      case '$decimal':
        return decimalPayload(payload, origin)
      case '$dateDay':
        return ODate.parse(stringPayload(tag, payload, '2012-10-20'))
      case '$time':
        return OTime.parse(stringPayload(tag, payload, '10:26:12.487'))
      case '$date':
        return OTimestamp.parse(stringPayload(tag, payload, '2016-02-22T10:26:12.487Z'))
      case '$interval':
        return new OInterval(integerPayload(tag, payload, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER))
      case '$binary':
        return binaryPayload(payload)
      default:
        throw new Fault(`unknown tag ${tag}`)
    }
  } catch (error) {
    if (error instanceof InvalidValueError) throw new Fault(`bad ${tag} value: ${error.message}`)
    throw error
  }
}

/** The problem of a tag object that has other keys besides its tag. */
export function tagWithCompany(tag: string, keys: readonly string[]): Fault {
  const others = keys.filter((k) => k !== tag).map((k) => JSON.stringify(k))
  return new Fault(`a ${tag} tag object must have exactly one key, but it also has ${others.join(', ')}`)
}

/**
 * The value of a tag written by hand inside a document (`{ n: { $numberLong: '5' } }`), an object
 * whose keys `keys` (the defined ones) include the tag `tag`. Accepted when it is unambiguous (the
 * tag is the only key and its payload is valid); otherwise a Fault whose message names the typed
 * value to write instead.
 */
export function handWrittenTag(tag: string, payload: unknown, keys: readonly string[]): Value {
  if (keys.length !== 1) {
    const fault = tagWithCompany(tag, keys)
    throw new Fault(
      `${fault.reason}: for a ${tag} value write ${typedReplacement(tag)}; for a map, rename the field ${JSON.stringify(tag)}`,
    )
  }
  try {
    return decodeTag(tag, payload, 'memory')
  } catch (error) {
    if (error instanceof Fault) throw new Fault(`${error.reason} (or write ${typedReplacement(tag)})`)
    throw error
  }
}
