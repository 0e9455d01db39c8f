import { describe, expect, it } from 'vitest'
import { decodeDocument, decodeId, decodeValue, encodeDocument, encodeId, encodeValue, fromExtendedJson } from '../../lib/ojai/codec.js'
import { sameValue } from '../../lib/ojai/document.js'
import { DecodingError, InvalidDocumentError, InvalidIdError, InvalidValueError } from '../../lib/ojai/errors.js'
import type { OjaiError } from '../../lib/ojai/errors.js'
import { OByte, ODate, ODecimal, OFloat, OInt, OInterval, OShort, OTime, OTimestamp, typeOf } from '../../lib/ojai/values.js'
import type { Document, Value } from '../../lib/ojai/values.js'

const MAX_LONG = 9223372036854775807n
const MIN_LONG = -9223372036854775808n

function roundTrip(value: Value): Value {
  return decodeValue(encodeValue(value))
}

describe('decoding the eleven tags (protocol Section 7.1)', () => {
  it.each<[string, Value]>([
    ['{"$numberByte":-128}', new OByte(-128)],
    ['{"$numberByte":"127"}', new OByte(127)],
    ['{"$numberShort":32767}', new OShort(32767)],
    ['{"$numberShort":"-32768"}', new OShort(-32768)],
    ['{"$numberInt":5}', new OInt(5)],
    ['{"$numberInt":"5"}', new OInt(5)], // DOC C# example
    ['{"$numberInt":-2147483648}', new OInt(-2147483648)],
    ['{"$numberLong":51}', 51n],
    ['{"$numberLong":"95196"}', 95196n], // EX C# example
    ['{"$numberLong":9223372036854775807}', MAX_LONG],
    ['{"$numberLong":-9223372036854775808}', MIN_LONG],
    ['{"$numberLong":"-9223372036854775808"}', MIN_LONG],
    ['{"$numberLong":9007199254740993}', 9007199254740993n],
    ['{"$numberLong":1.0}', 1n],
    ['{"$numberFloat":1.5}', new OFloat(1.5)],
    ['{"$numberFloat":"0.1"}', new OFloat(0.1)],
    ['{"$decimal":"123.456"}', new ODecimal('123.456')],
    ['{"$decimal":"-1E+400"}', new ODecimal('-1E+400')],
    ['{"$dateDay":"2012-10-20"}', new ODate(2012, 10, 20)],
    ['{"$time":"10:26:12"}', OTime.of(10, 26, 12)],
    ['{"$time":"10:26:12.487"}', OTime.of(10, 26, 12, 487)],
    ['{"$date":"2016-02-22T10:26:12.487Z"}', new OTimestamp(Date.UTC(2016, 1, 22, 10, 26, 12, 487))],
    ['{"$date":"2016-02-22T10:26:12.487"}', OTimestamp.parse('2016-02-22T10:26:12.487')], // no zone: stays zone-less
    ['{"$date":"2016-02-22T11:26:12.487+01:00"}', new OTimestamp(Date.UTC(2016, 1, 22, 10, 26, 12, 487))],
    ['{"$interval":86400000}', new OInterval(86_400_000)],
    ['{"$interval":"-5"}', new OInterval(-5)],
    ['{"$binary":"MTIzNA=="}', new Uint8Array([0x31, 0x32, 0x33, 0x34])],
    ['{"$binary":""}', new Uint8Array(0)],
  ])('%s', (text, expected) => {
    const value = decodeValue(text)
    expect(typeOf(value)).toBe(typeOf(expected))
    expect(sameValue(value, expected)).toBe(true)
  })

  it('keeps all the digits of a $decimal written as a JSON number', () => {
    expect(decodeValue('{"$decimal":1.10}')).toEqual(new ODecimal('1.10'))
    expect(decodeValue('{"$decimal":123456789012345678901234567890.123456789}')).toEqual(
      new ODecimal('123456789012345678901234567890.123456789'),
    )
  })

  it('keeps every digit of a LONG deep inside a document, beside ordinary values', () => {
    const doc = decodeDocument('{"_id":"k","a":[1.5,{"b":{"$numberLong":-9223372036854775807}}],"s":"x","n":2}')
    expect(doc).toEqual({ _id: 'k', a: [1.5, { b: -9223372036854775807n }], s: 'x', n: 2 })
  })

  it('decodes binary to a Buffer that owns its memory', () => {
    const bytes = decodeValue('{"$binary":"AAEC/w=="}') as Uint8Array
    expect(Buffer.isBuffer(bytes)).toBe(true)
    expect([...bytes]).toEqual([0, 1, 2, 255])
    expect(bytes.buffer.byteLength).toBe(4)
  })
})

