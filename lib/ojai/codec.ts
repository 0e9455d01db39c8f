/**
 * The OJAI extended-JSON codec (protocol Section 7).
 *
 * Decoding runs `JSON.parse` and then turns tag objects into values in place, in one walk. The
 * only values `JSON.parse` can get wrong are a `$numberLong` beyond 2^53 and a `$decimal` written
 * as a JSON number; when the walk meets one it starts again with a careful parser that keeps the
 * digits of tag payloads as written. Encoding is a single-pass writer: LONG must be a JSON number
 * with all 64 bits, which `JSON.stringify` cannot produce on Node 20.
 */
import { DecodingError, InvalidDocumentError, InvalidIdError, InvalidValueError } from './errors.js'
import { EXTENDED_JSON_TAGS, MAX_LONG, MIN_LONG, describeKind, explainBadId, explainNonValue, formatFieldLocation, reservedFieldMessage, validateId } from './document.js'
import { OByte, ODate, ODecimal, OFloat, OInt, OInterval, OShort, OTime, OTimestamp, isDocumentMap } from './values.js'
import type { Document, DocumentId, Value } from './values.js'

/** A JSON value as `JSON.parse` returns it. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue }

// ---------------------------------------------------------------------------------------------
// Problems and where they were found

/** Carries a problem up through a walk, collecting the location on the way out. */
class Fault {
  readonly location: (string | number)[] = []
  constructor(readonly reason: string) {}
}

/** Thrown by the fast decoding walk when only the source digits can give the exact value. */
const NEEDS_SOURCE_DIGITS = Symbol('needs source digits')

function at(error: unknown, segment: string | number | undefined): unknown {
  if (error instanceof Fault && segment !== undefined) error.location.unshift(segment)
  return error
}

function locatedMessage(fault: Fault): string {
  return fault.location.length === 0 ? fault.reason : `${fault.reason} at ${JSON.stringify(formatFieldLocation(fault.location))}`
}

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message)
}

type ErrorClass = new (message: string, options?: { cause?: unknown }) => Error

/** Turns what a walk threw into the public error class; anything unexpected passes through. */
function toPublicError(error: unknown, make: ErrorClass, what: string): unknown {
  if (error instanceof Fault) return new make(locatedMessage(error))
  if (isStackOverflow(error)) return new make(`${what} is nested too deeply`, { cause: error })
  return error
}

// ---------------------------------------------------------------------------------------------
// Tag payloads

/** A number from the careful parser, with the digits exactly as written. */
class SourceNumber {
  constructor(readonly text: string) {}
}

const INTEGER_TEXT = /^[+-]?\d+$/
const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/
const TWO_POW_53 = 2 ** 53

/** `text`: payloads came from JSON text (the careful parser can recover digits); `memory`: from a caller's tree. */
type Origin = 'text' | 'memory'

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
      throw new Fault(`$numberLong ${String(payload)} is beyond 2^53, where a JavaScript number loses digits: write it as a string ("9223372036854775807") or a bigint`)
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
      if (!Number.isSafeInteger(value)) throw new Fault(`$numberLong needs an integer written with all its digits, got ${payloadKind(payload)}`)
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
  if (!Number.isFinite(f)) throw new Fault(`$numberFloat ${String(payload instanceof SourceNumber ? payload.text : payload)} is out of range for a 32-bit FLOAT`)
  return new OFloat(f)
}

