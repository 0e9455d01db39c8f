import { describe, expect, it } from 'vitest'
import { marbles } from 'rxjs-marbles'
import { DEFAULT_PROBE_ID, StickyHold, type ClusterStatus } from '../../lib/failover/index.js'
import { doc, setup } from './helpers.js'

describe('StickyHold', () => {
  it('escalates 20 s, 60 s, 120 s, then stays at 120 s', () => {
    const hold = new StickyHold({}, () => 0)
    expect([0, 1000, 2000, 3000].map((t) => hold.next(t))).toEqual([20_000, 60_000, 120_000, 120_000])
  })

  it('each quiet period without a failover takes the escalation one step down', () => {
    const hold = new StickyHold({ holdsMs: [1, 2, 3], decayAfterMs: 100 }, () => 0)
    expect([hold.next(0), hold.next(10), hold.next(20)]).toEqual([1, 2, 3])
    expect(hold.levelAt(119)).toBe(3)
    expect(hold.levelAt(120)).toBe(2)
    expect(hold.next(220)).toBe(2) // two quiet periods: level 3 -> 1
    expect(hold.next(1000)).toBe(1) // long quiet: back to the first hold
  })
})

describe('hold on a FailoverStore', () => {
  it(
    'escalates with each failover and decays after a quiet period (probes always succeed)',
    marbles((m) => {
      const { store, stores } = setup(m, { hold: { holdsMs: [100, 300, 600], decayAfterMs: 1000 }, closeAt: 3000 })
      // User reads on c1 are silent at 0, 200 and 2600 (each fails over); probe reads answer at once.
      stores[0]!.on('findById', (id: unknown) => (id === DEFAULT_PROBE_ID ? m.cold('(n|)', { n: null }) : m.cold('-')))
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      for (const at of [0, 200, 2600]) m.scheduler.schedule(() => store.findById('k').subscribe(), at)
      const statuses: ClusterStatus[] = []
      store.cluster$.subscribe((s) => statuses.push(s))
      m.flush()
      expect(statuses.map((s) => [s.name, s.since, s.reason, s.holdUntil])).toEqual([
        ['c1', 0, 'initial', undefined],
        ['c2', 10, 'failover', 110], // 1st hold: 100
        ['c1', 110, 'failback', undefined],
        ['c2', 210, 'failover', 510], // 2nd hold: 300
        ['c1', 510, 'failback', undefined],
        ['c2', 2610, 'failover', 2710], // 2 400 ms quiet since 210: two steps down, back to 100
        ['c1', 2710, 'failback', undefined],
      ])
    }),
  )
})