describe('untagged JSON (protocol Section 7.1)', () => {
  it('reads every plain number as a DOUBLE', () => {
    for (const text of ['35', '35.0', '-1.5e3', '9223372036854775807']) {
      const value = decodeValue(text)
      expect(typeof value).toBe('number')
      expect(value).toBe(Number(text))
    }
  })

  it('reads null, booleans, strings, arrays and maps as themselves', () => {
    expect(decodeValue('null')).toBeNull()
    expect(decodeValue('true')).toBe(true)
    expect(decodeValue('"a\\u00e9\\ud83d\\ude00"')).toBe('aé😀')
    expect(decodeValue('[1,"a",[],{}]')).toEqual([1, 'a', [], {}])
  })

  it('treats $-keys that are not tags as ordinary fields', () => {
    expect(decodeValue('{"$foo":1}')).toEqual({ $foo: 1 })
    expect(decodeValue('{"$numberlong":1,"$oid":"x"}')).toEqual({ $numberlong: 1, $oid: 'x' })
    expect(encodeValue({ $foo: 1 })).toBe('{"$foo":1}')
  })

  it('keeps a "__proto__" field as a field, never as the prototype', () => {
    for (const text of ['{"__proto__":{"$numberInt":1}}', '{"__proto__":{"$numberLong":9223372036854775807}}']) {
      const doc = decodeDocument(text)
      expect(Object.getPrototypeOf(doc)).toBe(Object.prototype)
      expect(Object.keys(doc)).toEqual(['__proto__'])
      expect(encodeDocument(doc)).toBe(text)
    }
  })

  it('accepts whitespace everywhere JSON allows it, also on the careful path', () => {
    const text = ' {\n "a" : { "$numberLong" :\t9223372036854775807 } ,\r\n "b" : [ 1 , 2 ] }  '
    expect(decodeDocument(text)).toEqual({ a: MAX_LONG, b: [1, 2] })
  })
})

describe('encoding, as the OJAI writer emits (protocol Section 7.2)', () => {
  it.each<[string, Value, string]>([
    ['LONG', 51n, '{"$numberLong":51}'],
    ['LONG max', MAX_LONG, '{"$numberLong":9223372036854775807}'],
    ['LONG min', MIN_LONG, '{"$numberLong":-9223372036854775808}'],
    ['INT', new OInt(-7), '{"$numberInt":-7}'],
    ['SHORT', new OShort(300), '{"$numberShort":300}'],
    ['BYTE', new OByte(-1), '{"$numberByte":-1}'],
    ['FLOAT', new OFloat(0.1), '{"$numberFloat":0.1}'],
    ['FLOAT large', new OFloat(3.4e38), '{"$numberFloat":3.4e+38}'],
    ['DOUBLE whole', 35, '35'],
    ['DOUBLE fraction', 0.1, '0.1'],
    ['DOUBLE large whole', 2 ** 62, '4611686018427388000'],
    ['DOUBLE negative zero', -0, '-0.0'],
    ['DECIMAL', new ODecimal('123.4560'), '{"$decimal":"123.4560"}'],
    ['DATE', new ODate(2012, 10, 20), '{"$dateDay":"2012-10-20"}'],
    ['TIME without millis', OTime.of(10, 26, 12), '{"$time":"10:26:12"}'],
    ['TIME with millis', OTime.of(10, 26, 12, 7), '{"$time":"10:26:12.007"}'],
    ['TIMESTAMP', new OTimestamp(Date.UTC(2016, 1, 22, 10, 26, 12, 487)), '{"$date":"2016-02-22T10:26:12.487Z"}'],
    ['INTERVAL', new OInterval(1500), '{"$interval":1500}'],
    ['BINARY', new Uint8Array([0x31, 0x32, 0x33, 0x34]), '{"$binary":"MTIzNA=="}'],
    ['BINARY Buffer', Buffer.from([0xff, 0xfe]), '{"$binary":"//4="}'],
    ['BINARY view', new Uint8Array([9, 0x31, 0x32, 0x33, 9]).subarray(1, 4), '{"$binary":"MTIz"}'],
    ['NULL', null, 'null'],
    ['BOOLEAN', false, 'false'],
    ['STRING with escapes', 'a"b\\c\n\u0001😀', '"a\\"b\\\\c\\n\\u0001😀"'],
    ['ARRAY', [1, 'x', null], '[1,"x",null]'],
    ['MAP', { b: 1, a: { c: true } }, '{"b":1,"a":{"c":true}}'],
  ])('%s', (_name, value, text) => {
    expect(encodeValue(value)).toBe(text)
    expect(sameValue(decodeValue(text), value)).toBe(true)
  })

  it('omits undefined map fields', () => {
    expect(encodeDocument({ _id: 'a', gone: undefined, kept: 1 })).toBe('{"_id":"a","kept":1}')
  })

  it('writes a null-prototype object as a map', () => {
    const map = Object.assign(Object.create(null) as Record<string, Value>, { a: 1 })
    expect(encodeValue(map)).toBe('{"a":1}')
  })

  it('writes the shortest text for a FLOAT that reads back as the same float', () => {
    for (const f of [0.1, 1 / 3, 123456789, 1e-45, -2.5e-10, 16777217]) {
      const text = encodeValue(new OFloat(f))
      expect(text.length).toBeLessThanOrEqual('{"$numberFloat":}'.length + 15)
      expect(sameValue(decodeValue(text), new OFloat(f))).toBe(true)
    }
  })
})

