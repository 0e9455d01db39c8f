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
import { checkNotTagged, explainBadId, explainNonValue, validateId } from './document.js'
import { type ErrorClass, Fault, at, describeKind, isStackOverflow, toPublicError } from './problems.js'
import { EXTENDED_JSON_TAGS, NEEDS_SOURCE_DIGITS, type Origin, SourceNumber, decodeTag, handWrittenTag, tagWithCompany } from './tags.js'
import { MAX_LONG, MIN_LONG, OByte, ODate, ODecimal, OFloat, OInt, OInterval, OShort, OTime, OTimestamp, isDocumentMap } from './values.js'
import type { Document, DocumentId, Value } from './values.js'

/**
 * A JSON value as `JSON.parse` returns it.
 * @category Documents and queries
 */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue }

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

/**
 * Decodes extended-JSON text to a value; throws DecodingError. Plain numbers decode to DOUBLE.
 * @category Documents and queries
 */
export function decodeValue(text: string): Value {
  return decodeText(text) as Value
}

/**
 * Decodes a document; throws DecodingError when the text is not a JSON object.
 * @category Documents and queries
 */
export function decodeDocument(text: string): Document {
  const value = decodeText(text)
  if (!isDocumentMap(value)) {
    throw new DecodingError(
      `a document must be a JSON object, got ${value instanceof Uint8Array ? 'a $binary value' : describeKind(value)}`,
    )
  }
  return value as Document
}

/**
 * Decodes a key document such as `{"_id":"user0001"}` or `{"_id":{"$binary":"MTIzNA=="}}` (other
 * fields are ignored, as the gateway does). Throws DecodingError for bad JSON and InvalidIdError
 * when `_id` is missing or not a non-empty string or binary.
 * @category Documents and queries
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
  let tag: string | undefined
  try {
    for (key of Object.keys(map)) {
      const field = map[key]
      if (field === undefined) continue
      if (key.charCodeAt(0) === 36 && EXTENDED_JSON_TAGS.has(key)) {
        tag = key
        break
      }
      const text = writeValue(field, ancestors)
      out += (first ? quote(key) : ',' + quote(key)) + ':' + text
      first = false
    }
  } catch (error) {
    throw at(error, key)
  }
  if (tag !== undefined) {
    // A tag written by hand in a document, e.g. { $numberLong: '5' }: the typed value it stands for.
    const keys = Object.keys(map).filter((k) => map[k] !== undefined)
    return writeValue(handWrittenTag(tag, map[tag], keys), ancestors)
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
 * @category Documents and queries
 */
export function encodeValue(value: Value): string {
  return encodeWith(value, InvalidValueError, 'value')
}

/**
 * Validates and encodes a document: it must be a MAP (else InvalidDocumentError), its `_id`, when
 * present, a non-empty string or Uint8Array (else InvalidIdError), its fields OJAI values (else
 * InvalidValueError naming the field).
 * @category Documents and queries
 */
export function encodeDocument(doc: Document): string {
  if (!isDocumentMap(doc)) throw new InvalidDocumentError(`a document must be a plain object (a MAP), got ${describeKind(doc)}`)
  checkNotTagged(doc)
  const id = doc['_id']
  if (id !== undefined) validateId(id)
  return encodeWith(doc, InvalidValueError, 'document')
}

/**
 * The key document the wire expects for FindById, Update and Delete: `{"_id":"user0001"}` or `{"_id":{"$binary":"…"}}`.
 * @category Documents and queries
 */
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
 * @category Documents and queries
 */
export function fromExtendedJson(json: unknown): Value {
  try {
    return convert(json, [])
  } catch (error) {
    throw toPublicError(error, InvalidValueError, 'value')
  }
}
