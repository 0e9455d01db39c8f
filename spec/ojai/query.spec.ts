import { describe, it, expect } from 'vitest'
import { Query, compileQuery, executeQuery, orderComparator, project, query } from '../../lib/ojai/query.js'
import type { QueryJson, QueryBuilder } from '../../lib/ojai/query.js'
import { cond } from '../../lib/ojai/condition.js'
import { compareIds } from '../../lib/ojai/compare.js'
import { InvalidQueryError } from '../../lib/ojai/errors.js'
import { ODate, OFloat, OInt } from '../../lib/ojai/values.js'
import type { Document } from '../../lib/ojai/values.js'

const DOCS: Document[] = [
  { _id: 'id001', n: 5, s: 'e', m: { a: 1, b: 2 } },
  { _id: 'id002', n: 3, s: 'd' },
  { _id: 'id003', n: 9, s: 'c', m: { a: 3 } },
  { _id: 'id004', n: 1, s: 'b' },
  { _id: 'id005', n: 7, s: 'a' },
]

function run(q: Query | QueryJson | string | QueryBuilder | undefined, docs: Document[] = DOCS): Document[] {
  return [...executeQuery(Query.from(q), docs)]
}

const idsOf = (docs: Document[]) => docs.map((d) => d._id)

describe('Query.parse', () => {
  it('{} and undefined are all documents, in _id order', () => {
    expect(Query.from(undefined)).toBe(Query.ALL)
    expect(Query.parse({})).toBe(Query.ALL)
    expect(Query.ALL.isIdOrdered).toBe(true)
    expect(Query.ALL.toJsonString()).toBe('{}')
    expect(idsOf(run({}))).toEqual(['id001', 'id002', 'id003', 'id004', 'id005'])
  })

  it('$select as a string or an array', () => {
    expect(Query.parse({ $select: 'a.b' }).select?.map(String)).toEqual(['a.b'])
    expect(Query.parse({ $select: ['a', 'b[0]', 'c[].d'] }).select?.map(String)).toEqual(['a', 'b[0]', 'c[].d'])
    expect(Query.parse({ $select: [] }).select).toBeUndefined()
  })

  it('$where takes a condition; {} means no filter', () => {
    expect(Query.parse({ $where: { $gt: { n: 4 } } }).where?.toJsonString()).toBe('{"$gt":{"n":4}}')
    expect(Query.parse({ $where: {} }).where).toBeUndefined()
  })

  it.each<[string, unknown, [string, 'asc' | 'desc'][]]>([
    ['"path"', 'n', [['n', 'asc']]],
    ['{"path":"desc"}', { n: 'desc' }, [['n', 'desc']]],
    [
      '{"p1":"asc","p2":"desc"}',
      { n: 'asc', s: 'DESC' },
      [
        ['n', 'asc'],
        ['s', 'desc'],
      ],
    ],
    [
      '["p1","p2"]',
      ['n', 's'],
      [
        ['n', 'asc'],
        ['s', 'asc'],
      ],
    ],
    [
      '[{"p1":"asc"},{"p2":"desc"}]',
      [{ n: 'Asc' }, { s: 'desc' }],
      [
        ['n', 'asc'],
        ['s', 'desc'],
      ],
    ],
    [
      'a mixed array',
      ['n', { s: 'desc' }],
      [
        ['n', 'asc'],
        ['s', 'desc'],
      ],
    ],
  ])('$orderby form %s', (_label, raw, expected) => {
    const q = Query.parse({ $orderby: raw } as QueryJson)
    expect(q.orderBy.map((k) => [k.path.toString(), k.direction])).toEqual(expected)
  })

  it('$limit and $offset', () => {
    const q = Query.parse('{"$limit":10,"$offset":{"$numberLong":5}}')
    expect(q.limit).toBe(10)
    expect(q.offset).toBe(5)
    expect(Query.parse({ $limit: new OInt(0) }).limit).toBe(0)
  })

  it('toJsonString writes every part and parses back', () => {
    const q = Query.parse({
      $select: ['a', 'b.c'],
      $where: { $eq: { a: { $numberLong: 1 } } },
      $orderby: { a: 'desc' },
      $limit: 3,
      $offset: 2,
    })
    const text = q.toJsonString()
    expect(text).toBe('{"$select":["a","b.c"],"$where":{"$eq":{"a":{"$numberLong":1}}},"$orderby":[{"a":"desc"}],"$limit":3,"$offset":2}')
    expect(Query.parse(text).toJsonString()).toBe(text)
  })

  it('isIdOrdered: no $orderby, or _id ascending first', () => {
    expect(Query.parse({ $orderby: { _id: 'asc' } }).isIdOrdered).toBe(true)
    expect(Query.parse({ $orderby: [{ _id: 'asc' }, { n: 'desc' }] }).isIdOrdered).toBe(true)
    expect(Query.parse({ $orderby: { _id: 'desc' } }).isIdOrdered).toBe(false)
    expect(Query.parse({ $orderby: 'n' }).isIdOrdered).toBe(false)
  })
})

