import { describe, it, expect } from 'vitest'
import { Condition, cond, matches } from '../../lib/ojai/condition.js'
import type { ConditionJson } from '../../lib/ojai/condition.js'
import { InvalidConditionError } from '../../lib/ojai/errors.js'
import { OByte, ODate, ODecimal, OFloat, OInt, OShort, OTime, OTimestamp, OInterval } from '../../lib/ojai/values.js'
import type { Document } from '../../lib/ojai/values.js'
import { EXAMPLE_CONDITIONS, EXAMPLE_DOCUMENTS } from '../support/condition-examples.js'

// Section 10.2: the documented example set
const EXAMPLES = EXAMPLE_DOCUMENTS

function ids(condition: Condition | ConditionJson | string, docs: readonly Document[] = EXAMPLES): string[] {
  const c = Condition.from(condition)
  return docs.filter((d) => matches(d, c)).map((d) => d._id as string)
}

describe('Section 10.2 example set', () => {
  it.each(EXAMPLE_CONDITIONS)('%s matches %j', (text, expected) => {
    expect(ids(text)).toEqual(expected)
    // the parsed object form gives the same answer
    expect(ids(JSON.parse(text) as ConditionJson)).toEqual(expected)
  })

  it('a[].b takes b of each element (Section 8.1, inferred)', () => {
    expect(ids('{"$eq":{"tags[].t":"ipod"}}')).toEqual(['004', '005', '006', '007', '008'])
  })
})

describe('numeric cross-type comparisons (Section 10.3)', () => {
  const docs: Document[] = [
    { _id: 'long', n: 10n },
    { _id: 'int', n: new OInt(10000) },
    { _id: 'short', n: new OShort(10) },
    { _id: 'byte', n: new OByte(10) },
    { _id: 'float', n: new OFloat(1900.12) },
    { _id: 'double', n: 27.88 },
    { _id: 'decimal', n: new ODecimal('10.0') },
    { _id: 'string', n: '10' },
    { _id: 'null', n: null },
    { _id: 'missing' },
  ]

  it.each<[string, string[]]>([
    ['{"$eq":{"n":10}}', ['long', 'short', 'byte', 'decimal']],
    ['{"$eq":{"n":{"$numberLong":"10"}}}', ['long', 'short', 'byte', 'decimal']],
    ['{"$eq":{"n":{"$numberInt":10000}}}', ['int']],
    ['{"$gt":{"n":{"$numberFloat":27}}}', ['int', 'float', 'double']],
    ['{"$lt":{"n":28}}', ['long', 'short', 'byte', 'double', 'decimal']],
    ['{"$between":{"n":[{"$numberLong":11},{"$numberInt":1900}]}}', ['double']],
    ['{"$eq":{"n":"10"}}', ['string']],
    ['{"$ne":{"n":10}}', ['int', 'float', 'double', 'string', 'null']],
    ['{"$eq":{"n":null}}', ['null']],
    ['{"$ne":{"n":null}}', ['long', 'int', 'short', 'byte', 'float', 'double', 'decimal', 'string']],
    ['{"$le":{"n":null}}', ['null']],
    ['{"$ge":{"n":"1"}}', ['string']],
    ['{"$in":{"n":[{"$decimal":"10"},"x"]}}', ['long', 'short', 'byte', 'decimal']],
    ['{"$notin":{"n":[10,27.88]}}', ['int', 'float', 'string', 'null']],
  ])('%s matches %j', (text, expected) => {
    expect(ids(text, docs)).toEqual(expected)
  })

  it('compares LONG values beyond 2^53 exactly', () => {
    const big: Document[] = [
      { _id: 'a', n: 2n ** 53n + 1n },
      { _id: 'b', n: 2n ** 53n },
    ]
    expect(ids(cond.eq('n', 2n ** 53n + 1n), big)).toEqual(['a'])
    expect(ids('{"$eq":{"n":{"$numberLong":9007199254740993}}}', big)).toEqual(['a'])
    expect(ids(cond.gt('n', 2 ** 53), big)).toEqual(['a'])
  })
})