describe('round trips keep value and type', () => {
  it.each<[string, Value]>([
    ['64-bit extremes', [MAX_LONG, MIN_LONG, 0n, -1n, 2n ** 53n + 1n]],
    ['numbers of every width', [new OByte(127), new OShort(-32768), new OInt(2147483647), new OFloat(-1.25), 1.25, MAX_LONG]],
    ['five of every kind', [5, 5n, new OInt(5), new OShort(5), new OByte(5), new OFloat(5), new ODecimal('5')]],
    [
      'temporal',
      [
        new ODate(-1, 1, 1),
        new ODate(275759, 12, 31),
        new ODate(0, 2, 29),
        OTime.of(23, 59, 59, 999),
        new OTimestamp(-1),
        new OInterval(-Number.MAX_SAFE_INTEGER),
      ],
    ],
    ['doubles at the edges', [Number.MAX_VALUE, Number.MIN_VALUE, -0, 1e21, 2 ** 53 + 2, Number.EPSILON]],
    ['unicode keys and strings', { ключ: 'значение', '🔑': ['\ud800', 'a\u2028b'], '': 'empty key', 'a.b': { '[0]': 1 } }],
  ])('%s', (_name, value) => {
    const back = roundTrip(value)
    expect(sameValue(back, value)).toBe(true)
    expect(encodeValue(back)).toBe(encodeValue(value))
  })
})

describe('documents and keys', () => {
  it('encodes a document with a string or binary _id', () => {
    expect(encodeDocument({ _id: 'user0001', n: 1 })).toBe('{"_id":"user0001","n":1}')
    expect(encodeDocument({ _id: Buffer.from('1234'), n: 1 })).toBe('{"_id":{"$binary":"MTIzNA=="},"n":1}')
    expect(encodeDocument({ n: 1 })).toBe('{"n":1}')
  })

  it('encodes key documents as the wire needs them (protocol Section 2.4)', () => {
    expect(encodeId('user0001')).toBe('{"_id":"user0001"}')
    expect(encodeId(Buffer.from('1234'))).toBe('{"_id":{"$binary":"MTIzNA=="}}')
    expect(encodeId('a"b')).toBe('{"_id":"a\\"b"}')
  })

  it('decodes key documents, ignoring other fields', () => {
    expect(decodeId('{"_id":"user0001"}')).toBe('user0001')
    expect([...(decodeId('{"_id":{"$binary":"MTIzNA=="}}') as Uint8Array)]).toEqual([0x31, 0x32, 0x33, 0x34])
    expect(decodeId('{"a":1,"_id":"x"}')).toBe('x')
  })

  it('decodes the documents the NODE tests expect back from the server', () => {
    const doc = decodeDocument('{"_id":{"$binary":"MTIzNA=="},"testField":{"$dateDay":"2012-10-20"}}')
    expect(sameValue(doc, { _id: Buffer.from('1234'), testField: new ODate(2012, 10, 20) })).toBe(true)
  })
})

