import { describe, expect, it } from 'vitest'
import { InvalidValueError } from '../../lib/ojai/errors.js'
import {
  OByte,
  ODate,
  ODecimal,
  OFloat,
  OInt,
  OInterval,
  OJAI_TYPES,
  OShort,
  OTime,
  OTimestamp,
  isDocumentId,
  isDocumentMap,
  typeOf,
} from '../../lib/ojai/values.js'
import type { Value } from '../../lib/ojai/values.js'

describe('integer classes', () => {
  it.each([
    ['OByte', (n: number) => new OByte(n), -128, 127],
    ['OShort', (n: number) => new OShort(n), -32768, 32767],
    ['OInt', (n: number) => new OInt(n), -2147483648, 2147483647],
  ] as const)('%s accepts exactly its range', (name, make, min, max) => {
    expect(make(min).value).toBe(min)
    expect(make(max).value).toBe(max)
    expect(() => make(min - 1)).toThrow(InvalidValueError)
    expect(() => make(max + 1)).toThrow(new RegExp(`${name} must be an integer from ${min} to ${max}, got ${max + 1}`))
    expect(() => make(1.5)).toThrow(/got 1\.5/)
    expect(() => make(Number.NaN)).toThrow(InvalidValueError)
    expect(() => make('5' as unknown as number)).toThrow(InvalidValueError)
  })

  it('turns -0 into 0, as the wire would', () => {
    expect(Object.is(new OInt(-0).value, 0)).toBe(true)
    expect(Object.is(new OByte(-0).value, 0)).toBe(true)
  })

  it('prints and converts like numbers', () => {
    expect(String(new OInt(-42))).toBe('-42')
    expect(+new OShort(7) + 1).toBe(8)
  })
})

describe('OFloat', () => {
  it('rounds to 32-bit precision', () => {
    expect(new OFloat(0.1).value).toBe(Math.fround(0.1))
    expect(new OFloat(0.1).value).not.toBe(0.1)
    expect(new OFloat(16777217).value).toBe(16777216)
  })

  it('refuses NaN and non-numbers', () => {
    expect(() => new OFloat(Number.NaN)).toThrow(/OFloat must be a number, got NaN/)
    expect(() => new OFloat('1' as unknown as number)).toThrow(InvalidValueError)
  })
})

describe('ODecimal', () => {
  it('keeps the digits exactly as written', () => {
    expect(new ODecimal('123.4500').toString()).toBe('123.4500')
    expect(new ODecimal('  -1.5e10 ').value).toBe('-1.5e10')
    expect(new ODecimal(12345678901234567890n).value).toBe('12345678901234567890')
    expect(new ODecimal(2.5).toNumber()).toBe(2.5)
    expect(new ODecimal('.5').value).toBe('.5')
  })

  it.each(['', 'abc', '1.2.3', '1e', 'NaN', 'Infinity', '0x10'])('refuses %j', (text) => {
    expect(() => new ODecimal(text)).toThrow(/ODecimal needs decimal digits/)
  })
})

describe('ODate', () => {
  it('parses and prints yyyy-MM-dd', () => {
    const d = ODate.parse('2012-10-20')
    expect([d.year, d.month, d.day]).toEqual([2012, 10, 20])
    expect(d.toString()).toBe('2012-10-20')
    expect(new ODate(5, 3, 7).toString()).toBe('0005-03-07')
  })

  it('knows leap years, including year 0 and centuries', () => {
    expect(new ODate(2024, 2, 29).day).toBe(29)
    expect(new ODate(2000, 2, 29).day).toBe(29)
    expect(new ODate(0, 2, 29).toString()).toBe('0000-02-29')
    expect(() => new ODate(1900, 2, 29)).toThrow(/real calendar day, got 1900-2-29/)
    expect(() => new ODate(2023, 2, 29)).toThrow(InvalidValueError)
    expect(() => new ODate(2023, 4, 31)).toThrow(InvalidValueError)
  })

  it('writes years beyond four digits with a sign, as ISO-8601 does, and reads them back', () => {
    expect(new ODate(10000, 1, 1).toString()).toBe('+10000-01-01')
    expect(ODate.parse('+10000-01-01').year).toBe(10000)
    expect(new ODate(-1, 12, 31).toString()).toBe('-0001-12-31')
    expect(ODate.parse('-0001-12-31').year).toBe(-1)
  })

  it('counts epoch days', () => {
    expect(new ODate(1970, 1, 1).toEpochDay()).toBe(0)
    expect(new ODate(1969, 12, 31).toEpochDay()).toBe(-1)
    expect(new ODate(2000, 3, 1).toEpochDay()).toBe(11017)
    expect(new ODate(0, 1, 1).toEpochDay()).toBe(-719528)
  })

  it('reads the UTC day of a Date', () => {
    expect(ODate.fromDate(new Date(Date.UTC(2020, 0, 31, 23, 59))).toString()).toBe('2020-01-31')
    expect(() => ODate.fromDate(new Date(Number.NaN))).toThrow(InvalidValueError)
  })

  it.each(['2020-13-45', '2020-1-5', '20-01-01', '2020-02-30', '2020-00-10', '2020/01/01', ''])('refuses %j', (text) => {
    expect(() => ODate.parse(text)).toThrow(InvalidValueError)
  })

  it('refuses years a JavaScript Date cannot hold', () => {
    expect(() => new ODate(300000, 1, 1)).toThrow(InvalidValueError)
    expect(new ODate(275759, 12, 31).toEpochDay()).toBeGreaterThan(0)
  })
})