describe('operators', () => {
  const doc: Document = {
    _id: 'x',
    name: 'John_Doe 100%',
    age: 42,
    born: new ODate(1980, 5, 17),
    at: OTime.of(10, 30),
    ts: new OTimestamp(1_000_000),
    span: new OInterval(60_000),
    bin: new Uint8Array([1, 2, 3]),
    emoji: 'a😀b',
    empty: '',
    nothing: null,
    flag: true,
    m: { a: 1, b: 2 },
    list: [
      { k: 'a', v: 1 },
      { k: 'b', v: 2 },
    ],
    scalars: [1, 5, 9],
  }
  const yes = (c: Condition) => expect(c.matches(doc)).toBe(true)
  const no = (c: Condition) => expect(c.matches(doc)).toBe(false)

  it('$eq / $ne', () => {
    yes(cond.eq('age', 42))
    yes(cond.eq('born', new ODate(1980, 5, 17)))
    yes(Condition.parse('{"$eq":{"born":{"$dateDay":"1980-05-17"}}}'))
    yes(cond.eq('bin', new Uint8Array([1, 2, 3])))
    yes(cond.eq('m', { b: 2, a: 1 }))
    no(cond.eq('missing', null))
    yes(cond.ne('age', 41))
    yes(cond.ne('age', '42'))
    no(cond.ne('age', 42))
    no(cond.ne('missing', 1))
  })

  it('$lt $le $gt $ge on numbers, strings, dates, times, timestamps, intervals, binary', () => {
    yes(cond.lt('age', 43))
    no(cond.lt('age', 42))
    yes(cond.le('age', 42))
    yes(cond.gt('age', 41.5))
    yes(cond.ge('age', 42n))
    yes(cond.gt('name', 'John'))
    yes(cond.lt('born', new ODate(1990, 1, 1)))
    yes(cond.ge('at', OTime.of(10, 30)))
    yes(cond.gt('ts', new OTimestamp(999_999)))
    yes(cond.le('span', new OInterval(60_000)))
    yes(cond.lt('bin', new Uint8Array([1, 2, 4])))
    no(cond.lt('name', 5))
    no(cond.gt('missing', 0))
    no(cond.gt('m', 0))
  })

  it('$between inclusive on both ends', () => {
    yes(cond.between('age', 42, 50))
    yes(cond.between('age', 30, 42))
    no(cond.between('age', 43, 50))
    yes(cond.between('name', 'J', 'K'))
    no(cond.between('missing', 0, 100))
  })

  it('$in / $notin by whole-value equality', () => {
    yes(cond.in('age', [1, 42n]))
    no(cond.in('scalars', [1, 5, 9]))
    yes(cond.in('scalars', [[1, 5, 9]]))
    yes(cond.in('scalars[]', [5]))
    yes(cond.notIn('age', [1, 2]))
    no(cond.notIn('age', [42]))
    no(cond.notIn('missing', [1]))
    no(cond.in('age', []))
    yes(cond.notIn('age', []))
  })

  it('$exists / $notexists (a null field exists)', () => {
    yes(cond.exists('nothing'))
    yes(cond.exists('list[1].v'))
    no(cond.exists('list.v'))
    yes(cond.notExists('missing'))
    no(cond.notExists('age'))
    yes(cond.exists('list[].k'))
    yes(cond.notExists('scalars[].k'))
  })

  it('$like: whole string, % and _, escape character', () => {
    yes(cond.like('name', 'John%'))
    yes(cond.like('name', '%Doe%'))
    yes(cond.like('name', 'J_hn%'))
    no(cond.like('name', 'John'))
    no(cond.like('name', 'ohn%'))
    yes(cond.like('name', '%100\\%', '\\'))
    no(cond.like('name', 'John\\_X%', '\\'))
    yes(cond.like('name', 'John!_Doe%', '!'))
    yes(Condition.parse('{"$like":{"name":["John#_Doe 100#%","#"]}}'))
    no(Condition.parse('{"$like":{"name":["John#_Doe 100#%X","#"]}}'))
    yes(cond.like('emoji', 'a_b'))
    yes(cond.like('empty', '%'))
    no(cond.like('empty', '_'))
    yes(cond.like('name', 'John_Doe 100%'))
    no(cond.like('age', '42'))
    yes(cond.like('name', '%.%').or(cond.like('name', 'John%')))
    no(cond.like('name', 'J.hn%'))
    yes(cond.notLike('name', 'Jane%'))
    no(cond.notLike('name', 'John%'))
    yes(cond.notLike('age', 'x%'))
    no(cond.notLike('missing', 'x%'))
  })

  it('$like treats newlines as characters', () => {
    expect(cond.like('s', 'a%b').matches({ s: 'a\nb' })).toBe(true)
    expect(cond.like('s', 'a_b').matches({ s: 'a\nb' })).toBe(true)
  })

  it('$matches: unanchored regular expression, compiled once', () => {
    yes(cond.matches('name', 'Doe'))
    yes(cond.matches('name', '^John'))
    no(cond.matches('name', '^Doe'))
    yes(cond.matches('name', '(?i)^john'))
    yes(cond.matches('name', /^JOHN/i))
    yes(cond.matches('emoji', '^a\\p{So}b$'))
    no(cond.matches('age', '4'))
    yes(cond.notMatches('name', '^Jane'))
    no(cond.notMatches('name', 'Doe'))
    yes(cond.notMatches('age', 'x'))
    no(cond.notMatches('missing', 'x'))
  })

  it('$typeof / $nottypeof with every type name and codes', () => {
    const typed: Document = {
      n: null,
      b: false,
      s: 's',
      by: new OByte(1),
      sh: new OShort(1),
      i: new OInt(1),
      l: 1n,
      f: new OFloat(1),
      d: 1,
      de: new ODecimal('1'),
      da: new ODate(2000, 1, 1),
      t: OTime.of(1, 0),
      ts: new OTimestamp(0),
      iv: new OInterval(1),
      bi: new Uint8Array(0),
      m: {},
      a: [],
    }
    const expected = {
      n: 'null',
      b: 'boolean',
      s: 'string',
      by: 'byte',
      sh: 'short',
      i: 'int',
      l: 'long',
      f: 'float',
      d: 'double',
      de: 'decimal',
      da: 'date',
      t: 'time',
      ts: 'timestamp',
      iv: 'interval',
      bi: 'binary',
      m: 'map',
      a: 'array',
    } as const
    for (const [field, type] of Object.entries(expected)) {
      expect(cond.typeOf(field, type).matches(typed)).toBe(true)
      expect(cond.notTypeOf(field, type).matches(typed)).toBe(false)
      expect(cond.notTypeOf(field, type === 'map' ? 'array' : 'map').matches(typed)).toBe(true)
    }
    expect(Condition.parse('{"$typeof":{"m":"MAP"}}').matches(typed)).toBe(true)
    expect(Condition.parse('{"$typeof":{"a":17}}').matches(typed)).toBe(true)
    expect(Condition.parse('{"$typeof":{"n":1}}').matches(typed)).toBe(true)
    expect(cond.notTypeOf('missing', 'map').matches(typed)).toBe(false)
  })

  it('$sizeof: array elements, map keys, string characters, binary bytes; others never', () => {
    yes(cond.sizeOf('scalars', '=', 3))
    yes(cond.sizeOf('m', '$eq', 2))
    yes(cond.sizeOf('emoji', '=', 3))
    yes(cond.sizeOf('bin', '>=', 3))
    yes(cond.sizeOf('empty', '<', 1))
    yes(Condition.parse('{"$sizeof":{"name":{"$gt":5,"$lt":20}}}'))
    no(Condition.parse('{"$sizeof":{"name":{"$gt":5,"$lt":10}}}'))
    yes(cond.sizeOf('list', '!=', 5))
    no(cond.sizeOf('age', '!=', 5))
    no(cond.sizeOf('missing', '!=', 5))
    no(cond.sizeOf('nothing', '>=', 0))
    yes(cond.sizeOf('list', '<=', 2))
  })

  it('$and / $or / implicit AND', () => {
    yes(cond.and(cond.eq('age', 42), cond.like('name', 'J%')))
    no(cond.and(cond.eq('age', 42), cond.like('name', 'X%')))
    yes(cond.or(cond.eq('age', 1), cond.like('name', 'J%')))
    no(cond.or(cond.eq('age', 1), cond.eq('age', 2)))
    yes(Condition.parse({ $eq: { age: 42, flag: true }, $exists: 'name' }))
    no(Condition.parse({ $eq: { age: 42, flag: false } }))
    yes(Condition.parse({ $and: [{ $eq: { age: 42 } }, { $or: [{ $eq: { flag: false } }, { $exists: 'm.a' }] }] }))
    yes(cond.eq('age', 42).and(cond.exists('m')))
  })

  it('$elementAnd: every sub-condition on the same element, paths relative to it', () => {
    yes(cond.elementAnd('list', cond.eq('k', 'b'), cond.eq('v', 2)))
    no(cond.elementAnd('list', cond.eq('k', 'a'), cond.eq('v', 2)))
    yes(Condition.parse({ $elementAnd: { list: [{ $eq: { k: 'a' } }, { $lt: { v: 2 } }] } }))
    yes(Condition.parse({ $elementAnd: { scalars: [{ $gt: { '': 4 } }, { $lt: { '': 6 } }] } }))
    no(Condition.parse({ $elementAnd: { scalars: [{ $gt: { '': 5 } }, { $lt: { '': 6 } }] } }))
    no(cond.elementAnd('m', cond.exists('a')))
    no(cond.elementAnd('missing', cond.exists('a')))
  })

  it('the four wrapper shapes give identical results (Section 4.3)', () => {
    const bare = '{"$eq":{"age":42}}'
    for (const text of [bare, `{"$condition":${bare}}`, `{"$where":${bare}}`]) {
      const c = Condition.parse(text)
      expect(c.matches(doc)).toBe(true)
      expect(c.matches({ age: 1 })).toBe(false)
      expect(c.toJsonString()).toBe(bare)
    }
    const empty = Condition.parse('{}')
    expect(empty.isEmpty).toBe(true)
    expect(empty.matches({})).toBe(true)
    expect(Condition.parse({ $where: {} }).isEmpty).toBe(true)
    expect(Condition.parse({ $condition: {} }).isEmpty).toBe(true)
  })
})

