/**
 * Step 1b (steps/retry-same-cluster.ts): a read reset on a cluster in good standing is tried once
 * more there before it moves on. Timelines use timeoutMs 10 and secondaryTimeoutMs 30; one dash
 * is 1 ms. `setup` turns the retry off for the other steps' timelines, so these turn it back on.
 */
import { describe, expect, it } from 'vitest'
import { marbles } from 'rxjs-marbles'
import { mergeMap } from 'rxjs'
import { ResourceExhaustedError } from '../../../lib/ojai/errors.js'
import { doc, names, outcome, refused, setup, unavailable, CLOSE_AT } from '../helpers.js'

const A = { a: doc('p') }
const B = { b: doc('s') }

describe('retry on the same cluster: the timelines of its doc', () => {
  it(
    'reset at 3 on c1 (up, not held): retried on c1 at 3, answered at 5; no failover, c2 never asked',
    marbles((m) => {
      const { store, stores, events } = setup(m, { retrySameCluster: true })
      const first = m.cold('---#', undefined, unavailable())
      const retry = m.cold('--(a|)', A)
      let calls = 0
      stores[0]!.on('findById', () => (calls++ === 0 ? first : retry))
      const c2 = m.cold('-(b|)', B)
      stores[1]!.on('findById', c2)
      m.expect(store.findById('k')).toBeObservable('-----(a|)', A)
      m.expect(retry).toHaveSubscriptions('---^-!')
      m.expect(c2).toHaveSubscriptions([])
      m.expect(names(store)).toBeObservable(`a ${CLOSE_AT - 1}ms |`, { a: 'c1' })
      m.flush()
      expect(events).toEqual([])
    }),
  )

  it(
    'reset at 3 and again at 6: the second failure moves the read on (c1 down, failover), answered by c2 at 7',
    marbles((m) => {
      const { store, stores, events } = setup(m, { retrySameCluster: true })
      const c1 = m.cold('---#', undefined, unavailable())
      stores[0]!.on('findById', c1)
      stores[1]!.on('findById', m.cold('-(b|)', B))
      m.expect(store.findById('k')).toBeObservable('-------(b|)', B)
      m.expect(c1).toHaveSubscriptions(['^--!', '---^--!'])
      m.flush()
      expect(events.map((e) => `${e.type}@${e.at}`)).toEqual(['failover@6', 'rerouted@6'])
    }),
  )
})

describe('retry on the same cluster: what it leaves alone', () => {
  it.each([
    ['a refused connection (provably unsent: the cluster is not there)', () => refused()],
    ['an overloaded cluster (RESOURCE_EXHAUSTED is not a transport error)', () => new ResourceExhaustedError('overloaded')],
  ])('%s: moves on at once', (_, error) =>
    marbles((m) => {
      const { store, stores } = setup(m, { retrySameCluster: true })
      const c1 = m.cold('---#', undefined, error())
      stores[0]!.on('findById', c1)
      stores[1]!.on('findById', m.cold('-(b|)', B))
      m.expect(store.findById('k')).toBeObservable('----(b|)', B)
      m.expect(c1).toHaveSubscriptions('^--!')
    })(),
  )

  it(
    'a write (reset at 3): never retried here; it moves on by its policy and is not acknowledged (settle.ts)',
    marbles((m) => {
      const { store, stores } = setup(m, { retrySameCluster: true })
      const c1 = m.cold('---#', undefined, unavailable())
      stores[0]!.on('insertOrReplace', c1)
      stores[1]!.on('insertOrReplace', m.cold('-(b|)', { b: undefined }))
      m.expect(outcome(store.insertOrReplace(doc('k')))).toBeObservable('----(e|)', { e: 'error:UNSETTLED_WRITE' })
      m.expect(c1).toHaveSubscriptions('^--!')
    }),
  )

  it(
    'a cluster not in good standing (c1 timed out at 10: suspect and held): a primary-only read reset there at 23 is not retried',
    marbles((m) => {
      const { store, stores } = setup(m, { retrySameCluster: true })
      const silent = m.cold('-')
      const reset = m.cold('---#', undefined, unavailable())
      let calls = 0
      stores[0]!.on('findById', () => (calls++ === 0 ? silent : reset))
      stores[1]!.on('findById', m.cold('-(b|)', B))
      m.expect(store.findById('k')).toBeObservable('-----------(b|)', B)
      const late = m.cold('20ms (x|)').pipe(mergeMap(() => outcome(store.findById('k', { strategy: 'primary-only' }))))
      m.expect(late).toBeObservable('23ms (e|)', { e: 'error:UNAVAILABLE' })
      m.expect(reset).toHaveSubscriptions('20ms ^--!')
    }),
  )

  it(
    '`retrySameCluster: false`: the read moves on at the first reset',
    marbles((m) => {
      const { store, stores } = setup(m, { retrySameCluster: false })
      const c1 = m.cold('---#', undefined, unavailable())
      stores[0]!.on('findById', c1)
      stores[1]!.on('findById', m.cold('-(b|)', B))
      m.expect(store.findById('k')).toBeObservable('----(b|)', B)
      m.expect(c1).toHaveSubscriptions('^--!')
    }),
  )
})