describe('fromExtendedJson: in-memory extended JSON', () => {
  it('turns tag objects into values, at any depth', () => {
    const value = fromExtendedJson({
      a: { $numberLong: '95196' },
      b: [{ $dateDay: '2012-10-20' }],
      c: { $numberInt: 5 },
      d: { $binary: 'MTIzNA==' },
    })
    expect(sameValue(value, { a: 95196n, b: [new ODate(2012, 10, 20)], c: new OInt(5), d: Buffer.from('1234') })).toBe(true)
  })

  it('passes values that are already OJAI values through unchanged', () => {
    const bytes = Buffer.from('x')
    const date = new ODate(2020, 1, 1)
    const out = fromExtendedJson({ bytes, date, big: MAX_LONG, plain: new Uint8Array([1]) }) as Record<string, Value>
    expect(out['bytes']).toBe(bytes)
    expect(out['date']).toBe(date)
    expect(out['big']).toBe(MAX_LONG)
    expect(out['plain']).toEqual(new Uint8Array([1]))
  })

  it('accepts bigint and numeric-string payloads', () => {
    expect(fromExtendedJson({ $numberLong: MIN_LONG })).toBe(MIN_LONG)
    expect(fromExtendedJson({ $numberLong: '9223372036854775807' })).toBe(MAX_LONG)
    expect(fromExtendedJson({ $numberShort: '12' })).toEqual(new OShort(12))
    expect(fromExtendedJson({ $decimal: 1.5 })).toEqual(new ODecimal('1.5'))
    expect(fromExtendedJson({ $interval: 10n })).toEqual(new OInterval(10))
  })

  it('never modifies its input and drops undefined fields', () => {
    const input = { a: { $numberInt: 1 }, b: undefined, c: [{ $numberLong: 2 }] }
    const snapshot = JSON.stringify(input)
    const out = fromExtendedJson(input)
    expect(JSON.stringify(input)).toBe(snapshot)
    expect(Object.keys(out as object)).toEqual(['a', 'c'])
  })

  it('treats a non-tag $-key as a field', () => {
    expect(fromExtendedJson({ $eq: { a: 1 } })).toEqual({ $eq: { a: 1 } })
  })
})