describe('Condition object', () => {
  it('from() is identity for a Condition and parses JSON', () => {
    const c = cond.eq('a', 1)
    expect(Condition.from(c)).toBe(c)
    expect(Condition.from({ $eq: { a: 1 } }).toJsonString()).toBe(c.toJsonString())
  })

  it('toJsonString writes the bare form with extended JSON values', () => {
    expect(cond.eq('a.b[0]', 5n).toJsonString()).toBe('{"$eq":{"a.b[0]":{"$numberLong":5}}}')
    expect(cond.eq('d', new ODate(2012, 10, 20)).toJsonString()).toBe('{"$eq":{"d":{"$dateDay":"2012-10-20"}}}')
    expect(cond.between('age', 18, 65).toJsonString()).toBe('{"$between":{"age":[18,65]}}')
    expect(cond.like('n', 'a!%', '!').toJsonString()).toBe('{"$like":{"n":["a!%","!"]}}')
    expect(cond.sizeOf('t', '>=', 3).toJsonString()).toBe('{"$sizeof":{"t":{"$ge":3}}}')
    expect(cond.all().toJsonString()).toBe('{}')
    expect(cond.and(cond.exists('a'), cond.notExists('b')).toJsonString()).toBe('{"$and":[{"$exists":"a"},{"$notexists":"b"}]}')
    expect(cond.elementAnd('l', cond.eq('k', 'x')).toJsonString()).toBe('{"$elementAnd":{"l":[{"$eq":{"k":"x"}}]}}')
    expect(cond.eq('`a.b`', 1).toJsonString()).toBe('{"$eq":{"`a.b`":1}}')
  })

  it('round-trips every operator through its JSON', () => {
    const all = cond.and(
      cond.eq('a', 1),
      cond.ne('a', 'x'),
      cond.lt('a', 1),
      cond.le('a', 1),
      cond.gt('a', 1),
      cond.ge('a', 1),
      cond.between('a', 1, 2),
      cond.in('a', [1, 'x']),
      cond.notIn('a', [2]),
      cond.exists('a'),
      cond.notExists('b'),
      cond.like('a', 'x%'),
      cond.notLike('a', 'y%', '!'),
      cond.matches('a', '^x'),
      cond.notMatches('a', 'y'),
      cond.typeOf('a', 'string'),
      cond.notTypeOf('a', 'map'),
      cond.sizeOf('a', '$le', 4),
      cond.or(cond.eq('b', 1), cond.eq('c', 2)),
      cond.elementAnd('l', cond.eq('k', 1)),
    )
    const text = all.toJsonString()
    expect(Condition.parse(text).toJsonString()).toBe(text)
    expect(Condition.parse(all.toJSON()).toJsonString()).toBe(text)
    for (const op of [
      '$eq',
      '$ne',
      '$lt',
      '$le',
      '$gt',
      '$ge',
      '$between',
      '$in',
      '$notin',
      '$exists',
      '$notexists',
      '$like',
      '$notlike',
      '$matches',
      '$notmatches',
      '$typeof',
      '$nottypeof',
      '$sizeof',
      '$and',
      '$or',
      '$elementAnd',
    ]) {
      expect(text).toContain(`"${op}"`)
    }
  })

  it('and/or drop or absorb the empty condition', () => {
    expect(cond.and(cond.all(), cond.eq('a', 1)).toJsonString()).toBe('{"$eq":{"a":1}}')
    expect(cond.and(cond.all(), cond.all()).isEmpty).toBe(true)
    expect(cond.or(cond.all(), cond.eq('a', 1)).isEmpty).toBe(true)
  })
})