describe('OTime', () => {
  it.each([
    ['10:26:12', 37_572_000, '10:26:12'],
    ['10:26:12.487', 37_572_487, '10:26:12.487'],
    ['10:26:12.4', 37_572_400, '10:26:12.400'],
    ['10:26', 37_560_000, '10:26:00'],
    ['10:26:12.123456789', 37_572_123, '10:26:12.123'],
    ['00:00:00', 0, '00:00:00'],
    ['23:59:59.999', 86_399_999, '23:59:59.999'],
  ])('parses %s', (text, millis, printed) => {
    const t = OTime.parse(text)
    expect(t.millisOfDay).toBe(millis)
    expect(t.toString()).toBe(printed)
  })

  it('splits into fields', () => {
    const t = OTime.of(13, 5, 9, 42)
    expect([t.hours, t.minutes, t.seconds, t.millis]).toEqual([13, 5, 9, 42])
  })

  it.each(['24:00:00', '12:60:00', '12:00:60', '1:00:00', '12:00:00.', '12:00:00Z', 'noon'])('refuses %j', (text) => {
    expect(() => OTime.parse(text)).toThrow(InvalidValueError)
  })

  it('refuses millis outside one day', () => {
    expect(() => new OTime(86_400_000)).toThrow(/from 0 to 86399999/)
    expect(() => new OTime(-1)).toThrow(InvalidValueError)
  })
})

describe('OTimestamp', () => {
  const instant = Date.UTC(2016, 1, 22, 10, 26, 12, 487)

  it.each([
    ['2016-02-22T10:26:12.487Z', instant],
    ['2016-02-22T10:26:12.487', instant], // no zone: the wall-clock reading counted as UTC (zone-less, see timestamps.spec)
    ['2016-02-22T11:26:12.487+01:00', instant],
    ['2016-02-22T11:26:12.487+0100', instant],
    ['2016-02-22T11:26:12.487+01', instant],
    ['2016-02-22T05:26:12.487-05:00', instant],
    ['2016-02-22T10:26:12.487123Z', instant],
    ['2016-02-22T10:26Z', Date.UTC(2016, 1, 22, 10, 26)],
    ['2016-02-22', Date.UTC(2016, 1, 22)],
  ])('parses %s', (text, millis) => {
    expect(OTimestamp.parse(text).epochMillis).toBe(millis)
  })

  it('prints an instant in UTC with milliseconds, as the OJAI writer does', () => {
    expect(new OTimestamp(instant).toString()).toBe('2016-02-22T10:26:12.487Z')
    expect(new OTimestamp(0).toString()).toBe('1970-01-01T00:00:00.000Z')
  })

  it('converts an instant to and from Date', () => {
    expect(OTimestamp.fromDate(new Date(instant)).toDate().getTime()).toBe(instant)
  })

  it.each(['March 7 2020', '2016-02-22 10:26:12', '2016-02-22T25:00:00Z', '2016-02-22T10:26:12.487+1', 'x', ''])('refuses %j', (text) => {
    expect(() => OTimestamp.parse(text)).toThrow(/ISO-8601/)
  })

  it('refuses fractional or out-of-range millis', () => {
    expect(() => new OTimestamp(1.5)).toThrow(InvalidValueError)
    expect(() => new OTimestamp(8.64e15 + 1)).toThrow(InvalidValueError)
    expect(Object.is(new OTimestamp(-0).epochMillis, 0)).toBe(true)
  })
})

describe('OInterval', () => {
  it('holds whole milliseconds', () => {
    expect(new OInterval(1500).millis).toBe(1500)
    expect(new OInterval(-5).toString()).toBe('-5ms')
    expect(() => new OInterval(1.5)).toThrow(/whole number of milliseconds/)
    expect(() => new OInterval(2 ** 53)).toThrow(InvalidValueError)
  })
})

describe('typeOf', () => {
  it.each<[Value, string]>([
    [null, 'null'],
    [true, 'boolean'],
    ['s', 'string'],
    [new OByte(1), 'byte'],
    [new OShort(1), 'short'],
    [new OInt(1), 'int'],
    [1n, 'long'],
    [new OFloat(1), 'float'],
    [1, 'double'],
    [new ODecimal('1'), 'decimal'],
    [new ODate(2020, 1, 1), 'date'],
    [new OTime(0), 'time'],
    [new OTimestamp(0), 'timestamp'],
    [new OInterval(0), 'interval'],
    [new Uint8Array(1), 'binary'],
    [Buffer.from('x'), 'binary'],
    [{ a: 1 }, 'map'],
    [[1], 'array'],
  ])('%o is %s', (value, type) => {
    expect(typeOf(value)).toBe(type)
  })

  it('covers all seventeen OJAI types', () => {
    expect(OJAI_TYPES).toHaveLength(17)
  })

  it('refuses what is not a value', () => {
    expect(() => typeOf(undefined as unknown as Value)).toThrow(/undefined is not an OJAI value/)
  })
})

describe('isDocumentMap and isDocumentId', () => {
  it('accepts plain and null-prototype objects only', () => {
    expect(isDocumentMap({})).toBe(true)
    expect(isDocumentMap(Object.create(null))).toBe(true)
    expect(isDocumentMap([])).toBe(false)
    expect(isDocumentMap(new OInt(1))).toBe(false)
    expect(isDocumentMap(new Date())).toBe(false)
    expect(isDocumentMap(null)).toBe(false)
  })

  it('accepts string and binary keys only', () => {
    expect(isDocumentId('a')).toBe(true)
    expect(isDocumentId(Buffer.from('a'))).toBe(true)
    expect(isDocumentId(1)).toBe(false)
    expect(isDocumentId(1n)).toBe(false)
  })
})
