/**
 * Step 2 (steps/hedge.ts, hedged reads only): when the first attempt has not answered within the
 * hedge delay, the best other cluster is also asked (within the hedge budget); the first answer
 * wins and the other attempt is cancelled; an error from one attempt waits for the other.
 */
import { describe, expect, it } from 'vitest'
import { marbles } from 'rxjs-marbles'
import { DEFAULT_PROBE_ID, HedgeBudget } from '../../../lib/failover/index.js'
import { doc, names, refused, setup, CLOSE_AT } from '../helpers.js'

// Hedge after 4 ms; the budget allows every hedge unless a test says otherwise.
const HEDGE = { hedge: { delayMs: 4, budget: { ratio: 1, burst: 1 } } }

describe('hedged reads', () => {
  it(
    'primary slow: the next cluster is asked at hedgeDelay, first answer wins, the loser is unsubscribed',
    marbles((m) => {
      const { store, stores, events } = setup(m, HEDGE)
      const p = m.cold('-------(a|)', { a: doc('p') })
      const s = m.cold('--(b|)', { b: doc('s') })
      stores[0]!.on('findById', p)
      stores[1]!.on('findById', s)
      m.expect(store.findById('k')).toBeObservable('------(b|)', { b: doc('s') })
      m.expect(p).toHaveSubscriptions('^-----!')
      m.expect(s).toHaveSubscriptions('----^-!')
      m.flush()
      expect(events).toEqual([{ type: 'hedge', cluster: 'c1', operation: 'findById', at: 4, elapsedMs: 4, to: 'c2', delayMs: 4 }])
      expect(store.stats()).toMatchObject({ hedges: 1, hedgeWins: 1, activeTimers: 0 })
    }),
  )

  it(
    'primary still first after the hedge: the hedge is unsubscribed',
    marbles((m) => {
      const { store, stores } = setup(m, HEDGE)
      const s = m.cold('----(b|)', { b: doc('s') })
      stores[0]!.on('findById', m.cold('-----(a|)', { a: doc('p') }))
      stores[1]!.on('findById', s)
      m.expect(store.findById('k')).toBeObservable('-----(a|)', { a: doc('p') })
      m.expect(s).toHaveSubscriptions('----^!')
    }),
  )

  it(
    'primary answers before hedgeDelay: no hedge',
    marbles((m) => {
      const { store, stores } = setup(m, HEDGE)
      const s = m.cold('(b|)', { b: doc('s') })
      stores[0]!.on('findById', m.cold('---(a|)', { a: doc('p') }))
      stores[1]!.on('findById', s)
      m.expect(store.findById('k')).toBeObservable('---(a|)', { a: doc('p') })
      m.expect(s).toHaveSubscriptions([])
    }),
  )

  it(
    'a hedge win does not switch the active cluster',
    marbles((m) => {
      const { store, stores } = setup(m, HEDGE)
      stores[0]!.on('findById', m.cold('-------(a|)', { a: doc('p') }))
      stores[1]!.on('findById', m.cold('--(b|)', { b: doc('s') }))
      store.findById('k').subscribe()
      m.expect(names(store)).toBeObservable(`a ${CLOSE_AT - 1}ms |`, { a: 'c1' })
    }),
  )

  it(
    'budget: ratio 0.5, burst 1 lets every other slow read hedge',
    marbles((m) => {
      const { store, stores } = setup(m, { hedge: { delayMs: 4, budget: { ratio: 0.5, burst: 1 } } })
      const s = m.cold('-(b|)', { b: doc('s') })
      stores[0]!.on('findById', m.cold('--------(a|)', { a: doc('p') }))
      stores[1]!.on('findById', s)
      for (const at of [0, 20, 40, 60]) m.scheduler.schedule(() => store.findById('k').subscribe(), at)
      m.expect(s).toHaveSubscriptions(['4ms ^!', '44ms ^!'])
      m.flush()
      expect(store.stats()).toMatchObject({ hedges: 2, hedgesDeniedByBudget: 2 })
    }),
  )

  it(
    'writes are never hedged',
    marbles((m) => {
      const { store, stores } = setup(m, HEDGE)
      const s = m.cold('(b|)', { b: undefined })
      stores[0]!.on('insertOrReplace', m.cold('-------(a|)', { a: undefined }))
      stores[1]!.on('insertOrReplace', s)
      m.expect(store.insertOrReplace(doc('k'))).toBeObservable('-------(a|)', { a: undefined })
      m.expect(s).toHaveSubscriptions([])
    }),
  )

  it(
    'per call: hedge: false turns it off, hedge: true turns it on without global config',
    marbles((m) => {
      const off = setup(m, HEDGE)
      const s1 = m.cold('(b|)', { b: doc('s') })
      off.stores[0]!.on('findById', m.cold('-------(a|)', { a: doc('p') }))
      off.stores[1]!.on('findById', s1)
      off.store.findById('k', { hedge: false }).subscribe()
      m.expect(s1).toHaveSubscriptions([])
      // Without a hedge config the default delay applies: 100 ms until 100 samples exist.
      const on = setup(m, { timeoutMs: 500 })
      const s2 = m.cold('(b|)', { b: doc('s') })
      on.stores[0]!.on('findById', m.cold('200ms (a|)', { a: doc('p') }))
      on.stores[1]!.on('findById', s2)
      on.store.findById('k', { hedge: true }).subscribe()
      m.expect(s2).toHaveSubscriptions('100ms (^!)')
    }),
  )

  it(
    "percentile delay: hedges after the active cluster's running p50",
    marbles((m) => {
      const { store, stores } = setup(m, {
        hedge: { delayMs: { percentile: 50, minSamples: 2, minMs: 1, fallbackMs: 9 }, budget: { ratio: 1, burst: 1 } },
      })
      const s = m.cold('(b|)', { b: doc('s') })
      let calls = 0
      // Two fast reads (3 ms) teach the p50; the third read is slow.
      stores[0]!.on('findById', () => (++calls <= 2 ? m.cold('---(a|)', { a: doc('p') }) : m.cold('--------(a|)', { a: doc('p') })))
      stores[1]!.on('findById', s)
      for (const at of [0, 10, 20]) m.scheduler.schedule(() => store.findById('k').subscribe(), at)
      m.expect(s).toHaveSubscriptions('23ms (^!)')
    }),
  )

  it(
    'hedge fails, primary answers: the primary answer is delivered',
    marbles((m) => {
      const { store, stores } = setup(m, HEDGE)
      stores[0]!.on('findById', m.cold('-------(a|)', { a: doc('p') }))
      stores[1]!.on('findById', m.cold('-#', undefined, new Error('boom')))
      // A non-availability error from the hedge is an answer: passed through.
      m.expect(store.findById('k')).toBeObservable('-----#', undefined, new Error('boom'))
    }),
  )

  it(
    'the main attempt refused after the hedge went out: the hedge answers; the refusal still switches the active cluster',
    marbles((m) => {
      const { store, stores, events } = setup(m, HEDGE)
      stores[0]!.on('findById', m.cold('------#', undefined, refused()))
      stores[1]!.on('findById', m.cold('----(b|)', { b: doc('s') }))
      m.expect(store.findById('k')).toBeObservable('--------(b|)', { b: doc('s') })
      m.expect(names(store)).toBeObservable(`a 5ms b ${CLOSE_AT - 7}ms |`, { a: 'c1', b: 'c2' })
      m.flush()
      expect(events.map((e) => `${e.type}@${e.at}`)).toEqual(['hedge@4', 'failover@6'])
    }),
  )

  it(
    'both attempts refused: the operation fails over to the third cluster',
    marbles((m) => {
      const { store, stores, events } = setup(m, { ...HEDGE, count: 3 })
      stores[0]!.on('findById', m.cold('------#', undefined, refused()))
      stores[1]!.on('findById', (id: unknown) => m.cold(id === DEFAULT_PROBE_ID ? '#' : '-#', undefined, refused()))
      stores[2]!.on('findById', m.cold('-(c|)', { c: doc('3') }))
      m.expect(store.findById('k')).toBeObservable('-------(c|)', { c: doc('3') })
      m.flush()
      expect(events.filter((e) => e.type !== 'probe-failed').map((e) => `${e.type}@${e.at}:${'to' in e ? e.to : ''}`)).toEqual([
        'hedge@4:c2',
        'failover@6:c3',
        'rerouted@6:c3',
      ])
    }),
  )

  it(
    'a hedge that was refused marks its cluster down: the next hedge skips it',
    marbles((m) => {
      const { store, stores } = setup(m, { ...HEDGE, count: 3 })
      const c2 = m.cold('#', undefined, refused())
      const c3 = m.cold('--(c|)', { c: doc('3') })
      stores[0]!.on('findById', m.cold('-------(a|)', { a: doc('p') }))
      stores[1]!.on('findById', (id: unknown) => (id === DEFAULT_PROBE_ID ? m.cold('#', undefined, refused()) : c2))
      stores[2]!.on('findById', c3)
      m.expect(store.findById('k')).toBeObservable('-------(a|)', { a: doc('p') })
      m.expect(store.findById('k'), '20ms ^').toBeObservable('26ms (c|)', { c: doc('3') })
      m.expect(c2).toHaveSubscriptions('4ms (^!)')
      m.expect(c3).toHaveSubscriptions('24ms ^-!')
    }),
  )

  it(
    'no cluster up and not held (the other one left by a failover): no hedge, the read waits for its cluster',
    marbles((m) => {
      const { store, stores } = setup(m, HEDGE)
      const p = m.cold('-')
      stores[0]!.on('findById', p)
      stores[1]!.on('findById', m.cold('-------(b|)', { b: doc('s') }))
      store.findById('k', { hedge: false }).subscribe() // fails over at 10: c1 held
      m.expect(store.findById('k'), '20ms ^').toBeObservable('27ms (b|)', { b: doc('s') })
      m.expect(p).toHaveSubscriptions('^ 9ms !')
      m.flush()
      expect(store.stats().hedges).toBe(0)
    }),
  )
})

describe('HedgeBudget', () => {
  it('long-run share equals ratio', () => {
    const b = new HedgeBudget({ ratio: 0.05, burst: 1 })
    let hedges = 0
    for (let i = 0; i < 1000; i++) {
      b.deposit()
      if (b.tryTake()) hedges++
    }
    expect(hedges).toBe(50)
  })

  it('starts with burst tokens for a cold client', () => {
    const b = new HedgeBudget({ ratio: 0, burst: 3 })
    const taken = [0, 1, 2, 3].map(() => (b.deposit(), b.tryTake()))
    expect(taken).toEqual([true, true, true, false])
  })
})
