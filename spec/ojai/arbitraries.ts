/**
 * fast-check arbitraries of OJAI values and documents, every type and shape the codec handles
 * (lone surrogates, control characters, 64-bit longs, zone-less timestamps, odd field names).
 */
import fc from 'fast-check'
import { EXTENDED_JSON_TAGS } from '../../lib/ojai/document.js'
import { OByte, ODate, ODecimal, OFloat, OInt, OInterval, OShort, OTime, OTimestamp } from '../../lib/ojai/values.js'
import type { Document, Value } from '../../lib/ojai/values.js'

const MAX_DATE_MS = 8.64e15

/** Any UTF-16 code unit, so lone surrogates and control characters show up too. */
const anyChar = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))
export const anyString = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: anyChar, maxLength: 8 }))
/** Field names: anything except the eleven tags (which the codec refuses as field names). */
export const fieldName = fc
  .oneof(anyString, fc.constantFrom('_id', '__proto__', '$eq', 'a.b', '', ' '))
  .filter((k) => !EXTENDED_JSON_TAGS.has(k))

const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

const decimalText = fc
  .tuple(
    fc.constantFrom('', '-', '+'),
    fc.stringMatching(/^\d{1,30}$/),
    fc.option(fc.stringMatching(/^\d{0,20}$/), { nil: undefined }),
    fc.option(fc.integer({ min: -500, max: 500 }), { nil: undefined }),
  )
  .map(
    ([sign, whole, fraction, exponent]) =>
      `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}${exponent === undefined ? '' : `E${exponent}`}`,
  )

/** One arbitrary per OJAI scalar type. */
export const scalar: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  anyString,
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n),
  fc.uint8Array({ maxLength: 24 }),
  fc.integer({ min: -128, max: 127 }).map((n) => new OByte(n)),
  fc.integer({ min: -32768, max: 32767 }).map((n) => new OShort(n)),
  fc.integer({ min: -2147483648, max: 2147483647 }).map((n) => new OInt(n)),
  fc.float({ noNaN: true, noDefaultInfinity: true }).map((n) => new OFloat(n)),
  decimalText.map((t) => new ODecimal(t)),
  fc
    .tuple(fc.integer({ min: -271820, max: 275759 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }))
    .map(([y, m, d]) => new ODate(y, m, Math.min(d, m === 2 && isLeap(y) ? 29 : (DAYS[m - 1] ?? 28)))),
  fc.integer({ min: 0, max: 86_399_999 }).map((n) => new OTime(n)),
  fc.integer({ min: -MAX_DATE_MS, max: MAX_DATE_MS }).map((n) => new OTimestamp(n)),
  // zone-less: the ISO text without its Z, kept as written
  fc.integer({ min: -MAX_DATE_MS, max: MAX_DATE_MS }).map((n) => OTimestamp.parse(new Date(n).toISOString().slice(0, -1))),
  fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }).map((n) => new OInterval(n)),
)

export const { value } = fc.letrec<{ value: Value; map: Value; array: Value }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('array')),
  map: fc.dictionary(fieldName, tie('value'), { maxKeys: 6 }),
  array: fc.array(tie('value'), { maxLength: 6 }),
}))

export const documentId = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }),
  fc.uint8Array({ minLength: 1, maxLength: 16 }),
)

export const document: fc.Arbitrary<Document> = fc
  .tuple(fc.option(documentId, { nil: undefined }), fc.dictionary(fieldName, value, { maxKeys: 8 }))
  .map(([id, fields]) => {
    const doc: Record<string, Value> = {}
    for (const [k, v] of Object.entries(fields)) {
      if (k === '_id') continue
      Object.defineProperty(doc, k, { value: v, enumerable: true, writable: true, configurable: true })
    }
    if (id !== undefined) doc['_id'] = id
    return doc as Document
  })
