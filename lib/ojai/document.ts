/**
 * Checks on documents, keys and values, and type-strict comparison and copying of values.
 *
 * Every check throws a typed error whose message says what to use instead and, for a value deep
 * inside a document, where it was found (`at "a.b[2]"`, written as an OJAI field path).
 */
import { InvalidDocumentError, InvalidIdError, InvalidValueError } from './errors.js'
import { Fault, at, constructorName, describeKind, isStackOverflow, locatedMessage, withArticle } from './problems.js'
import { EXTENDED_JSON_TAGS, handWrittenTag } from './tags.js'
import { MAX_LONG, MIN_LONG, OByte, ODate, ODecimal, OFloat, OInt, OInterval, OShort, OTime, OTimestamp, isDocumentMap } from './values.js'
import type { Document, DocumentId, DocumentMap, DocumentWithId, Value } from './values.js'

export { EXTENDED_JSON_TAGS } from './tags.js'
export { describeKind, formatFieldLocation, type FieldLocation } from './problems.js'

/**
 * Why `value` is not an OJAI value, looking at the value alone (not inside maps or arrays);
 * `undefined` when it is one. The text says what to use instead.
 * @category Internals
 */
export function explainNonValue(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined
    case 'number':
      return Number.isFinite(value)
        ? undefined
        : `${String(value)} is not an OJAI value: JSON has no NaN or Infinity, so a DOUBLE must be finite`
    case 'bigint':
      return value < MIN_LONG || value > MAX_LONG
        ? `${String(value)}n does not fit in a LONG (64-bit): use an ODecimal for larger integers`
        : undefined
    case 'undefined':
      return 'undefined is not an OJAI value: leave the field out, or use null'
    case 'function':
      return 'a function is not an OJAI value'
    case 'symbol':
      return 'a symbol is not an OJAI value'
  }
  if (value === null || Array.isArray(value) || isDocumentMap(value)) return undefined
  if (value instanceof Uint8Array) return undefined
  if (value instanceof OFloat) {
    return Number.isFinite(value.value) ? undefined : `OFloat ${String(value.value)} cannot be written as JSON: a FLOAT must be finite`
  }
  if (
    value instanceof OInt ||
    value instanceof OShort ||
    value instanceof OByte ||
    value instanceof ODecimal ||
    value instanceof ODate ||
    value instanceof OTime ||
    value instanceof OTimestamp ||
    value instanceof OInterval
  ) {
    return undefined
  }
  if (value instanceof Date) {
    return 'a Date is not an OJAI value: use OTimestamp.fromDate(date) for an instant or ODate.fromDate(date) for a day (the official Node client stored a Date as its ISO text; to store that string, write date.toISOString())'
  }
  if (value instanceof Map) return 'a Map is not an OJAI value: use a plain object'
  if (value instanceof Set) return 'a Set is not an OJAI value: use an array'
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer)
    return `${withArticle(constructorName(value as object))} is not an OJAI value: use a Uint8Array (or Buffer) for binary`
  return `${describeKind(value)} is not an OJAI value: use a plain object, an array, or one of the OJAI value classes (OInt, ODate, …)`
}

/** The first key of a map that is an extended-JSON tag, if any, and the map's defined keys. */
function tagKeyOf(map: DocumentMap): { tag: string | undefined; keys: string[] } {
  let tag: string | undefined
  const keys: string[] = []
  for (const key of Object.keys(map)) {
    if (map[key] === undefined) continue
    keys.push(key)
    if (tag === undefined && key.charCodeAt(0) === 36 && EXTENDED_JSON_TAGS.has(key)) tag = key
  }
  return { tag, keys }
}

function check(value: unknown, ancestors: object[]): void {
  if (typeof value !== 'object' || value === null) {
    const reason = explainNonValue(value)
    if (reason !== undefined) throw new Fault(reason)
    return
  }
  const isArray = Array.isArray(value)
  if (!isArray && !isDocumentMap(value)) {
    const reason = explainNonValue(value)
    if (reason !== undefined) throw new Fault(reason)
    return
  }
  if (ancestors.includes(value)) throw new Fault('cyclic structure: this object contains itself')
  ancestors.push(value)
  if (isArray) {
    let index = 0
    try {
      for (; index < value.length; index++) {
        const element: unknown = value[index]
        if (element === undefined) throw new Fault('an array element is undefined (or a hole): use null')
        check(element, ancestors)
      }
    } catch (error) {
      throw at(error, index)
    }
  } else {
    const map = value as DocumentMap
    const { tag, keys } = tagKeyOf(map)
    // A tag written by hand ({ $numberLong: '5' }) is a typed value when unambiguous.
    if (tag !== undefined) handWrittenTag(tag, map[tag], keys)
    else {
      let key: string | undefined
      try {
        for (key of keys) check(map[key], ancestors)
      } catch (error) {
        throw at(error, key)
      }
    }
  }
  ancestors.pop()
}

