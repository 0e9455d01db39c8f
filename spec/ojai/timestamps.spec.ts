/**
 * Timestamps keep what the user wrote: a zone-less timestamp ("the gateway's time zone") goes on
 * the wire as written and reads back zone-less; one with `Z` or an offset, or built from a Date or
 * epoch milliseconds, is an instant written in UTC. Comparison rules for the two kinds.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeDocument, decodeValue, encodeDocument, encodeValue } from '../../lib/ojai/codec.js'
import { compareValues, orderValues, valueEquals } from '../../lib/ojai/compare.js'
import { Condition } from '../../lib/ojai/condition.js'
import { sameValue } from '../../lib/ojai/document.js'
import { InvalidValueError } from '../../lib/ojai/errors.js'
import { OTimestamp } from '../../lib/ojai/values.js'

const SAMPLE = '2016-02-22T10:26:12.487' // the spelling of the official samples
const SAMPLE_UTC = Date.UTC(2016, 1, 22, 10, 26, 12, 487)

describe('a zone-less timestamp', () => {
  it.each([
    SAMPLE,
    '2016-02-22T10:26',
    '2016-02-22T10:26:12',
    '2016-02-22T10:26:12.487123456',
    '2016-02-22',
    '+010000-01-01T00:00:00.000',
    '-000001-12-31T23:59:59.999',
  ])('%s is zone-less and goes on the wire exactly as written', (text) => {
    const ts = OTimestamp.parse(text)
    expect(ts.isZoneless).toBe(true)
    expect(ts.toString()).toBe(text)
    expect(encodeValue(ts)).toBe(`{"$date":"${text}"}`)
  })

  it('the official client constructor spelling works unchanged: new OTimestamp(text)', () => {
    const ts = new OTimestamp(SAMPLE)
    expect(ts.isZoneless).toBe(true)
    expect(encodeDocument({ _id: 'k', when: ts })).toBe(`{"_id":"k","when":{"$date":"${SAMPLE}"}}`)
  })

  it('reads back zone-less, with the same text, and compares equal to what was written', () => {
    const written = OTimestamp.parse(SAMPLE)
    const back = decodeDocument(encodeDocument({ _id: 'k', when: written }))['when'] as OTimestamp
    expect(back).toBeInstanceOf(OTimestamp)
    expect(back.isZoneless).toBe(true)
    expect(back.toString()).toBe(SAMPLE)
    expect(sameValue(back, written)).toBe(true)
    expect(valueEquals(back, written)).toBe(true)
    expect(compareValues(back, written)).toBe(0)
  })

  it('carries its wall-clock reading counted as UTC in epochMillis, and becomes an instant only at a stated offset', () => {
    const ts = OTimestamp.parse(SAMPLE)
    expect(ts.epochMillis).toBe(SAMPLE_UTC)
    expect(ts.atOffset(0).isZoneless).toBe(false)
    expect(ts.atOffset(0).toString()).toBe('2016-02-22T10:26:12.487Z')
    expect(ts.atOffset(60).toString()).toBe('2016-02-22T09:26:12.487Z') // 10:26 at +01:00
    expect(ts.atOffset(-300).toString()).toBe('2016-02-22T15:26:12.487Z') // 10:26 at -05:00
    expect(() => ts.atOffset(0.5)).toThrow(InvalidValueError)
  })

  it('refuses toDate(), saying how to name the zone', () => {
    expect(() => OTimestamp.parse(SAMPLE).toDate()).toThrow(InvalidValueError)
    expect(() => OTimestamp.parse(SAMPLE).toDate()).toThrow(/has no zone, so it names no instant: use ts\.atOffset\(0\)\.toDate\(\)/)
  })
})

describe('an instant', () => {
  it.each([
    ['2016-02-22T10:26:12.487Z', SAMPLE_UTC],
    ['2016-02-22T11:26:12.487+01:00', SAMPLE_UTC],
    ['2016-02-22T11:26:12.487+0100', SAMPLE_UTC],
    ['2016-02-22T11:26:12.487+01', SAMPLE_UTC],
    ['2016-02-22T05:26:12.487-05:00', SAMPLE_UTC],
  ])('%s is an instant, written in UTC', (text, millis) => {
    const ts = OTimestamp.parse(text)
    expect(ts.isZoneless).toBe(false)
    expect(ts.epochMillis).toBe(millis)
    expect(encodeValue(ts)).toBe('{"$date":"2016-02-22T10:26:12.487Z"}')
    expect(ts.toDate().getTime()).toBe(millis)
  })

  it('from a Date or epoch milliseconds is an instant in Z', () => {
    for (const ts of [OTimestamp.fromDate(new Date(SAMPLE_UTC)), new OTimestamp(new Date(SAMPLE_UTC)), new OTimestamp(SAMPLE_UTC)]) {
      expect(ts.isZoneless).toBe(false)
      expect(ts.toString()).toBe('2016-02-22T10:26:12.487Z')
    }
  })

  it('reads back as an instant', () => {
    const back = decodeValue('{"$date":"2016-02-22T10:26:12.487Z"}') as OTimestamp
    expect(back.isZoneless).toBe(false)
    expect(sameValue(back, new OTimestamp(SAMPLE_UTC))).toBe(true)
    // atOffset leaves an instant alone
    expect(back.atOffset(120)).toBe(back)
  })
})

describe('comparing the two kinds', () => {
  const zoneless = OTimestamp.parse(SAMPLE)
  const instant = new OTimestamp(SAMPLE_UTC)

  it('type-strict sameValue never calls an instant and a zone-less timestamp equal', () => {
    expect(sameValue(zoneless, instant)).toBe(false)
    expect(sameValue(instant, zoneless)).toBe(false)
  })

  it('two zone-less timestamps compare by wall-clock reading, however the text was spelled', () => {
    expect(valueEquals(OTimestamp.parse('2016-02-22T10:26:12'), OTimestamp.parse('2016-02-22T10:26:12.000'))).toBe(true)
    expect(sameValue(OTimestamp.parse('2016-02-22T10:26:12'), OTimestamp.parse('2016-02-22T10:26:12.000'))).toBe(true)
    expect(compareValues(OTimestamp.parse('2016-02-22T10:26:11.999'), zoneless)).toBe(-1)
  })

  it('a zone-less timestamp against an instant compares as if in UTC (the embedded gateway runs in UTC)', () => {
    expect(valueEquals(zoneless, instant)).toBe(true)
    expect(compareValues(zoneless, new OTimestamp(SAMPLE_UTC + 1))).toBe(-1)
    expect(compareValues(zoneless, OTimestamp.parse('2016-02-22T10:26:12.487+01:00'))).toBe(1)
    expect(orderValues(zoneless, instant)).toBe(0)
  })

  it('conditions evaluate the same way (the embedded gateway uses these rules)', () => {
    const doc = { _id: 'k', when: zoneless }
    expect(Condition.parse({ $eq: { when: { $date: SAMPLE } } }).matches(doc)).toBe(true)
    expect(Condition.parse({ $eq: { when: { $date: '2016-02-22T10:26:12.487Z' } } }).matches(doc)).toBe(true)
    expect(Condition.parse({ $eq: { when: { $date: '2016-02-22T10:26:12.487+01:00' } } }).matches(doc)).toBe(false)
    expect(Condition.parse({ $gt: { when: { $date: '2016-02-22T10:26:12' } } }).matches(doc)).toBe(true)
    expect(Condition.parse({ $between: { when: [{ $date: '2016-02-22' }, { $date: '2016-02-23' }] } }).matches(doc)).toBe(true)
  })

  it('a condition on a zone-less literal is sent as written', () => {
    expect(Condition.parse({ $eq: { when: { $date: SAMPLE } } }).toJsonString()).toBe(`{"$eq":{"when":{"$date":"${SAMPLE}"}}}`)
  })
})

describe('timestamp round trips (property)', () => {
  it('any zone-less text reads back with the same text and compares equal', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.constantFrom(23, 19, 16), (millis, length) => {
        const iso = new Date(millis).toISOString()
        const text = iso.slice(0, iso.length - 24 + length) // drop Z, and maybe the fraction or the seconds
        const written = OTimestamp.parse(text)
        const back = decodeValue(encodeValue(written)) as OTimestamp
        expect(back.isZoneless).toBe(true)
        expect(back.toString()).toBe(text)
        expect(sameValue(back, written)).toBe(true)
        expect(valueEquals(back, written.atOffset(0))).toBe(true)
      }),
      { numRuns: 300 },
    )
  })
})
