/**
 * Habits of code written for the official Node client (node-maprdb): extended-JSON tags written
 * by hand inside documents (its only way to write LONG, INT, DECIMAL, dates, binary), Date
 * values, numeric keys. Each either works, decoded to the typed value, or fails with a message
 * naming what to write instead.
 */
import { describe, expect, it } from 'vitest'
import { encodeDocument } from '../../lib/ojai/codec.js'
import { validateDocument, validateDocumentWithId } from '../../lib/ojai/document.js'
import { InvalidDocumentError, InvalidIdError, InvalidValueError } from '../../lib/ojai/errors.js'
import { Mutation } from '../../lib/ojai/mutation.js'
import { OByte, ODate, ODecimal, OFloat, OInt, OInterval, OShort, OTime, OTimestamp } from '../../lib/ojai/values.js'
import type { Document, Value } from '../../lib/ojai/values.js'

describe('hand-written extended-JSON tags in a document', () => {
  it.each<[string, Record<string, unknown>, Value]>([
    ['$numberLong as a string', { $numberLong: '5' }, 5n],
    ['$numberLong as a number', { $numberLong: 5 }, 5n],
    ['$numberLong beyond 2^53 as a string', { $numberLong: '9223372036854775807' }, 9223372036854775807n],
    ['$numberInt', { $numberInt: '5' }, new OInt(5)],
    ['$numberShort', { $numberShort: 5 }, new OShort(5)],
    ['$numberByte', { $numberByte: -1 }, new OByte(-1)],
    ['$numberFloat', { $numberFloat: '1.5' }, new OFloat(1.5)],
    ['$decimal', { $decimal: '1.10' }, new ODecimal('1.10')],
    ['$dateDay', { $dateDay: '2012-10-20' }, new ODate(2012, 10, 20)],
    ['$time', { $time: '10:26:12.487' }, OTime.of(10, 26, 12, 487)],
    ['$date zone-less', { $date: '2016-02-22T10:26:12.487' }, OTimestamp.parse('2016-02-22T10:26:12.487')],
    ['$date instant', { $date: '2016-02-22T11:26:12.487+01:00' }, OTimestamp.parse('2016-02-22T10:26:12.487Z')],
    ['$interval', { $interval: 86400000 }, new OInterval(86_400_000)],
    ['$binary', { $binary: 'MTIzNA==' }, new Uint8Array([0x31, 0x32, 0x33, 0x34])],
  ])('%s is written as the typed value', (_name, tagged, typed) => {
    const handWritten = encodeDocument({ _id: 'k', a: [{ n: tagged as Value }] })
    expect(handWritten).toBe(encodeDocument({ _id: 'k', a: [{ n: typed }] }))
    expect(() => validateDocumentWithId({ _id: 'k', n: tagged })).not.toThrow()
  })

  it('leaves the caller’s document untouched', () => {
    const doc = { _id: 'k', n: { $numberLong: '5' } }
    encodeDocument(doc)
    expect(doc).toEqual({ _id: 'k', n: { $numberLong: '5' } })
  })

  it('is accepted the same way in mutations (already typed there)', () => {
    expect(Mutation.parse({ $set: { n: { $numberLong: '5' } } }).toJsonString()).toBe('{"$set":{"n":{"$numberLong":5}}}')
  })

  it.each<[string, Document, RegExp]>([
    [
      'a bad payload',
      { _id: 'k', n: { $numberInt: 'five' } },
      /\$numberInt needs an integer, got string "five" \(or write new OInt\(5\)\) at "n"/,
    ],
    [
      'a LONG beyond 2^53 as a number (digits already lost)',
      { _id: 'k', n: { $numberLong: 2 ** 60 } },
      /beyond 2\^53.*write it as a string.*\(or write a bigint such as 5n\) at "n"/,
    ],
    [
      'a decimal that is no number',
      { _id: 'k', n: { $decimal: 'x' } },
      /bad \$decimal value.*\(or write new ODecimal\('123\.456'\)\) at "n"/,
    ],
    ['a non-ISO date', { _id: 'k', n: { $date: 'Feb 22 2016' } }, /ISO-8601.*\(or write OTimestamp\.parse\(.*\) at "n"/],
    [
      'bad base64',
      { _id: 'k', n: { $binary: '!!' } },
      /standard base64.*\(or write a Uint8Array or Buffer, e\.g\. Buffer\.from\(text, 'base64'\)\) at "n"/,
    ],
    [
      'a tag beside another field (ambiguous)',
      { _id: 'k', m: { $date: '2016-02-22', note: 'x' } },
      /\$date tag object must have exactly one key, but it also has "note": for a \$date value write .*; for a map, rename the field "\$date" at "m"/,
    ],
  ])('%s is refused with the replacement named', (_name, doc, message) => {
    expect(() => encodeDocument(doc)).toThrow(InvalidValueError)
    expect(() => encodeDocument(doc)).toThrow(message)
    expect(() => validateDocument(doc)).toThrow(message)
  })

  it('a whole "document" that is one tagged value is refused', () => {
    expect(() => validateDocument({ $binary: 'MTIz' })).toThrow(InvalidDocumentError)
    expect(() => validateDocument({ $binary: 'MTIz' })).toThrow(/hand-written \$binary value; put it in a field/)
  })
})

describe('other official-client habits', () => {
  it('the official value constructors from text work unchanged', () => {
    expect(
      encodeDocument({ _id: 'k', d: new ODate('2012-10-20'), t: new OTime('10:26:12'), ts: new OTimestamp('2016-02-22T10:26:12.487') }),
    ).toBe('{"_id":"k","d":{"$dateDay":"2012-10-20"},"t":{"$time":"10:26:12"},"ts":{"$date":"2016-02-22T10:26:12.487"}}')
    expect(() => new ODate('20.10.2012')).toThrow(/ODate expects "yyyy-MM-dd"/)
    expect(() => new OTime('10h26')).toThrow(/OTime expects "HH:mm:ss"/)
    expect(() => new OTimestamp('22/02/2016')).toThrow(/OTimestamp expects an ISO-8601 date-time/)
  })

  it('a tag beside _id at the top level of a document is a reserved field name', () => {
    expect(() => encodeDocument({ _id: 'k', $numberLong: 5 } as unknown as Document)).toThrow(/field name "\$numberLong" is reserved/)
  })

  it('a Date value: names OTimestamp.fromDate, ODate.fromDate, and the ISO string the official client stored', () => {
    const doc = { _id: 'k', when: new Date(0) as unknown as Value }
    expect(() => encodeDocument(doc)).toThrow(InvalidValueError)
    expect(() => encodeDocument(doc)).toThrow(
      /use OTimestamp\.fromDate\(date\) for an instant or ODate\.fromDate\(date\) for a day \(the official Node client stored a Date as its ISO text; to store that string, write date\.toISOString\(\)\) at "when"/,
    )
  })

  it.each<[unknown, RegExp]>([
    [
      42,
      /got number 42: write it as a string, String\(42\); keys sort by their bytes, so pad numbers that must sort numerically, e\.g\. String\(42\)\.padStart\(10, '0'\)/,
    ],
    [new Date(0), /got a Date: write it as a string, e\.g\. date\.toISOString\(\)/],
    [{ $binary: 'MTIz' }, /Buffer\.from\(text, 'base64'\)/],
  ])('an _id of %o: names the key to write instead', (id, message) => {
    expect(() => encodeDocument({ _id: id as string })).toThrow(InvalidIdError)
    expect(() => encodeDocument({ _id: id as string })).toThrow(message)
  })
})
