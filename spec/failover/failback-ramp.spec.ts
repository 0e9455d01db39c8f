import { describe, expect, it } from 'vitest'
import { marbles } from 'rxjs-marbles'
import { DEFAULT_PROBE_ID, StickyHold } from '../../lib/failover/index.js'
import { doc, setup } from './helpers.js'

describe('hold jitter', () => {
  it('shortens each hold by up to jitter of itself, never lengthens it', () => {
    expect(new StickyHold({ holdsMs: [20_000], jitter: 0.1 }, () => 0.5).next(0)).toBe(19_000)
    expect(new StickyHold({ holdsMs: [20_000], jitter: 0.1 }, () => 0).next(0)).toBe(20_000)
    expect(new StickyHold({ holdsMs: [20_000], jitter: 0.1 }, () => 0.999).next(0)).toBeGreaterThan(18_000)
  })
})

describe('ramped failback', () => {
  // c1 fails over at 10 (hold 100), the probe at 110 succeeds: failback at 110. Ramp 30 ms in three
  // steps of 25 %, 50 %, 100 %; random() is 0.5, so an operation starts on c1 once the share passes 0.5.
  it(
    "after a failback, operations move back by the ramp's shares; the cluster left serves the rest",
    marbles((m) => {
      const { store, stores } = setup(m, {
        hold: { holdsMs: [100], jitter: 0 },
        probe: { backoff: { jitter: 0 } },
        failback: { rampMs: 30, shares: [0.25, 0.5, 1] },
        random: () => 0.5,
      })
      stores[0]!.on('findById', (id: unknown) =>
        id === DEFAULT_PROBE_ID || m.scheduler.now() > 100 ? m.cold('(a|)', { a: doc('c1') }) : m.cold('-'),
      )
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('c2') }))
      store.findById('k').subscribe()
      const on = (at: number) =>
        m.expect(store.findById('k'), `${at}ms ^`).toBeObservable(`${at}ms (x|)`, { x: doc(at < 130 ? 'c2' : 'c1') })
      on(111) // step 1: 25 % < 0.5 -> c2
      on(121) // step 2: 50 %, not < 0.5 -> c2
      on(131) // step 3: 100 % -> c1
      on(145) // ramp over -> c1
      m.flush()
      expect(store.cluster).toMatchObject({ name: 'c1', reason: 'failback', since: 110 })
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
