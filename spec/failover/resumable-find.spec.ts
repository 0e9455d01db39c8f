import { describe, expect, it } from 'vitest'
import { marbles, type Context } from 'rxjs-marbles'
import { Query, type QueryJson } from '../../lib/ojai/query.js'
import { ResumeNotPossibleError } from '../../lib/failover/index.js'
import { captureError, doc, outcome, setup, unavailable } from './helpers.js'

const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(doc) as [
  ReturnType<typeof doc>,
  ReturnType<typeof doc>,
  ReturnType<typeof doc>,
  ReturnType<typeof doc>,
]
const DOCS = { a, b, c, d }
const QUERY = { $where: { $gt: { v: '' } }, $limit: 10 }

describe('resumable find', () => {
  it(
    'failure before the first document: the same query runs on the next cluster',
    marbles((m) => {
      const { store, stores } = setup(m)
      const s = m.cold('-a-b|', DOCS)
      stores[0]!.on('find', m.cold('---#', undefined, unavailable()))
      stores[1]!.on('find', s)
      m.expect(store.find(QUERY)).toBeObservable('----a-b|', DOCS)
      m.expect(s).toHaveSubscriptions('---^---!')
      m.flush()
      expect(stores[1]!.calls[0]?.args[0]).toBe(QUERY)
    }),
  )

  it(
    'failure mid-stream: resumes after the last _id delivered, no duplicate, no gap',
    marbles((m) => {
      const { store, stores, events } = setup(m)
      const s = m.cold('-c-d|', DOCS)
      stores[0]!.on('find', m.cold('-a-b-#', DOCS, unavailable()))
      stores[1]!.on('find', s)
      m.expect(store.find(QUERY)).toBeObservable('-a-b--c-d|', DOCS)
      m.expect(s).toHaveSubscriptions('5ms ^---!')
      m.flush()
      const resumed = stores[1]!.calls[0]?.args[0] as Query
      expect(resumed.toJsonString()).toBe(Query.from(QUERY).resumeAfter('b', 2).toJsonString())
      expect(events.find((e) => e.type === 'rerouted')).toMatchObject({ cluster: 'c1', to: 'c2', delivered: 2, at: 5 })
      expect(store.stats().resumes).toBe(1)
    }),
  )

  it(
    'a stream that stalls mid-way times out after timeoutMs of silence and resumes',
    marbles((m) => {
      const { store, stores } = setup(m)
      const s = m.cold('-c|', DOCS)
      stores[0]!.on('find', m.cold('-a-b', DOCS))
      stores[1]!.on('find', s)
      m.expect(store.find()).toBeObservable('-a-b 9ms -c|', DOCS)
      m.expect(s).toHaveSubscriptions('13ms ^-!')
    }),
  )

  it(
    'a slow but steady stream longer than timeoutMs in total is not cut',
    marbles((m) => {
      const { store, stores } = setup(m)
      const s = m.cold('(x|)')
      stores[0]!.on('find', m.cold('-------a-------b-------c-------d|', DOCS))
      stores[1]!.on('find', s)
      m.expect(store.find()).toBeObservable('-------a-------b-------c-------d|', DOCS)
      m.expect(s).toHaveSubscriptions([])
    }),
  )

  it(
    'mid-stream failure of a query not in _id order: ResumeNotPossibleError, no other cluster',
    marbles((m) => {
      const { store, stores } = setup(m)
      const s = m.cold('(x|)')
      stores[0]!.on('find', m.cold('-a-b-#', DOCS, unavailable()))
      stores[1]!.on('find', s)
      const query = { $orderby: { v: 'desc' } }
      m.expect(outcome(store.find(query))).toBeObservable('-a-b-(e|)', { ...DOCS, e: 'error:RESUME_NOT_POSSIBLE' })
      m.expect(s).toHaveSubscriptions([])
      const box = captureError(store.find(query))
      m.flush()
      const error = box.error as ResumeNotPossibleError
      expect(error).toBeInstanceOf(ResumeNotPossibleError)
      expect(error.delivered).toBe(2)
      expect(error.message).toMatch(/allowRestart/)
      expect((error.cause as { code: string }).code).toBe('UNAVAILABLE')
    }),
  )

  it(
    'documents without _id (projection) cannot be resumed either',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('find', m.cold('-x-#', { x: { v: 'a' } }, unavailable()))
      stores[1]!.on('find', m.cold('(x|)'))
      m.expect(outcome(store.find({ $select: ['v'] }))).toBeObservable('-x-(e|)', { x: { v: 'a' }, e: 'error:RESUME_NOT_POSSIBLE' })
    }),
  )

  it(
    'allowRestart: a query not in _id order runs again from the start on the next cluster',
    marbles((m) => {
      const { store, stores } = setup(m)
      const query = { $orderby: { v: 'desc' } }
      stores[0]!.on('find', m.cold('-d-c-#', DOCS, unavailable()))
      stores[1]!.on('find', m.cold('-d-c-b-a|', DOCS))
      m.expect(store.find(query, { allowRestart: true })).toBeObservable('-d-c--d-c-b-a|', DOCS)
      m.flush()
      expect(stores[1]!.calls[0]?.args).toEqual([query, undefined])
    }),
  )

  it(
    'allowRestart with $limit: the repeats do not use up the limit, the whole result follows them; rerouted reports the documents delivered',
    marbles((m) => {
      const { store, stores, events } = setup(m)
      const query = { $orderby: { v: 'desc' }, $limit: 4 }
      stores[0]!.on('find', m.cold('-d-c-#', DOCS, unavailable()))
      // The stream's end is slow to come: the find completes with the 4th document of the result.
      const again = m.cold('-d-c-b-a----|', DOCS)
      stores[1]!.on('find', again)
      m.expect(store.find(query, { allowRestart: true })).toBeObservable('-d-c--d-c-b-(a|)', DOCS)
      m.expect(again).toHaveSubscriptions('5ms ^------!')
      m.flush()
      expect(stores[1]!.calls[0]?.args).toEqual([query, undefined])
      expect(events.filter((e) => e.type === 'rerouted')).toEqual([
        { type: 'rerouted', cluster: 'c1', operation: 'find', at: 5, elapsedMs: 5, to: 'c2', reason: 'UNAVAILABLE', delivered: 2 },
      ])
    }),
  )

  it(
    'allowRestart, restarted twice across three clusters: each rerouted counts every document delivered before it; the last run delivers the whole result',
    marbles((m) => {
      const { store, stores, events } = setup(m, { count: 3 })
      const query = { $orderby: { v: 'desc' }, $limit: 3 }
      stores[0]!.on('find', m.cold('-d-c#', DOCS, unavailable()))
      stores[1]!.on('find', m.cold('-d#', DOCS, unavailable()))
      stores[2]!.on('find', m.cold('-d-c-b|', DOCS))
      const got: string[] = []
      store.find(query, { allowRestart: true }).subscribe((x) => got.push(x._id as string))
      m.flush()
      expect(got).toEqual(['d', 'c', 'd', 'd', 'c', 'b'])
      const delivered = events.filter((e) => e.type === 'rerouted').map((e) => ('delivered' in e ? e.delivered : undefined))
      expect(delivered).toEqual([2, 3])
      // Removing the repeats as documented (everything before the last restart's count) leaves the result.
      expect(got.slice(delivered.at(-1))).toEqual(['d', 'c', 'b'])
    }),
  )

  it.each<[string, QueryJson]>([
    ['in _id order', { $limit: 2 }],
    ['ordered by another field', { $orderby: { v: 'desc' }, $limit: 2 }],
  ])(
    'failure after the last document the $limit allows (%s): the find completes, no other cluster',
    marbles((m: Context, _: string, query: QueryJson) => {
      const { store, stores, events } = setup(m)
      const s = m.cold('(x|)')
      stores[0]!.on('find', m.cold('-a-b-#', DOCS, unavailable()))
      stores[1]!.on('find', s)
      m.expect(store.find(query)).toBeObservable('-a-(b|)', DOCS)
      m.expect(s).toHaveSubscriptions([])
      m.flush()
      expect(events.map((e) => e.type)).toEqual([])
    }),
  )

  it(
    'one document short of the $limit: resumes asking for the one left, complete with the $limit-th document',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('find', m.cold('-a-b-#', DOCS, unavailable()))
      stores[1]!.on('find', m.cold('-c|', DOCS))
      m.expect(store.find({ $limit: 3 })).toBeObservable('-a-b--(c|)', DOCS)
      m.flush()
      expect((stores[1]!.calls[0]?.args[0] as Query).limit).toBe(1)
    }),
  )

  it(
    'resumes twice across three clusters, counting documents from the original query',
    marbles((m) => {
      const { store, stores } = setup(m, { count: 3 })
      stores[0]!.on('find', m.cold('-a#', DOCS, unavailable()))
      stores[1]!.on('find', m.cold('-b#', DOCS, unavailable()))
      stores[2]!.on('find', m.cold('-c-d|', DOCS))
      m.expect(store.find(QUERY)).toBeObservable('-a-b-c-d|', DOCS)
      m.flush()
      expect((stores[2]!.calls[0]?.args[0] as Query).toJsonString()).toBe(Query.from(QUERY).resumeAfter('b', 2).toJsonString())
    }),
  )
})
