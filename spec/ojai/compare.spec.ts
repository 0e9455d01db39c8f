import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { valueEquals, compareValues, compareIds, orderValues, compareNumeric, compareStrings } from '../../lib/ojai/compare.js'
import { OByte, ODate, ODecimal, OFloat, OInt, OInterval, OShort, OTime, OTimestamp } from '../../lib/ojai/values.js'
import type { Value } from '../../lib/ojai/values.js'

const bytes = (...b: number[]) => new Uint8Array(b)

describe('valueEquals', () => {
  it.each<[string, Value, Value]>([
    ['INT and DOUBLE', new OInt(10), 10],
    ['LONG and DOUBLE', 10n, 10],
    ['SHORT and BYTE', new OShort(7), new OByte(7)],
    ['FLOAT and DOUBLE (exact binary value)', new OFloat(0.5), 0.5],
    ['DECIMAL and INT', new ODecimal('10.000'), new OInt(10)],
    ['DECIMAL and DOUBLE', new ODecimal('0.5'), 0.5],
    ['DECIMAL exponent form', new ODecimal('1.5e3'), 1500n],
    ['LONG beyond 2^53 and equal DOUBLE', 2n ** 60n, 2 ** 60],
    ['maps ignoring key order', { a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: new OInt(1) }],
    ['maps ignoring undefined fields', { a: 1, x: undefined }, { a: 1 }],
    ['arrays in order', [1, 'x', null], [1, 'x', null]],
    ['binary bytewise', bytes(1, 2, 3), bytes(1, 2, 3)],
    ['dates', new ODate(2012, 10, 20), ODate.parse('2012-10-20')],
    ['times', OTime.parse('10:11:12.5'), OTime.of(10, 11, 12, 500)],
    ['timestamps', new OTimestamp(1000), OTimestamp.parse('1970-01-01T00:00:01Z')],
    ['intervals', new OInterval(5), new OInterval(5)],
    ['nulls', null, null],
    ['-0 and 0', -0, 0],
  ])('%s are equal', (_label, a, b) => {
    expect(valueEquals(a, b)).toBe(true)
    expect(valueEquals(b, a)).toBe(true)
  })

  it.each<[string, Value, Value]>([
    ['string "23" and number 23', '23', 23],
    ['number 45 and string "45"', 45, '45'],
    ['LONG 2^53+1 and the DOUBLE 2^53 it rounds to', 2n ** 53n + 1n, 2 ** 53],
    ['FLOAT 0.1 and DOUBLE 0.1', new OFloat(0.1), 0.1],
    ['DECIMAL 0.1 and DOUBLE 0.1 (binary approximation)', new ODecimal('0.1'), 0.1],
    ['map with extra key', { t: 'ipod', v: 10 }, { t: 'ipod' }],
    ['arrays in another order', ['a', 'b'], ['b', 'a']],
    ['arrays of other length', [1], [1, 1]],
    ['binary of other length', bytes(1, 2), bytes(1, 2, 3)],
    ['string and binary', 'a', bytes(97)],
    ['null and missing-like false', null, false],
    ['boolean and number', true, 1],
    ['date and timestamp', new ODate(1970, 1, 1), new OTimestamp(0)],
    ['NaN and NaN', NaN, NaN],
  ])('%s are not equal', (_label, a, b) => {
    expect(valueEquals(a, b)).toBe(false)
    expect(valueEquals(b, a)).toBe(false)
  })
})