function decimalPayload(payload: unknown, origin: Origin): ODecimal {
  if (typeof payload === 'number' && origin === 'text') throw NEEDS_SOURCE_DIGITS
  if (payload instanceof SourceNumber) return new ODecimal(payload.text)
  if (typeof payload === 'string' || typeof payload === 'bigint' || (typeof payload === 'number' && Number.isFinite(payload))) return new ODecimal(payload)
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

function decodeTag(tag: string, payload: unknown, origin: Origin): Value {
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

function tagWithCompany(tag: string, keys: string[]): Fault {
  const others = keys.filter((k) => k !== tag).map((k) => JSON.stringify(k))
  return new Fault(`a ${tag} tag object must have exactly one key, but it also has ${others.join(', ')}`)
}

// ---------------------------------------------------------------------------------------------
// Decoding: JSON tree -> values, in place

type MutableTree = { [key: string]: unknown } | unknown[]

/** Replaces tag objects inside a freshly parsed tree (which nobody else holds) by values. */
function revive(node: MutableTree, origin: Origin): unknown {
  if (Array.isArray(node)) {
    let i = 0
    try {
      for (; i < node.length; i++) {
        const element = node[i]
        if (element !== null && typeof element === 'object') {
          const value = revive(element as MutableTree, origin)
          if (value !== element) node[i] = value
        }
      }
    } catch (error) {
      throw at(error, i)
    }
    return node
  }
  let tag: string | undefined
  let count = 0
  let key: string | undefined
  try {
    // Object.keys, not for..in: an enumerable property added to Object.prototype must not become a field.
    for (key of Object.keys(node)) {
      count++
      if (key.charCodeAt(0) === 36 && EXTENDED_JSON_TAGS.has(key)) {
        tag = key
        continue
      }
      const field = node[key]
      if (field !== null && typeof field === 'object') {
        const value = revive(field as MutableTree, origin)
        // An own "__proto__" data property exists already, so this assigns the field, not the prototype.
        if (value !== field) node[key] = value
      }
    }
  } catch (error) {
    throw at(error, key)
  }
  if (tag === undefined) return node
  if (count !== 1) throw tagWithCompany(tag, Object.keys(node))
  return decodeTag(tag, node[tag], origin)
}

// ---------------------------------------------------------------------------------------------
// The careful parser: standard JSON, but tag payload numbers keep their digits

const NUMBER_TOKEN = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

class CarefulParser {
  private pos = 0

  constructor(private readonly text: string) {}

  parse(): unknown {
    this.skipSpace()
    const value = this.value(undefined)
    this.skipSpace()
    if (this.pos < this.text.length) this.fail('unexpected text after the JSON value')
    return value
  }

  private fail(reason: string): never {
    const before = this.text.slice(0, this.pos)
    const line = before.split('\n').length
    const column = this.pos - before.lastIndexOf('\n')
    const found = this.pos >= this.text.length ? 'end of text' : JSON.stringify(this.text.slice(this.pos, this.pos + 12))
    throw new DecodingError(`invalid JSON at position ${this.pos} (line ${line}, column ${column}): ${reason}; found ${found}`)
  }

  private skipSpace(): void {
    const text = this.text
    let c = text.charCodeAt(this.pos)
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++this.pos)
  }

  private expect(char: string, reason: string): void {
    if (this.text[this.pos] !== char) this.fail(reason)
    this.pos++
  }

  private value(key: string | undefined): unknown {
    const c = this.text.charCodeAt(this.pos)
    switch (c) {
      case 0x7b:
        return this.object()
      case 0x5b:
        return this.array()
      case 0x22:
        return this.string()
      case 0x74:
        return this.literal('true', true)
      case 0x66:
        return this.literal('false', false)
      case 0x6e:
        return this.literal('null', null)
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number(key)
    return this.fail('expected a JSON value')
  }

  private literal(word: string, value: boolean | null): boolean | null {
    if (!this.text.startsWith(word, this.pos)) this.fail('expected a JSON value')
    this.pos += word.length
    return value
  }

  private number(key: string | undefined): number | SourceNumber {
    NUMBER_TOKEN.lastIndex = this.pos
    const m = NUMBER_TOKEN.exec(this.text)
    if (!m) return this.fail('invalid number')
    this.pos += m[0].length
    return key !== undefined && EXTENDED_JSON_TAGS.has(key) ? new SourceNumber(m[0]) : Number(m[0])
  }

  private string(): string {
    const start = this.pos
    const text = this.text
    let i = start + 1
    for (;;) {
      const c = text.charCodeAt(i)
      if (Number.isNaN(c)) return this.fail('unterminated string')
      if (c === 0x22) break
      i += c === 0x5c ? 2 : 1
    }
    this.pos = i + 1
    try {
      return JSON.parse(text.slice(start, i + 1)) as string
    } catch {
      this.pos = start
      return this.fail('invalid string (bad escape or unescaped control character)')
    }
  }

  private array(): unknown[] {
    this.pos++
    const out: unknown[] = []
    this.skipSpace()
    if (this.text[this.pos] === ']') {
      this.pos++
      return out
    }
    for (;;) {
      this.skipSpace()
      out.push(this.value(undefined))
      this.skipSpace()
      if (this.text[this.pos] === ']') {
        this.pos++
        return out
      }
      this.expect(',', "expected ',' or ']' in an array")
    }
  }

  private object(): Record<string, unknown> {
    this.pos++
    const out: Record<string, unknown> = {}
    this.skipSpace()
    if (this.text[this.pos] === '}') {
      this.pos++
      return out
    }
    for (;;) {
      this.skipSpace()
      if (this.text[this.pos] !== '"') this.fail('expected a property name in double quotes')
      const key = this.string()
      this.skipSpace()
      this.expect(':', "expected ':' after a property name")
      this.skipSpace()
      const value = this.value(key)
      if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
      else out[key] = value
      this.skipSpace()
      if (this.text[this.pos] === '}') {
        this.pos++
        return out
      }
      this.expect(',', "expected ',' or '}' in an object")
    }
  }
}

function parseCarefully(text: string): unknown {
  try {
    return new CarefulParser(text).parse()
  } catch (error) {
    if (isStackOverflow(error)) throw new DecodingError('invalid JSON: nested too deeply', { cause: error })
    throw error
  }
}

function decodeText(text: string): unknown {
  if (typeof text !== 'string') throw new DecodingError(`extended JSON must be a string, got ${describeKind(text)}`)
  let tree: unknown
  try {
    tree = JSON.parse(text)
  } catch (error) {
    // The careful parser reports the position and line uniformly; V8's messages do not always.
    parseCarefully(text)
    throw new DecodingError(`invalid JSON: ${(error as Error).message}`, { cause: error })
  }
  if (tree === null || typeof tree !== 'object') return tree
  try {
    return revive(tree as MutableTree, 'text')
  } catch (error) {
    if (error !== NEEDS_SOURCE_DIGITS) throw toPublicError(error, DecodingError, 'extended JSON')
  }
  try {
    return revive(parseCarefully(text) as MutableTree, 'text')
  } catch (error) {
    throw toPublicError(error, DecodingError, 'extended JSON')
  }
}

/** Decodes extended-JSON text to a value; throws DecodingError. Plain numbers decode to DOUBLE. */
export function decodeValue(text: string): Value {
  return decodeText(text) as Value
}

/** Decodes a document; throws DecodingError when the text is not a JSON object. */
export function decodeDocument(text: string): Document {
  const value = decodeText(text)
  if (!isDocumentMap(value)) {
    throw new DecodingError(`a document must be a JSON object, got ${value instanceof Uint8Array ? 'a $binary value' : describeKind(value)}`)
  }
  return value as Document
}

/**
 * Decodes a key document such as `{"_id":"user0001"}` or `{"_id":{"$binary":"MTIzNA=="}}` (other
 * fields are ignored, as the gateway does). Throws DecodingError for bad JSON and InvalidIdError
 * when `_id` is missing or not a non-empty string or binary.
 */
export function decodeId(text: string): DocumentId {
  const doc = decodeDocument(text)
  const id = doc['_id']
  if (id === undefined) throw new InvalidIdError('the key document has no _id: send {"_id":"…"} or {"_id":{"$binary":"…"}}')
  const reason = explainBadId(id)
  if (reason !== undefined) throw new InvalidIdError(reason)
  return id as DocumentId
}

// ---------------------------------------------------------------------------------------------
// Encoding

// Most strings need no escaping; quoting them directly skips a native call per string.
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON must escape
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/

function quote(text: string): string {
  return text.length > 64 || NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`
}

function writeDouble(n: number): string {
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0'
  if (!Number.isFinite(n)) throw new Fault(explainNonValue(n) ?? 'not finite')
  // String(n) is the shortest text that reads back as the same double, and has no fraction for
  // whole values below 1e21.
  return String(n)
}

/** The shortest decimal text that reads back as the same 32-bit float, as Java's writer emits. */
function floatText(f: number): string {
  if (f === 0) return Object.is(f, -0) ? '-0.0' : '0'
  if (!Number.isFinite(f)) throw new Fault(explainNonValue(new OFloat(f)) ?? 'not finite')
  if (Number.isInteger(f) && Math.abs(f) <= 16777216) return String(f)
  for (let digits = 1; digits <= 9; digits++) {
    const text = f.toPrecision(digits)
    if (Math.fround(Number(text)) === f) return text.includes('e') ? String(Number(text)) : text
  }
  return String(f)
}

function writeLong(n: bigint): string {
  if (n < MIN_LONG || n > MAX_LONG) throw new Fault(explainNonValue(n) ?? 'out of range')
  return `{"$numberLong":${n.toString()}}`
}

function writeArray(array: readonly unknown[], ancestors: object[]): string {
  let out = '['
  let i = 0
  try {
    for (; i < array.length; i++) {
      const element = array[i]
      if (element === undefined) throw new Fault('an array element is undefined (or a hole): use null')
      out += i === 0 ? writeValue(element, ancestors) : ',' + writeValue(element, ancestors)
    }
  } catch (error) {
    throw at(error, i)
  }
  return out + ']'
}

function writeMap(map: { readonly [key: string]: unknown }, ancestors: object[]): string {
  let out = '{'
  let first = true
  let key: string | undefined
  try {
    for (key of Object.keys(map)) {
      const field = map[key]
      if (field === undefined) continue
      if (key.charCodeAt(0) === 36 && EXTENDED_JSON_TAGS.has(key)) throw new Fault(reservedFieldMessage(key))
      const text = writeValue(field, ancestors)
      out += (first ? quote(key) : ',' + quote(key)) + ':' + text
      first = false
    }
  } catch (error) {
    throw at(error, key)
  }
  return out + '}'
}

function writeBinary(bytes: Uint8Array): string {
  const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return `{"$binary":"${view.toString('base64')}"}`
}

function writeObject(value: object, ancestors: object[]): string {
  if (Array.isArray(value)) {
    if (ancestors.includes(value)) throw new Fault('cyclic structure: this array contains itself')
    ancestors.push(value)
    const text = writeArray(value, ancestors)
    ancestors.pop()
    return text
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto === Object.prototype || proto === null) {
    if (ancestors.includes(value)) throw new Fault('cyclic structure: this object contains itself')
    ancestors.push(value)
    const text = writeMap(value as { readonly [key: string]: unknown }, ancestors)
    ancestors.pop()
    return text
  }
  if (value instanceof Uint8Array) return writeBinary(value)
  if (value instanceof OInt) return `{"$numberInt":${value.value}}`
  if (value instanceof OTimestamp) return `{"$date":"${value.toString()}"}`
  if (value instanceof ODate) return `{"$dateDay":"${value.toString()}"}`
  if (value instanceof ODecimal) return `{"$decimal":"${value.value}"}`
  if (value instanceof OFloat) return `{"$numberFloat":${floatText(value.value)}}`
  if (value instanceof OTime) return `{"$time":"${value.toString()}"}`
  if (value instanceof OShort) return `{"$numberShort":${value.value}}`
  if (value instanceof OByte) return `{"$numberByte":${value.value}}`
  if (value instanceof OInterval) return `{"$interval":${value.millis}}`
  throw new Fault(explainNonValue(value) ?? `${describeKind(value)} is not an OJAI value`)
}

function writeValue(value: unknown, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return quote(value)
    case 'number':
      return writeDouble(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'bigint':
      return writeLong(value)
    case 'object':
      return value === null ? 'null' : writeObject(value, ancestors)
    default:
      throw new Fault(explainNonValue(value) ?? `${typeof value} is not an OJAI value`)
  }
}

function encodeWith(value: unknown, make: ErrorClass, what: string): string {
  try {
    return writeValue(value, [])
  } catch (error) {
    throw toPublicError(error, make, what)
  }
}

/**
 * Extended-JSON text of a value, as the OJAI writer emits it (LONG as a JSON number with all 64
 * bits, DOUBLE plain). Throws InvalidValueError naming where a non-value was found.
 */
export function encodeValue(value: Value): string {
  return encodeWith(value, InvalidValueError, 'value')
}

/**
 * Validates and encodes a document: it must be a MAP (else InvalidDocumentError), its `_id`, when
 * present, a non-empty string or Uint8Array (else InvalidIdError), its fields OJAI values (else
 * InvalidValueError naming the field).
 */
export function encodeDocument(doc: Document): string {
  if (!isDocumentMap(doc)) throw new InvalidDocumentError(`a document must be a plain object (a MAP), got ${describeKind(doc)}`)
  const id = doc['_id']
  if (id !== undefined) validateId(id)
  return encodeWith(doc, InvalidValueError, 'document')
}

/** The key document the wire expects for FindById, Update and Delete: `{"_id":"user0001"}` or `{"_id":{"$binary":"…"}}`. */
export function encodeId(id: DocumentId): string {
  validateId(id)
  return typeof id === 'string' ? `{"_id":${JSON.stringify(id)}}` : `{"_id":${writeBinary(id)}}`
}

// ---------------------------------------------------------------------------------------------
// In-memory extended JSON

function isOjaiInstance(value: object): boolean {
  return (
    value instanceof Uint8Array ||
    value instanceof OInt ||
    value instanceof OShort ||
    value instanceof OByte ||
    value instanceof OFloat ||
    value instanceof ODecimal ||
    value instanceof ODate ||
    value instanceof OTime ||
    value instanceof OTimestamp ||
    value instanceof OInterval
  )
}

function convert(json: unknown, ancestors: object[]): Value {
  if (typeof json !== 'object' || json === null) {
    const reason = explainNonValue(json)
    if (reason !== undefined) throw new Fault(reason)
    return json as Value
  }
  if (Array.isArray(json)) {
    if (ancestors.includes(json)) throw new Fault('cyclic structure: this array contains itself')
    ancestors.push(json)
    const out: Value[] = new Array<Value>(json.length)
    let i = 0
    try {
      for (; i < json.length; i++) {
        const element: unknown = json[i]
        if (element === undefined) throw new Fault('an array element is undefined (or a hole): use null')
        out[i] = convert(element, ancestors)
      }
    } catch (error) {
      throw at(error, i)
    }
    ancestors.pop()
    return out
  }
  if (!isDocumentMap(json)) {
    if (isOjaiInstance(json)) {
      const reason = explainNonValue(json)
      if (reason !== undefined) throw new Fault(reason)
      return json as Value
    }
    throw new Fault(explainNonValue(json) ?? `${describeKind(json)} is not an OJAI value`)
  }
  const source = json as { readonly [key: string]: unknown }
  const keys = Object.keys(source)
  const tag = keys.find((k) => EXTENDED_JSON_TAGS.has(k))
  if (tag !== undefined) {
    if (keys.length !== 1) throw tagWithCompany(tag, keys)
    return decodeTag(tag, source[tag], 'memory')
  }
  if (ancestors.includes(json)) throw new Fault('cyclic structure: this object contains itself')
  ancestors.push(json)
  const out: Record<string, Value> = {}
  let key: string | undefined
  try {
    for (key of keys) {
      const field = source[key]
      if (field === undefined) continue
      const value = convert(field, ancestors)
      if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
      else out[key] = value
    }
  } catch (error) {
    throw at(error, key)
  }
  ancestors.pop()
  return out
}

/**
 * Interprets an in-memory extended-JSON tree (e.g. user-written condition JSON such as
 * `{"$numberLong":"95196"}` or `{"$dateDay":"2012-10-20"}`) as a value. Values that are already
 * OJAI values (bigint, ODate, Uint8Array…) pass through unchanged. Throws InvalidValueError.
 *
 * Returns a new tree; the input is never modified. Tag payloads may also be bigints. A
 * `$numberLong` number beyond 2^53 is refused, since its digits were lost before it got here.
 */
export function fromExtendedJson(json: unknown): Value {
  try {
    return convert(json, [])
  } catch (error) {
    throw toPublicError(error, InvalidValueError, 'value')
  }
}