describe('malformed input is rejected with a typed error that names the problem', () => {
  const cyclic: Record<string, unknown> = { a: { b: [] as unknown[] } }
  ;((cyclic['a'] as Record<string, unknown>)['b'] as unknown[]).push(cyclic)
  const selfArray: unknown[] = [1]
  selfArray.push(selfArray)
  const deep = '['.repeat(200_000) + ']'.repeat(200_000)

  type Case = [string, () => unknown, new (...args: never[]) => OjaiError, RegExp]
  const cases: Case[] = [
    // bad JSON text
    ['truncated object', () => decodeDocument('{"a":1'), DecodingError, /invalid JSON at position 6 \(line 1, column 7\).*end of text/],
    ['missing value', () => decodeDocument('{"a":}'), DecodingError, /position 5 .*expected a JSON value/],
    ['empty text', () => decodeValue(''), DecodingError, /position 0 .*end of text/],
    ['trailing garbage', () => decodeDocument('{"a":1} x'), DecodingError, /position 8 .*after the JSON value/],
    ['single quotes', () => decodeDocument("{'a':1}"), DecodingError, /position 1 .*property name in double quotes/],
    ['position on a later line', () => decodeDocument('{\n  "a": 1,\n  "b": tru\n}'), DecodingError, /line 3, column 8/],
    ['NaN literal', () => decodeValue('[NaN]'), DecodingError, /position 1 .*expected a JSON value/],
    ['bad escape', () => decodeValue('"\\x"'), DecodingError, /position 0 .*invalid string/],
    ['too deep to decode', () => decodeValue(deep), DecodingError, /nested too deeply/],
    // not a document
    ['top-level array', () => decodeDocument('[1]'), DecodingError, /document must be a JSON object, got an array/],
    ['top-level string', () => decodeDocument('"x"'), DecodingError, /document must be a JSON object, got string "x"/],
    ['top-level tag', () => decodeDocument('{"$binary":"MTIzNA=="}'), DecodingError, /got a \$binary value/],
    // bad tag payloads
    ['impossible day', () => decodeDocument('{"d":{"$dateDay":"2020-13-45"}}'), DecodingError, /\$dateDay.*2020-13-45.* at "d"/],
    [
      'not an integer',
      () => decodeDocument('{"n":{"$numberInt":"abc"}}'),
      DecodingError,
      /\$numberInt needs an integer, got string "abc" at "n"/,
    ],
    [
      'INT overflow',
      () => decodeDocument('{"a":{"b":[0,0,{"$numberInt":3000000000}]}}'),
      DecodingError,
      /\$numberInt 3000000000 is out of range.* at "a\.b\[2\]"/,
    ],
    [
      'BYTE overflow',
      () => decodeValue('{"$numberByte":128}'),
      DecodingError,
      /\$numberByte 128 is out of range: it must be from -128 to 127/,
    ],
    [
      'LONG overflow',
      () => decodeValue('{"$numberLong":9223372036854775808}'),
      DecodingError,
      /\$numberLong 9223372036854775808 is out of range/,
    ],
    ['LONG with a fraction', () => decodeValue('{"$numberLong":1.5}'), DecodingError, /\$numberLong needs an integer/],
    ['LONG as a boolean', () => decodeValue('{"$numberLong":true}'), DecodingError, /needs a number or a numeric string, got boolean true/],
    ['bad base64', () => decodeDocument('{"b":{"$binary":"!!"}}'), DecodingError, /\$binary needs standard base64.*"!!" at "b"/],
    ['base64 of the wrong length', () => decodeValue('{"$binary":"MTIzN"}'), DecodingError, /standard base64/],
    [
      'tag with an extra key',
      () => decodeDocument('{"t":{"$numberLong":1,"x":2}}'),
      DecodingError,
      /\$numberLong tag object must have exactly one key, but it also has "x" at "t"/,
    ],
    [
      'tag after another key',
      () => decodeDocument('{"t":{"x":2,"$date":"2020-01-01"}}'),
      DecodingError,
      /\$date tag object must have exactly one key/,
    ],
    ['non-ISO timestamp', () => decodeValue('{"$date":"March 7 2020"}'), DecodingError, /ISO-8601/],
    ['time out of range', () => decodeValue('{"$time":"24:00:00"}'), DecodingError, /OTime out of range/],
    ['decimal that is not a number', () => decodeValue('{"$decimal":"1.2.3"}'), DecodingError, /ODecimal needs decimal digits/],
    ['FLOAT beyond 32 bits', () => decodeValue('{"$numberFloat":1e39}'), DecodingError, /out of range for a 32-bit FLOAT/],
    ['interval with a fraction', () => decodeValue('{"$interval":1.5}'), DecodingError, /\$interval needs an integer/],
    // values that are not OJAI values
    ['NaN', () => encodeDocument({ a: { b: [1, 2, Number.NaN] } }), InvalidValueError, /NaN .*finite at "a\.b\[2\]"/],
    ['Infinity', () => encodeValue(Number.POSITIVE_INFINITY), InvalidValueError, /Infinity is not an OJAI value/],
    [
      'FLOAT Infinity',
      () => encodeValue([new OFloat(Number.POSITIVE_INFINITY)]),
      InvalidValueError,
      /OFloat Infinity cannot be written as JSON.* at "\[0\]"/,
    ],
    ['function', () => encodeDocument({ f: (() => 1) as unknown as Value }), InvalidValueError, /a function is not an OJAI value at "f"/],
    ['symbol', () => encodeDocument({ s: Symbol('x') as unknown as Value }), InvalidValueError, /a symbol is not an OJAI value at "s"/],
    ['Date', () => encodeDocument({ when: new Date() as unknown as Value }), InvalidValueError, /Date .*OTimestamp\.fromDate.* at "when"/],
    ['Map', () => encodeDocument({ m: new Map() as unknown as Value }), InvalidValueError, /Map .*plain object at "m"/],
    ['Set', () => encodeDocument({ s: new Set() as unknown as Value }), InvalidValueError, /Set .*array at "s"/],
    [
      'class instance',
      () => encodeDocument({ c: new (class Point {})() as unknown as Value }),
      InvalidValueError,
      /a Point is not an OJAI value.* at "c"/,
    ],
    [
      'other typed array',
      () => encodeDocument({ t: new Int16Array(2) as unknown as Value }),
      InvalidValueError,
      /an Int16Array is not an OJAI value: use a Uint8Array.* at "t"/,
    ],
    [
      'undefined array element',
      () => encodeValue([1, undefined as unknown as Value]),
      InvalidValueError,
      /array element is undefined.*use null at "\[1\]"/,
    ],
    ['LONG out of range', () => encodeValue(2n ** 63n), InvalidValueError, /does not fit in a LONG/],
    [
      'hand-written tag with a bad payload',
      () => encodeDocument({ a: { $date: 'x' } }),
      InvalidValueError,
      /bad \$date value: .*ISO-8601.* \(or write OTimestamp\.parse\(.*\) or OTimestamp\.fromDate\(date\)\) at "a"/,
    ],
    [
      'hand-written tag beside another field',
      () => encodeDocument({ a: { $date: '2016-02-22', x: 1 } }),
      InvalidValueError,
      /\$date tag object must have exactly one key, but it also has "x": for a \$date value write OTimestamp\.parse.*rename the field "\$date" at "a"/,
    ],
    [
      'document that is a hand-written tag',
      () => encodeDocument({ $numberLong: '5' } as unknown as Document),
      InvalidDocumentError,
      /hand-written \$numberLong value; put it in a field/,
    ],
    ['cyclic object', () => encodeDocument(cyclic as Document), InvalidValueError, /cyclic structure.* at "a\.b\[0\]"/],
    ['cyclic array', () => encodeValue(selfArray as Value), InvalidValueError, /cyclic structure: this array contains itself at "\[1\]"/],
    ['path with a quoted name', () => encodeDocument({ 'x.y': { 'a b': [Number.NaN] } }), InvalidValueError, /at "`x\.y`\.a b\[0\]"/],
    // documents and keys
    [
      'document that is an array',
      () => encodeDocument([] as unknown as Document),
      InvalidDocumentError,
      /document must be a plain object \(a MAP\), got an array/,
    ],
    [
      '_id of the wrong type',
      () => encodeDocument({ _id: 5 as unknown as string }),
      InvalidIdError,
      /_id must be a non-empty string or a Uint8Array.*got number 5: write it as a string, String\(5\).*padStart/,
    ],
    ['empty string _id', () => encodeDocument({ _id: '' }), InvalidIdError, /_id must not be an empty string/],
    ['empty binary _id', () => encodeId(new Uint8Array(0)), InvalidIdError, /_id must not be an empty binary/],
    ['key document without _id', () => decodeId('{"a":1}'), InvalidIdError, /no _id/],
    ['key document with a LONG _id', () => decodeId('{"_id":{"$numberLong":5}}'), InvalidIdError, /got bigint 5n/],
    ['key document that is bad JSON', () => decodeId('{"_id":'), DecodingError, /invalid JSON/],
    // in-memory extended JSON
    [
      'lossy LONG number in memory',
      () => fromExtendedJson({ n: { $numberLong: 2 ** 60 } }),
      InvalidValueError,
      /beyond 2\^53.*string.* at "n"/,
    ],
    [
      'bad tag payload in memory',
      () => fromExtendedJson([{ $numberInt: 'abc' }]),
      InvalidValueError,
      /\$numberInt needs an integer, got string "abc" at "\[0\]"/,
    ],
    ['Date in memory', () => fromExtendedJson({ a: [new Date()] }), InvalidValueError, /Date .* at "a\[0\]"/],
    ['cycle in memory', () => fromExtendedJson(cyclic), InvalidValueError, /cyclic structure/],
    ['NaN in memory', () => fromExtendedJson({ x: Number.NaN }), InvalidValueError, /NaN .* at "x"/],
  ]

  it.each(cases)('%s', (_name, run, errorClass, message) => {
    let thrown: unknown
    try {
      run()
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(errorClass)
    expect((thrown as Error).message).toMatch(message)
  })

  it('covers at least twenty cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20)
  })
})