describe('malformed queries', () => {
  it.each<[string, unknown, RegExp]>([
    ['not JSON', '{"$limit":', /query is not valid extended JSON/],
    ['not an object', '[1]', /a query must be a JSON object, got \[1\]/],
    [
      'unknown key',
      { $where: {}, $filter: {} },
      /unknown query key "\$filter"; allowed keys are \$select, \$where, \$orderby, \$limit, \$offset/,
    ],
    ['$options', { $options: {} }, /unknown query key "\$options"/],
    ['a plain field key', { n: 1 }, /unknown query key "n"/],
    ['$select with a number', { $select: 5 }, /\$select needs a path or an array of paths, got 5/],
    ['$select with a bad path', { $select: ['a', 'b..c'] }, /\$select: invalid field path "b\.\.c" at character 3/],
    ['$select with the root', { $select: '' }, /\$select needs a field path, got the empty path/],
    ['$where with a bad condition', { $where: { $between: { age: 5 } } }, /\$where: \$between on "age" needs \[low, high\], got 5/],
    ['$where with $not', { $where: { $not: {} } }, /\$where: there is no \$not operator/],
    ['$orderby with a bad direction', { $orderby: { n: 'up' } }, /\$orderby on "n" needs "asc" or "desc", got "up"/],
    ['$orderby with a number', { $orderby: 5 }, /\$orderby needs "path", \{"path":"asc"\|"desc"\}/],
    ['$orderby with a container path', { $orderby: 'a[].b' }, /ordering on a container path \(\[\]\) is not allowed/],
    ['$orderby item of wrong type', { $orderby: ['a', 1] }, /\$orderby items must be "path" or/],
    ['negative $limit', { $limit: -1 }, /\$limit needs a non-negative integer, got -1/],
    ['fractional $offset', { $offset: 1.5 }, /\$offset needs a non-negative integer, got 1\.5/],
    ['string $limit', { $limit: '10' }, /\$limit needs a non-negative integer, got "10"/],
  ])('%s', (_label, input, message) => {
    let error: unknown
    try {
      Query.parse(input as QueryJson)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InvalidQueryError)
    expect((error as Error).message).toMatch(message)
  })

  it('the builder validates at each call', () => {
    expect(() => query().limit(-5)).toThrow(InvalidQueryError)
    expect(() => query().orderBy('a[]')).toThrow(/container path/)
    expect(() => query().orderBy('a', 'sideways' as 'asc')).toThrow(/"asc" or "desc"/)
    expect(() => query().select('a..b')).toThrow(InvalidQueryError)
  })
})

describe('builder', () => {
  it('builds the same query as the JSON form', () => {
    const built = query().select('a', 'b').where(cond.gt('n', 1)).orderBy('n', 'desc').limit(10).offset(5).build()
    expect(built.toJsonString()).toBe(
      Query.parse({ $select: ['a', 'b'], $where: { $gt: { n: 1 } }, $orderby: [{ n: 'desc' }], $limit: 10, $offset: 5 }).toJsonString(),
    )
  })

  it('ANDs repeated where calls and accepts JSON conditions', () => {
    const q = query()
      .where(cond.gt('n', 1))
      .where({ $lt: { n: 8 } })
      .build()
    expect(q.where?.toJsonString()).toBe('{"$and":[{"$gt":{"n":1}},{"$lt":{"n":8}}]}')
    expect(idsOf(run(q))).toEqual(['id001', 'id002', 'id005'])
  })

  it('is immutable and accepted by Query.from', () => {
    const base = query().limit(2)
    base.offset(1)
    expect(Query.from(base).offset).toBe(0)
    expect(query().build()).toBe(Query.ALL)
  })
})

