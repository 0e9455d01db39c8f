import { describe, expect, it } from 'vitest'
import { marbles } from 'rxjs-marbles'
import { DEFAULT_PROBE_ID, StickyHold } from '../../lib/failover/index.js'
import { doc, idWithAffinity, setup } from './helpers.js'

describe('hold jitter', () => {
  it('shortens each hold by up to jitter of itself, never lengthens it', () => {
    expect(new StickyHold({ holdsMs: [20_000], jitter: 0.1 }, () => 0.5).next(0)).toBe(19_000)
    expect(new StickyHold({ holdsMs: [20_000], jitter: 0.1 }, () => 0).next(0)).toBe(20_000)
    expect(new StickyHold({ holdsMs: [20_000], jitter: 0.1 }, () => 0.999).next(0)).toBeGreaterThan(18_000)
  })
})

describe('ramped failback', () => {
  // c1 fails over at 10 (hold 100), the probe at 110 succeeds: failback at 110. Ramp 30 ms in three
  // steps of 25 %, 50 %, 100 %. A document moves back at the first step whose share exceeds its
  // place in the ramp (session.ts): d1's place is under 25 %, d2's between 25 % and 50 %, d3's over.
  it(
    "after a failback, each document moves back at one moment, by its place and the ramp's shares; the cluster left serves the rest",
    marbles((m) => {
      const { store, stores } = setup(m, {
        hold: { holdsMs: [100], jitter: 0 },
        probe: { backoff: { jitter: 0 } },
        failback: { rampMs: 30, shares: [0.25, 0.5, 1] },
        random: () => 0.5,
      })
      const d1 = idWithAffinity(0.5, 0, 0.25)
      const d2 = idWithAffinity(0.5, 0.25, 0.5)
      const d3 = idWithAffinity(0.5, 0.5, 1)
      stores[0]!.on('findById', (id: unknown) =>
        id === DEFAULT_PROBE_ID || m.scheduler.now() > 100 ? m.cold('(a|)', { a: doc('c1') }) : m.cold('-'),
      )
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('c2') }))
      store.findById('k').subscribe()
      const on = (at: number, id: string, cluster: 'c1' | 'c2') =>
        m.expect(store.findById(id), `${at}ms ^`).toBeObservable(`${at}ms (x|)`, { x: doc(cluster) })
      // Step 1 (25 %): d1 is back; every read of d2 and d3 stays on c2.
      on(111, d1, 'c1')
      on(112, d2, 'c2')
      on(113, d3, 'c2')
      on(119, d2, 'c2')
      // Step 2 (50 %): d2 follows, d3 still on c2; d1 does not go back and forth.
      on(121, d1, 'c1')
      on(122, d2, 'c1')
      on(123, d3, 'c2')
      // Step 3 (100 %) and after: everything on c1.
      on(131, d3, 'c1')
      on(145, d3, 'c1')
      m.flush()
      expect(store.cluster).toMatchObject({ name: 'c1', reason: 'failback', since: 110 })
    }),
  )

  it(
    'an operation without a document (a find) draws its place at random, as the ramp always did',
    marbles((m) => {
      let draw = 0.9
      const { store, stores } = setup(m, {
        hold: { holdsMs: [100], jitter: 0 },
        probe: { backoff: { jitter: 0 } },
        failback: { rampMs: 30, shares: [0.25, 0.5, 1] },
        random: () => draw,
      })
      stores[0]!.on('findById', (id: unknown) =>
        id === DEFAULT_PROBE_ID || m.scheduler.now() > 100 ? m.cold('(a|)', { a: doc('c1') }) : m.cold('-'),
      )
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('c2') }))
      stores[0]!.on('find', m.cold('(a|)', { a: doc('c1') }))
      stores[1]!.on('find', m.cold('(b|)', { b: doc('c2') }))
      store.findById('k').subscribe()
      m.expect(store.find(), '111ms ^').toBeObservable('111ms (b|)', { b: doc('c2') }) // 0.9 over 25 %
      m.scheduler.schedule(() => (draw = 0.1), 112)
      m.expect(store.find(), '113ms ^').toBeObservable('113ms (a|)', { a: doc('c1') }) // 0.1 under 25 %
    }),
  )

  it(
    'failback: false moves every operation back at once',
    marbles((m) => {
      const { store, stores } = setup(m, { hold: { holdsMs: [100], jitter: 0 }, failback: false, random: () => 0.99 })
      stores[0]!.on('findById', (id: unknown) =>
        id === DEFAULT_PROBE_ID || m.scheduler.now() > 100 ? m.cold('(a|)', { a: doc('c1') }) : m.cold('-'),
      )
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('c2') }))
      store.findById('k').subscribe()
      m.expect(store.findById('k'), '111ms ^').toBeObservable('111ms (x|)', { x: doc('c1') })
    }),
  )
})
