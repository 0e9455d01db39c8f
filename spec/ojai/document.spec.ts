import { describe, expect, it } from 'vitest'
import {
  cloneValue,
  formatFieldLocation,
  sameValue,
  validateDocument,
  validateDocumentWithId,
  validateId,
  validateValue,
} from '../../lib/ojai/document.js'
import { InvalidDocumentError, InvalidIdError, InvalidValueError } from '../../lib/ojai/errors.js'
import { OByte, ODate, ODecimal, OFloat, OInt, OInterval, OShort, OTime, OTimestamp } from '../../lib/ojai/values.js'
import type { Value } from '../../lib/ojai/values.js'

describe('validateId', () => {
  it('accepts non-empty strings and binary', () => {
    expect(validateId('user0001')).toBe('user0001')
    const bytes = Buffer.from('1234')
    expect(validateId(bytes)).toBe(bytes)
  })

  it.each<[unknown, RegExp]>([
    ['', /_id must not be an empty string/],
    [new Uint8Array(0), /_id must not be an empty binary/],
    [5, /got number 5: write it as a string, String\(5\); keys sort by their bytes, so pad numbers .* String\(5\)\.padStart\(10, '0'\)/],
    [5n, /got bigint 5n: write it as a string, String\(5\)/],
    [new OInt(7), /got an OInt: write it as a string, String\(7\)/],
    [new Date(0), /got a Date: write it as a string, e.g. date\.toISOString\(\)/],
    [{ $binary: 'MTIz' }, /hand-written \{"\$binary": …\} key must be written as bytes, e\.g\. Buffer\.from\(text, 'base64'\)/],
    [{ $numberLong: '5' }, /hand-written \{"\$numberLong": …\} key is not a legal key; write it as a string/],
    [null, /got null/],
    [{ a: 1 }, /got an object/],
    [undefined, /document must have an _id: a non-empty string or Uint8Array/],
  ])('refuses %o', (id, message) => {
    expect(() => validateId(id)).toThrow(InvalidIdError)
    expect(() => validateId(id)).toThrow(message)
  })
})

describe('validateDocumentWithId', () => {
  it('returns a valid document as it is', () => {
    const doc = { _id: 'a', n: [1, { x: new ODate(2020, 1, 1) }], gone: undefined }
    expect(validateDocumentWithId(doc)).toBe(doc)
  })

  it('says what to fix', () => {
    expect(() => validateDocumentWithId({ n: 1 })).toThrow(InvalidDocumentError)
    expect(() => validateDocumentWithId({ n: 1 })).toThrow('document must have an _id: a non-empty string or Uint8Array')
    expect(() => validateDocumentWithId({ _id: undefined })).toThrow(InvalidDocumentError)
    expect(() => validateDocumentWithId({ _id: 1 })).toThrow(InvalidIdError)
    expect(() => validateDocumentWithId('x')).toThrow(/a document must be a plain object \(a MAP\), got string "x"/)
    expect(() => validateDocumentWithId(new Map())).toThrow(InvalidDocumentError)
    expect(() => validateDocumentWithId({ _id: 'a', when: new Date(0) })).toThrow(/Date .*OTimestamp\.fromDate.* at "when"/)
  })
})

describe('validateDocument', () => {
  it('allows a missing _id but checks one that is present', () => {
    expect(validateDocument({ a: 1 })).toEqual({ a: 1 })
    expect(() => validateDocument({ _id: '' })).toThrow(InvalidIdError)
    expect(() => validateDocument([])).toThrow(InvalidDocumentError)
  })
})

describe('validateValue', () => {
  it('accepts every value type', () => {
    const all: Value = [
      null,
      true,
      's',
      1.5,
      1n,
      new Uint8Array(1),
      new OByte(1),
      new OShort(1),
      new OInt(1),
      new OFloat(1),
      new ODecimal('1'),
      new ODate(2020, 1, 1),
      new OTime(1),
      new OTimestamp(1),
      new OInterval(1),
      { m: [] },
    ]
    expect(validateValue(all)).toBe(all)
  })

  it('shares one object in two places but refuses a cycle', () => {
    const shared = { x: 1 }
    expect(() => validateValue({ a: shared, b: [shared] })).not.toThrow()
    const cyclic: Record<string, unknown> = {}
    cyclic['self'] = [cyclic]
    expect(() => validateValue(cyclic)).toThrow(/cyclic structure.* at "self\[0\]"/)
  })

  it.each<[unknown, RegExp]>([
    [{ a: Number.NaN }, /NaN .* at "a"/],
    [[1, [2, () => 3]], /a function is not an OJAI value at "\[1\]\[1\]"/],
    [{ a: [undefined] }, /undefined .*use null at "a\[0\]"/],
    [{ a: { $numberLong: 1.5 } }, /\$numberLong needs an integer.*\(or write a bigint such as 5n\) at "a"/],
    [
      { a: [{ $numberInt: 1, other: 2 }] },
      /\$numberInt tag object must have exactly one key, but it also has "other": for a \$numberInt value write new OInt\(5\); for a map, rename the field "\$numberInt" at "a\[0\]"/,
    ],
    [2n ** 64n, /does not fit in a LONG/],
    [new ArrayBuffer(1), /ArrayBuffer .*Uint8Array/],
  ])('refuses %o', (value, message) => {
    expect(() => validateValue(value)).toThrow(InvalidValueError)
    expect(() => validateValue(value)).toThrow(message)
  })

  it('refuses nesting too deep to walk, with a typed error', () => {
    let deep: Value = 1
    for (let i = 0; i < 100_000; i++) deep = [deep]
    expect(() => validateValue(deep)).toThrow(/nested too deeply/)
  })
})