describe('compareValues', () => {
  it.each<[string, Value, Value, number]>([
    ['LONG 10 < DOUBLE 27.88', 10n, 27.88, -1],
    ['DOUBLE 27.88 < FLOAT 1900.12', 27.88, new OFloat(1900.12), -1],
    ['FLOAT 1900.12 < INT 10000', new OFloat(1900.12), new OInt(10000), -1],
    ['LONG max > DOUBLE 9.2e18', 2n ** 63n - 1n, 9.2e18, 1],
    ['LONG 2^53+1 > DOUBLE 2^53', 2n ** 53n + 1n, 2 ** 53, 1],
    ['DOUBLE 2.5 between LONG 2 and 3', 2.5, 2n, 1],
    ['DOUBLE -2.5 < LONG -2', -2.5, -2n, -1],
    ['Infinity > LONG', Infinity, 2n ** 63n, 1],
    ['-Infinity < DECIMAL', -Infinity, new ODecimal('-1e400'), -1],
    ['DECIMAL 1e400 > DOUBLE max', new ODecimal('1e400'), Number.MAX_VALUE, 1],
    ['DECIMAL 0.30000000000000004441 > DOUBLE 0.3', new ODecimal('0.30000000000000004441'), 0.3, 1],
    ['DECIMAL -0.001 < 0', new ODecimal('-0.001'), 0, -1],
    ['DECIMAL 12.5 vs 12.50', new ODecimal('12.5'), new ODecimal('12.50'), 0],
    ['DECIMAL 2 > 1999e-3', new ODecimal('2'), new ODecimal('1999e-3'), 1],
    ['BYTE < SHORT', new OByte(-1), new OShort(0), -1],
    ['strings by code point', 'a', 'b', -1],
    ['prefix first', 'ab', 'abc', -1],
    ['false < true', false, true, -1],
    ['dates', new ODate(2012, 1, 1), new ODate(2011, 12, 31), 1],
    ['times', OTime.of(1, 0), OTime.of(0, 59), 1],
    ['timestamps', new OTimestamp(5), new OTimestamp(6), -1],
    ['intervals', new OInterval(5), new OInterval(5), 0],
    ['binary bytewise unsigned', bytes(0x80), bytes(0x7f), 1],
    ['null vs null', null, null, 0],
  ])('%s', (_label, a, b, expected) => {
    expect(Math.sign(compareValues(a, b) as number)).toBe(expected)
    expect(Math.sign(compareValues(b, a) as number)).toBe(-expected || 0)
  })

  it.each<[string, Value, Value]>([
    ['string vs number', 'a', 1],
    ['null vs number', null, 1],
    ['map vs map', { a: 1 }, { a: 1 }],
    ['array vs array', [1], [1]],
    ['date vs timestamp', new ODate(2000, 1, 1), new OTimestamp(0)],
    ['NaN vs number', NaN, 1],
    ['boolean vs string', true, 'true'],
  ])('%s is not comparable', (_label, a, b) => {
    expect(compareValues(a, b)).toBeUndefined()
  })

  it('equal LONG and DOUBLE compare as 0 both ways (not -0)', () => {
    expect(compareNumeric(0n, 0)).toBe(0)
    expect(compareNumeric(0, 0n)).toBe(0)
    expect(compareNumeric(2n ** 60n, 2 ** 60)).toBe(0)
    expect(compareNumeric(2 ** 60, 2n ** 60n)).toBe(0)
  })

  it('LONG against DOUBLE is exact beyond 2^53 (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e20, max: 1e20 }),
        (l, d) => {
          // l < d exactly when l <= floor(d) for a fractional d; plain bigint comparison otherwise
          const fl = BigInt(Math.floor(d))
          const expected = Number.isInteger(d) ? (l < fl ? -1 : l > fl ? 1 : 0) : l <= fl ? -1 : 1
          expect(Math.sign(compareNumeric(l, d) as number)).toBe(expected)
          expect(Math.sign(compareNumeric(d, l) as number)).toBe(-expected || 0)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('DECIMAL comparisons match scaled integer arithmetic (property)', () => {
    const dec = fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: -20, max: 20 }))
    fc.assert(
      fc.property(dec, dec, ([a, ea], [b, eb]) => {
        // value = m × 10^e; bring both to the smaller exponent and compare the integers
        const e = Math.min(ea, eb)
        const x = a * 10n ** BigInt(ea - e)
        const y = b * 10n ** BigInt(eb - e)
        const expected = x < y ? -1 : x > y ? 1 : 0
        expect(Math.sign(compareNumeric(new ODecimal(`${a}e${ea}`), new ODecimal(`${b}e${eb}`)) as number)).toBe(expected)
        if (eb === 0) expect(Math.sign(compareNumeric(new ODecimal(`${a}e${ea}`), b) as number)).toBe(expected)
      }),
      { numRuns: 500 },
    )
  })

  it('DECIMAL against DOUBLE uses the exact binary value of the double', () => {
    // 0.1 as a double is 0.1000000000000000055511151231257827…
    expect(compareNumeric(new ODecimal('0.1000000000000000055511151231257827'), 0.1)).toBe(-1)
    expect(compareNumeric(new ODecimal('0.1000000000000000055511151231257828'), 0.1)).toBe(1)
    expect(compareNumeric(new ODecimal('0.1000000000000000055511151231257827021181583404541015625'), 0.1)).toBe(0)
    expect(compareNumeric(new ODecimal('5e-324'), Number.MIN_VALUE)).toBe(1)
  })
})