describe('execution: filter, sort, offset, limit, project', () => {
  it('NODE example: $offset 2, $limit 1, $orderby _id asc returns the third document', () => {
    expect(idsOf(run({ $offset: 2, $limit: 1, $orderby: { _id: 'asc' } }))).toEqual(['id003'])
  })

  it('applies $offset before $limit, after filtering and sorting', () => {
    expect(idsOf(run({ $where: { $gt: { n: 2 } }, $orderby: { n: 'desc' }, $offset: 1, $limit: 2 }))).toEqual(['id005', 'id001'])
  })

  it('orders by every form, ascending and descending', () => {
    expect(idsOf(run({ $orderby: 'n' }))).toEqual(['id004', 'id002', 'id001', 'id005', 'id003'])
    expect(idsOf(run({ $orderby: { s: 'desc' } }))).toEqual(['id001', 'id002', 'id003', 'id004', 'id005'])
    expect(idsOf(run({ $orderby: ['s'] }))).toEqual(['id005', 'id004', 'id003', 'id002', 'id001'])
    expect(idsOf(run({ $orderby: [{ _id: 'desc' }] }))).toEqual(['id005', 'id004', 'id003', 'id002', 'id001'])
  })

  it('sorts mixed types: numbers across types, strings, null, then missing; ties by _id', () => {
    const docs: Document[] = [
      { _id: 'a', v: null },
      { _id: 'b', v: 'x' },
      { _id: 'c' },
      { _id: 'd', v: new OInt(10000) },
      { _id: 'e', v: 10n },
      { _id: 'f', v: new OFloat(1900.12) },
      { _id: 'g', v: 27.88 },
      { _id: 'h', v: 'x' },
    ]
    expect(idsOf(run({ $orderby: 'v' }, docs))).toEqual(['e', 'g', 'f', 'd', 'b', 'h', 'a', 'c'])
    expect(idsOf(run({ $orderby: [{ v: 'desc' }] }, docs))).toEqual(['c', 'a', 'b', 'h', 'd', 'f', 'g', 'e'])
  })

  it('sorts with several keys', () => {
    const docs: Document[] = [
      { _id: '1', g: 'b', n: 1 },
      { _id: '2', g: 'a', n: 2 },
      { _id: '3', g: 'b', n: 3 },
      { _id: '4', g: 'a', n: 1 },
    ]
    expect(idsOf(run({ $orderby: [{ g: 'asc' }, { n: 'desc' }] }, docs))).toEqual(['2', '4', '3', '1'])
  })

  it('orders _id by the store key order (binary before string)', () => {
    const bin = new Uint8Array([9])
    const docs: Document[] = [{ _id: 'a' }, { _id: bin }]
    const cmp = orderComparator(Query.parse({ $orderby: { _id: 'asc' } }).orderBy)
    expect(cmp(docs[1] as Document, docs[0] as Document)).toBeLessThan(0)
  })

  it('projects with nesting, _id only when listed, missing paths absent', () => {
    const out = run({ $select: ['m.a', 'n', 'missing'], $where: { $eq: { _id: 'id001' } } })
    expect(out).toEqual([{ m: { a: 1 }, n: 5 }])
    expect(run({ $select: ['_id', 's'], $limit: 1 })).toEqual([{ _id: 'id001', s: 'e' }])
    expect(run({ $select: 'zzz', $limit: 1 })).toEqual([{}])
  })

  it('applies the query without $where / $select to whole documents', () => {
    expect(run({ $limit: 1 })).toEqual([DOCS[0]])
  })

  it('$limit 0 returns nothing', () => {
    expect(run({ $limit: 0 })).toEqual([])
  })
})

describe('project', () => {
  const doc: Document = {
    _id: 'k',
    a: { b: 1, c: 2 },
    l: [{ x: 1, y: 2 }, { x: 3 }, 'scalar', { y: 4 }],
    s: 'text',
    d: new ODate(2012, 10, 20),
    n: null,
  }

  it.each<[string[], Document]>([
    [['a.b'], { a: { b: 1 } }],
    [['a.b', 'a.c'], { a: { b: 1, c: 2 } }],
    [['a', 'a.b'], { a: { b: 1, c: 2 } }],
    [['d'], { d: new ODate(2012, 10, 20) }],
    [['n'], { n: null }],
    [['a.z'], {}],
    [['s.length'], {}],
    [['l[1]'], { l: [{ x: 3 }] }],
    [['l[0].y', 'l[3]'], { l: [{ y: 2 }, { y: 4 }] }],
    [['l[].x'], { l: [{ x: 1 }, { x: 3 }] }],
    [['l[].x', 'l[0].y'], { l: [{ x: 1, y: 2 }, { x: 3 }] }],
    [['s[]'], { s: 'text' }],
    [['_id', 'a.c'], { _id: 'k', a: { c: 2 } }],
  ])('%j', (paths, expected) => {
    expect(project(doc, paths)).toEqual(expected)
  })

  it('shares unchanged values with the input', () => {
    expect(project(doc, ['a']).a).toBe(doc.a)
  })
})