describe('malformed conditions', () => {
  it.each<[string, unknown, RegExp]>([
    ['not JSON', '{"$eq":', /not valid extended JSON/],
    ['not an object', '[1,2]', /must be a JSON object, got \[1,2\]/],
    ['$not', { $not: { $eq: { a: 1 } } }, /no \$not operator; use the negative operators/],
    ['unknown operator', { $equals: { a: 1 } }, /unknown operator \$equals/],
    ['a field instead of an operator', { a: 1 }, /expected an operator, got field "a"/],
    ['$eq with a non-object', { $eq: 5 }, /\$eq needs an object \{"path": value\}, got 5/],
    ['$eq with no path', { $eq: {} }, /\$eq needs at least one field path/],
    ['$between with a scalar', { $between: { age: 5 } }, /\$between on "age" needs \[low, high\], got 5/],
    ['$between with three items', { $between: { age: [1, 2, 3] } }, /\$between on "age" needs \[low, high\], got \[1,2,3\]/],
    ['$between across types', { $between: { age: [1, 'z'] } }, /comparable types/],
    ['$in with a scalar', { $in: { tags: 'x' } }, /\$in on "tags" needs an array of values, got "x"/],
    ['$notin with a map', { $notin: { tags: { a: 1 } } }, /\$notin on "tags" needs an array/],
    ['$exists with a map', { $exists: { a: 1 } }, /\$exists needs a field path string/],
    ['$lt with an array', { $lt: { a: [1] } }, /\$lt on "a" needs a scalar value/],
    ['$gt with a map', { $gt: { a: { b: 1 } } }, /\$gt on "a" needs a scalar value/],
    ['$like with a number', { $like: { name: 5 } }, /\$like on "name" needs a pattern string, got 5/],
    ['$like with a long escape', { $like: { name: ['a%', '##'] } }, /single-character escape, got "##"/],
    ['$like ending with escape', { $like: { name: ['a#', '#'] } }, /ends with the escape character/],
    ['$matches with an invalid regex', { $matches: { name: '(' } }, /\$matches on "name": invalid regular expression "\("/],
    ['$notmatches with a number', { $notmatches: { name: 1 } }, /needs a regular expression string/],
    ['$typeof with an unknown type', { $typeof: { a: 'integer' } }, /\$typeof on "a" needs a type name \(null, boolean/],
    ['$typeof with code 18', { $typeof: { a: 18 } }, /code 1 to 17, got 18/],
    ['$sizeof with a number', { $sizeof: { a: 3 } }, /\$sizeof on "a" needs an object such as/],
    ['$sizeof with a bad operator', { $sizeof: { a: { $between: 3 } } }, /unknown size operator "\$between"/],
    ['$sizeof with a negative size', { $sizeof: { a: { $ge: -1 } } }, /non-negative integer size, got -1/],
    ['$and with an object', { $and: { $eq: { a: 1 } } }, /\$and needs a non-empty array of conditions/],
    ['$or empty', { $or: [] }, /\$or needs a non-empty array/],
    ['$and with a non-object item', { $and: [{ $eq: { a: 1 } }, 5] }, /\$and condition 2 must be a JSON object, got 5/],
    ['$elementAnd with a container path', { $elementAnd: { 'a[]': [{ $eq: { b: 1 } }] } }, /without "\[\]"/],
    ['$elementAnd with an empty list', { $elementAnd: { a: [] } }, /non-empty array of conditions on the element/],
    ['bad field path', { $eq: { 'a..b': 1 } }, /\$eq: invalid field path "a\.\.b" at character 3: empty field name/],
    ['bad path in $exists', { $exists: 'a[x]' }, /\$exists: invalid field path "a\[x\]"/],
    ['bad extended JSON value', { $eq: { d: { $dateDay: 'yesterday' } } }, /\$eq on "d": invalid value/],
    ['$where wrapping a scalar', { $where: 5 }, /\$where must wrap a condition object, got 5/],
    ['$where next to an operator', { $where: { $eq: { a: 1 } }, $eq: { b: 1 } }, /\$where may only wrap a whole condition/],
  ])('%s', (_label, input, message) => {
    let error: unknown
    try {
      Condition.parse(input as ConditionJson)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InvalidConditionError)
    expect((error as Error).message).toMatch(message)
  })

  it('the builder validates too', () => {
    expect(() => cond.between('age', 65, 'x')).toThrow(/comparable types/)
    expect(() => cond.sizeOf('a', '~' as '=', 1)).toThrow(InvalidConditionError)
    expect(() => cond.and()).toThrow(/at least one condition/)
    expect(() => cond.matches('a', '[')).toThrow(/invalid regular expression/)
    expect(() => cond.eq('a', undefined as unknown as null)).toThrow(/needs a value/)
  })
})