describe('compareStrings', () => {
  it('orders by code point (UTF-8 byte order), not UTF-16 units', () => {
    // U+FF5E (one UTF-16 unit, 0xFF5E) sorts before U+1F600 (surrogates 0xD83D…) by code point
    expect(compareStrings('\uff5e', '😀')).toBe(-1)
    expect('\uff5e' < '😀').toBe(false) // plain JS comparison gets this wrong
    const utf8 = (s: string) => Buffer.from(s, 'utf8')
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(Math.sign(compareStrings(a, b))).toBe(Math.sign(Buffer.compare(utf8(a), utf8(b))))
      }),
      { numRuns: 300 },
    )
  })
})

describe('compareIds', () => {
  it('puts every binary key before every string key', () => {
    expect(compareIds(bytes(0xff, 0xff), '')).toBe(-1)
    expect(compareIds('a', bytes(0))).toBe(1)
  })

  it('orders binary bytewise and strings by UTF-8 bytes', () => {
    expect(compareIds(bytes(1, 2), bytes(1, 3))).toBe(-1)
    expect(compareIds(bytes(1), bytes(1, 0))).toBe(-1)
    expect(compareIds('id002', 'id010')).toBe(-1)
    expect(compareIds('Z', 'a')).toBe(-1)
    expect(compareIds('same', 'same')).toBe(0)
  })

  it('sorts a mixed list deterministically', () => {
    const ids = ['b', bytes(2), 'a', bytes(1, 5), '😀', '\uffff']
    expect([...ids].sort(compareIds)).toEqual([bytes(1, 5), bytes(2), 'a', 'b', '\uffff', '😀'])
  })
})

describe('orderValues', () => {
  const mixed: (Value | undefined)[] = [
    undefined,
    null,
    'b',
    { k: 1 },
    [1, 2],
    bytes(1),
    new OInterval(1),
    new OTimestamp(1),
    OTime.of(1, 0),
    new ODate(2000, 1, 1),
    true,
    'a',
    new OInt(10000),
    new OFloat(1900.12),
    27.88,
    10n,
  ]

  it('orders numbers, strings, the other types, null, then missing', () => {
    const sorted = [...mixed].sort((a, b) => orderValues(a, b))
    expect(sorted).toEqual([
      10n,
      27.88,
      new OFloat(1900.12),
      new OInt(10000),
      'a',
      'b',
      true,
      new ODate(2000, 1, 1),
      OTime.of(1, 0),
      new OTimestamp(1),
      new OInterval(1),
      bytes(1),
      [1, 2],
      { k: 1 },
      null,
      undefined,
    ])
  })

  it('desc reverses the whole order, missing first', () => {
    // Array.prototype.sort never passes undefined to a comparator, so sort boxed values
    const sortBoxed = (dir: 'asc' | 'desc') =>
      mixed
        .map((v) => ({ v }))
        .sort((a, b) => orderValues(a.v, b.v, dir))
        .map((b) => b.v)
    const desc = sortBoxed('desc')
    expect(desc[0]).toBeUndefined()
    expect(desc[1]).toBeNull()
    expect(desc).toEqual(sortBoxed('asc').reverse())
  })

  it('is a consistent total order on numbers including NaN', () => {
    const nums: Value[] = [NaN, 1, -Infinity, 2n, new ODecimal('1.5'), Infinity]
    expect([...nums].sort((a, b) => orderValues(a, b))).toEqual([-Infinity, 1, new ODecimal('1.5'), 2n, Infinity, NaN])
  })

  it('orders arrays element by element and maps by sorted keys then values', () => {
    expect(orderValues([1, 2], [1, 3])).toBe(-1)
    expect(orderValues([1], [1, 0])).toBe(-1)
    expect(orderValues({ b: 1, a: 2 }, { a: 2, b: 1 })).toBe(0)
    expect(orderValues({ a: 1 }, { b: 0 })).toBe(-1)
  })
})