describe('resumeAfter', () => {
  it('continues an id-ordered query after the last delivered key', () => {
    const q = Query.parse({ $where: { $gt: { n: 2 } }, $limit: 3, $offset: 1 })
    const first = run(q)
    expect(idsOf(first)).toEqual(['id002', 'id003', 'id005'])
    // the stream broke after two results; continue after the second
    const rest = q.resumeAfter('id003', 2)
    expect(rest.offset).toBe(0)
    expect(rest.limit).toBe(1)
    expect(idsOf(run(rest))).toEqual(['id005'])
    expect(rest.where?.toJsonString()).toBe('{"$and":[{"$gt":{"n":2}},{"$gt":{"_id":"id003"}}]}')
  })

  it('concatenating delivered and resumed results equals the full result (no duplicate, no gap)', () => {
    const docs: Document[] = Array.from({ length: 30 }, (_, i) => ({ _id: `k${String(i).padStart(2, '0')}`, n: i % 7 }))
    const q = Query.parse({ $where: { $ne: { n: 3 } }, $offset: 4, $limit: 15 })
    const full = run(q, docs)
    for (let cut = 1; cut < full.length; cut++) {
      const resumed = run(q.resumeAfter(full[cut - 1]?._id as string, cut), docs)
      expect([...full.slice(0, cut), ...resumed]).toEqual(full)
    }
  })

  it('keeps an unlimited query unlimited and works without $where', () => {
    const rest = Query.ALL.resumeAfter('id002', 2)
    expect(rest.limit).toBeUndefined()
    expect(idsOf(run(rest))).toEqual(['id003', 'id004', 'id005'])
  })

  it('after a binary key, continues with greater binary keys and every string key', () => {
    const docs: Document[] = [{ _id: new Uint8Array([1]) }, { _id: new Uint8Array([2]) }, { _id: 'a' }].sort((x, y) =>
      compareIds(x._id as Uint8Array, y._id as Uint8Array),
    )
    const rest = run(Query.ALL.resumeAfter(new Uint8Array([1]), 1), docs)
    expect(rest.map((d) => d._id)).toEqual([new Uint8Array([2]), 'a'])
  })

  it('refuses a query that is not in _id order', () => {
    expect(() => Query.parse({ $orderby: { n: 'desc' } }).resumeAfter('x', 1)).toThrow(InvalidQueryError)
    expect(() => Query.parse({ $orderby: { n: 'desc' } }).resumeAfter('x', 1)).toThrow(/only queries in _id order can/)
  })
})

describe('compileQuery', () => {
  it('has no comparator for id-ordered queries, so a server can stream', () => {
    expect(compileQuery(Query.parse({ $where: { $gt: { n: 1 } } })).compare).toBeUndefined()
    expect(compileQuery(Query.parse({ $orderby: 'n' })).compare).toBeTypeOf('function')
  })

  it('streams lazily: stops reading the scan at the limit', () => {
    let read = 0
    function* scan(): Generator<Document> {
      for (const d of DOCS) {
        read++
        yield d
      }
    }
    const out = [...executeQuery(Query.parse({ $limit: 2, $offset: 1 }), scan())]
    expect(idsOf(out)).toEqual(['id002', 'id003'])
    expect(read).toBe(3)
  })

  it('exposes filter, offset, limit and project', () => {
    const c = compileQuery(Query.parse({ $select: 'n', $where: { $lt: { n: 4 } }, $limit: 7, $offset: 2 }))
    expect(DOCS.filter(c.filter).map((d) => d._id)).toEqual(['id002', 'id004'])
    expect(c.offset).toBe(2)
    expect(c.limit).toBe(7)
    expect(c.project(DOCS[0] as Document)).toEqual({ n: 5 })
  })
})