/**
 * Checks that `value` is an OJAI value all the way down: no functions, symbols, `Date`s, `Map`s,
 * class instances other than the value classes, NaN/Infinity, cycles or `undefined` array
 * elements. `undefined` map fields are allowed (they are treated as absent).
 *
 * Extended-JSON tags written by hand, as official-client code writes them
 * (`{ n: { $numberLong: '5' } }`, `{ $decimal: '1.10' }`, `{ $date: '2016-02-22T10:26:12.487' }`,
 * `{ $binary: 'MTIzNA==' }`, …), are accepted where unambiguous: the tag is the object's only key
 * and its payload is valid; the encoder writes them as the typed values they stand for. Otherwise
 * the message names the typed value to write instead (`new OInt(5)`, a bigint, `ODate.parse(…)`…).
 * Throws InvalidValueError naming the location of the first problem.
 * @category Internals
 */
export function validateValue(value: unknown): Value {
  try {
    check(value, [])
  } catch (error) {
    if (error instanceof Fault) throw new InvalidValueError(locatedMessage(error))
    if (isStackOverflow(error)) throw new InvalidValueError('value is nested too deeply to check', { cause: error })
    throw error
  }
  return value as Value
}

/**
 * Refuses a document whose top level holds an extended-JSON tag: alone it is a tagged value, not
 * a map (InvalidDocumentError); beside other fields it is a field name that could not be told
 * apart from a tag on the wire (InvalidValueError).
 * @category Internals
 */
export function checkNotTagged(doc: DocumentMap): void {
  let tag: string | undefined
  // Eleven property probes: cheaper than listing the keys of every document encoded.
  for (const name of EXTENDED_JSON_TAGS) if (doc[name] !== undefined && Object.prototype.hasOwnProperty.call(doc, name)) tag = name
  if (tag === undefined) return
  if (tagKeyOf(doc).keys.length === 1)
    throw new InvalidDocumentError(
      `a document must be a map, but this object is a hand-written ${tag} value; put it in a field: { _id: '…', field: { ${tag}: … } }`,
    )
  throw new InvalidValueError(`field name ${JSON.stringify(tag)} is reserved for the extended-JSON tag of the same name: rename the field`)
}

/**
 * Why `id` is not a legal document key, or `undefined` when it is one.
 * @category Internals
 */
export function explainBadId(id: unknown): string | undefined {
  if (typeof id === 'string')
    return id.length > 0 ? undefined : '_id must not be an empty string: use a non-empty string or a non-empty Uint8Array (Buffer)'
  if (id instanceof Uint8Array)
    return id.length > 0 ? undefined : '_id must not be an empty binary: use a non-empty Uint8Array (Buffer) or a non-empty string'
  if (id === undefined) return 'document must have an _id: a non-empty string or Uint8Array (Buffer)'
  return `_id must be a non-empty string or a Uint8Array (Buffer), got ${describeKind(id)}${idHint(id)}`
}

/** What to write instead of a key of the wrong kind, for the habits of official-client code. */
function idHint(id: unknown): string {
  if (
    typeof id === 'number' ||
    typeof id === 'bigint' ||
    id instanceof OInt ||
    id instanceof OShort ||
    id instanceof OByte ||
    id instanceof OFloat
  ) {
    const n = String(id)
    return `: write it as a string, String(${n}); keys sort by their bytes, so pad numbers that must sort numerically, e.g. String(${n}).padStart(10, '0')`
  }
  if (id instanceof Date) return ': write it as a string, e.g. date.toISOString() (ISO text sorts by time)'
  if (isDocumentMap(id)) {
    const { tag } = tagKeyOf(id)
    if (tag === '$binary') return `: a hand-written {"$binary": …} key must be written as bytes, e.g. Buffer.from(text, 'base64')`
    if (tag !== undefined) return `: a hand-written {"${tag}": …} key is not a legal key; write it as a string`
  }
  return ''
}

/**
 * Checks a document key: a non-empty string or a non-empty Uint8Array. Throws InvalidIdError.
 * @category Internals
 */