describe('sameValue', () => {
  it('keeps types apart', () => {
    const fives: Value[] = [5, 5n, new OInt(5), new OShort(5), new OByte(5), new OFloat(5), new ODecimal('5'), '5', new OInterval(5)]
    for (const [i, a] of fives.entries()) {
      for (const [j, b] of fives.entries()) expect(sameValue(a, b)).toBe(i === j)
    }
  })

  it('compares each class by its value', () => {
    expect(sameValue(new OInt(5), new OInt(5))).toBe(true)
    expect(sameValue(new OInt(5), new OInt(6))).toBe(false)
    expect(sameValue(new ODate(2020, 1, 1), ODate.parse('2020-01-01'))).toBe(true)
    expect(sameValue(new ODate(2020, 1, 1), new ODate(2020, 1, 2))).toBe(false)
    expect(sameValue(OTime.parse('10:00'), OTime.of(10, 0))).toBe(true)
    expect(sameValue(new OTimestamp(1), new OTimestamp(2))).toBe(false)
    expect(sameValue(new ODecimal('1.0'), new ODecimal('1.00'))).toBe(false)
    expect(sameValue(new OFloat(0), new OFloat(-0))).toBe(false)
    expect(sameValue(0, -0)).toBe(false)
    expect(sameValue(-0, -0)).toBe(true)
  })

  it('compares maps regardless of key order, with undefined fields absent', () => {
    expect(sameValue({ a: 1, b: { c: [1n] } }, { b: { c: [1n] }, a: 1 })).toBe(true)
    expect(sameValue({ a: 1, x: undefined }, { a: 1 })).toBe(true)
    expect(sameValue({ a: 1 }, { a: 1, b: 2 })).toBe(false)
    expect(sameValue({ a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false)
    expect(sameValue({ a: null }, {})).toBe(false)
    expect(sameValue(Object.assign(Object.create(null) as Record<string, Value>, { a: 1 }), { a: 1 })).toBe(true)
  })

  it('compares arrays by position and binary by bytes', () => {
    expect(sameValue([1, 2], [2, 1])).toBe(false)
    expect(sameValue([1], [1, 1])).toBe(false)
    expect(sameValue(Buffer.from([1, 2]), new Uint8Array([1, 2]))).toBe(true)
    expect(sameValue(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false)
    expect(sameValue(new Uint8Array([1]), [1])).toBe(false)
    expect(sameValue({}, [])).toBe(false)
    expect(sameValue(null, {})).toBe(false)
  })
})

describe('cloneValue', () => {
  it('copies maps, arrays and binary, and shares the immutable classes', () => {
    const date = new ODate(2020, 1, 1)
    const original = { a: [1, { b: Buffer.from('x') }], d: date, gone: undefined }
    const copy = cloneValue(original) as typeof original
    expect(sameValue(copy, original)).toBe(true)
    expect(copy).not.toBe(original)
    expect(copy.a).not.toBe(original.a)
    const bytes = (copy.a[1] as { b: Uint8Array }).b
    bytes[0] = 0
    expect(original.a[1]).toEqual({ b: Buffer.from('x') })
    expect(copy.d).toBe(date)
    expect('gone' in copy).toBe(false)
  })

  it('copies a "__proto__" field as a field', () => {
    const original = JSON.parse('{"__proto__":{"x":1}}') as Record<string, Value>
    const copy = cloneValue(original)
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype)
    expect(Object.keys(copy)).toEqual(['__proto__'])
  })
})

describe('formatFieldLocation', () => {
  it.each<[(string | number)[], string]>([
    [[], ''],
    [['a', 'b', 2], 'a.b[2]'],
    [[0, 'x'], '[0].x'],
    [['work phone', 'cell-phone'], 'work phone.cell-phone'],
    [['a.b', 'c'], '`a.b`.c'],
    [['x[1]'], '`x[1]`'],
    [['back`tick'], '`back\\`tick`'],
    [['line\nbreak'], '`line\\nbreak`'],
    [[''], '``'],
    [[' padded '], '` padded `'],
    [['$numberLong'], '$numberLong'],
  ])('%j -> %s', (location, text) => {
    expect(formatFieldLocation(location)).toBe(text)
  })
})