export function validateId(id: unknown): DocumentId {
  const reason = explainBadId(id)
  if (reason !== undefined) throw new InvalidIdError(reason)
  return id as DocumentId
}

/**
 * Checks a document: a MAP (plain object) whose `_id`, when present, is a legal key, and whose
 * fields are all OJAI values. Throws InvalidDocumentError, InvalidIdError or InvalidValueError.
 * @category Internals
 */
export function validateDocument(doc: unknown): Document {
  if (!isDocumentMap(doc)) throw new InvalidDocumentError(`a document must be a plain object (a MAP), got ${describeKind(doc)}`)
  checkNotTagged(doc)
  const id = doc['_id']
  if (id !== undefined) validateId(id)
  validateValue(doc)
  return doc as Document
}

/**
 * Checks a document that is about to be written: like {@link validateDocument}, and it must name
 * its key. A missing `_id` is an InvalidDocumentError; an `_id` of the wrong kind an InvalidIdError.
 * @category Internals
 */
export function validateDocumentWithId(doc: unknown): DocumentWithId {
  if (!isDocumentMap(doc)) throw new InvalidDocumentError(`a document must be a plain object (a MAP), got ${describeKind(doc)}`)
  if (doc['_id'] === undefined) throw new InvalidDocumentError('document must have an _id: a non-empty string or Uint8Array (Buffer)')
  return validateDocument(doc) as DocumentWithId
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function sameMap(a: DocumentMap, b: DocumentMap): boolean {
  let count = 0
  for (const key of Object.keys(a)) {
    const x = a[key]
    if (x === undefined) continue
    count++
    const y = b[key]
    if (y === undefined || !Object.prototype.hasOwnProperty.call(b, key) || !sameValue(x, y)) return false
  }
  for (const key of Object.keys(b)) if (b[key] !== undefined) count--
  return count === 0
}

/**
 * Type-strict deep equality: `new OInt(5)`, `5` and `5n` all differ; maps compare without regard
 * to key order (`undefined` fields count as absent); binary compares byte by byte (a Buffer equals
 * a Uint8Array with the same bytes); decimals compare by their digits as written; doubles and
 * floats compare with `Object.is`, so `0` and `-0` differ; timestamps compare by instant, or by
 * wall-clock reading when both are zone-less, and an instant never equals a zone-less timestamp.
 * @category Internals
 */
export function sameValue(a: Value, b: Value): boolean {
  if (a === b) return typeof a !== 'number' || Object.is(a, b)
  if (typeof a !== typeof b) return false
  if (typeof a === 'number') return Object.is(a, b)
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i] as Value, b[i] as Value)) return false
    return true
  }
  if (Array.isArray(b)) return false
  if (a instanceof Uint8Array) return b instanceof Uint8Array && sameBytes(a, b)
  if (isDocumentMap(a)) return isDocumentMap(b) && sameMap(a, b)
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false
  if (a instanceof OInt || a instanceof OShort || a instanceof OByte) return a.value === (b as OInt).value
  if (a instanceof OFloat) return Object.is(a.value, (b as OFloat).value)
  if (a instanceof ODecimal) return a.value === (b as ODecimal).value
  if (a instanceof ODate) return a.year === (b as ODate).year && a.month === (b as ODate).month && a.day === (b as ODate).day
  if (a instanceof OTime) return a.millisOfDay === (b as OTime).millisOfDay
  if (a instanceof OTimestamp) return a.epochMillis === (b as OTimestamp).epochMillis && a.isZoneless === (b as OTimestamp).isZoneless
  if (a instanceof OInterval) return a.millis === (b as OInterval).millis
  return false
}

/**
 * A deep copy that shares nothing mutable with `value`: maps and arrays are copied, binary is
 * copied into a new Uint8Array, and the immutable value classes are shared. `undefined` map
 * fields are dropped.
 * @category Internals
 */
export function cloneValue<T extends Value>(value: T): T {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map((element: Value) => cloneValue(element)) as unknown as T
  if (value instanceof Uint8Array) return Uint8Array.from(value) as T
  if (!isDocumentMap(value)) return value
  const copy: Record<string, Value> = {}
  for (const key of Object.keys(value)) {
    const field = value[key]
    if (field === undefined) continue
    // A plain assignment to "__proto__" would set the prototype instead of a field.
    if (key === '__proto__')
      Object.defineProperty(copy, key, { value: cloneValue(field), enumerable: true, writable: true, configurable: true })
    else copy[key] = cloneValue(field)
  }
  return copy as unknown as T
}
