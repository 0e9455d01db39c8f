/**
 * Demand-driven background work (demand.ts, prober.ts): probes and their backoff run only while
 * the store has demand (operations in flight, or one ended less than lingerMs ago), so a store
 * on the TestScheduler with finite operations lets `flush()` return without `close()`.
 *
 * The store specs run on the bounded StallScheduler: a timeline that never ends fails with an
 * error instead of hanging the run (flush is synchronous; vitest could not time it out).
 */
import { describe, expect, it } from 'vitest'
import { marbles as rxMarbles } from 'rxjs-marbles'
import { DEFAULT_PROBE_ID, FailoverStore } from '../../lib/failover/index.js'
import { Demand } from '../../lib/failover/demand.js'
import { doc, idWithAffinity, names, refused, T, T2 } from './helpers.js'
import { marbles, type StallContext } from './stall-scheduler.js'
import { VirtualStore } from './virtual-store.js'

const TF = { t: true, f: false }

describe('Demand', () => {
  it(
    'operations at 1-2, 4-5 and 19-20, lingerMs 10: one demand from 1 to 32 (the linger timer armed at 2 is re-armed at 12 and 22: operations ended meanwhile)',
    rxMarbles((m) => {
      const demand = new Demand(m.scheduler, 10)
      for (const [begin, end] of [
        [1, 2],
        [4, 5],
        [19, 20],
      ] as const) {
        m.scheduler.schedule(() => demand.begin(), begin)
        m.scheduler.schedule(() => demand.end(), end)
      }
      m.scheduler.schedule(() => demand.stop(), 40)
      m.expect(demand.demand$).toBeObservable('ft 30ms f 7ms |', TF)
    }),
  )

  it(
    'a quiet lingerMs after the last operation ended: demand ends then (operations 1-2, then 30-31: two demands)',
    rxMarbles((m) => {
      const demand = new Demand(m.scheduler, 10)
      for (const [begin, end] of [
        [1, 2],
        [30, 31],
      ] as const) {
        m.scheduler.schedule(() => demand.begin(), begin)
        m.scheduler.schedule(() => demand.end(), end)
      }
      m.expect(demand.demand$).toBeObservable('ft 10ms f 17ms t 10ms f', TF)
    }),
  )

  it(
    'an operation in flight keeps demand however long it runs; the last of two overlapping ones starts the linger',
    rxMarbles((m) => {
      const demand = new Demand(m.scheduler, 10)
      m.scheduler.schedule(() => demand.begin(), 1)
      m.scheduler.schedule(() => demand.begin(), 2)
      m.scheduler.schedule(() => demand.end(), 3)
      m.scheduler.schedule(() => demand.end(), 100)
      m.expect(demand.demand$).toBeObservable('ft 108ms f', TF)
    }),
  )

  it(
    'lingerMs 0: demand ends in the frame the last operation ends',
    rxMarbles((m) => {
      const demand = new Demand(m.scheduler, 0)
      m.scheduler.schedule(() => demand.begin(), 1)
      m.scheduler.schedule(() => demand.end(), 3)
      m.expect(demand.demand$).toBeObservable('ft-f', TF)
    }),
  )
})

/** Records probe times; `primary` answers user reads, `probe` answers probes. */
function primary(
  m: StallContext,
  probes: number[],
  read: () => ReturnType<StallContext['cold']>,
  probe: () => ReturnType<StallContext['cold']>,
) {
  return new VirtualStore(
    {
      findById: (id: unknown) => {
        if (id !== DEFAULT_PROBE_ID) return read()
        probes.push(m.scheduler.now())
        return probe()
      },
    },
    '/c1/table',
  )
}

describe('probes run while the store has demand', () => {
  it(
    'finite operations and a failover, default hold, linger and backoff, no close(): flush() returns when the linger ends',
    marbles((m) => {
      const probes: number[] = []
      const store = new FailoverStore(
        [
          {
            name: 'c1',
            store: primary(
              m,
              probes,
              () => m.cold('-'),
              () => m.cold('-'),
            ),
          },
          { name: 'c2', store: new VirtualStore({ findById: m.cold('-(b|)', { b: doc('s') }) }, '/c2/table') },
        ],
        { timeoutMs: T, secondaryTimeoutMs: T2, scheduler: m.scheduler, random: () => 0 },
      )
      m.expect(store.findById('a')).toBeObservable('11ms (b|)', { b: doc('s') })
      m.expect(store.findById('b'), '5ms ^').toBeObservable('16ms (b|)', { b: doc('s') })
      m.expect(store.findById('c'), '100ms ^').toBeObservable('101ms (b|)', { b: doc('s') })
      m.expect(names(store)).toBeObservable('a 9ms b', { a: 'c1', b: 'c2' })
      m.flush()
      // Hold 20 s from the failover at 10; each silent probe fails after 10 ms, then waits 1, 2, 4, 8, 16,
      // 32, 35 s. Demand ends one to two lingers (60 s) after the last operation: the linger timer armed
      // when the first two ended (16) finds that one more ended since (101), waits a second linger, and
      // ends demand at 120 016; the probe due at 153 090 never runs.
      expect(probes).toEqual([20_010, 21_020, 23_030, 27_040, 35_050, 51_060, 83_070, 118_080])
      expect(m.scheduler.now()).toBe(120_016)
      expect(m.scheduler.actions).toHaveLength(0)
      expect(store.stats()).toMatchObject({ inFlight: 0, activeTimers: 0, probesFailed: 8 })
    }),
  )

  it(
    'a store in use fails back after its hold and a successful probe',
    marbles((m) => {
      const probes: number[] = []
      const store = new FailoverStore(
        [
          {
            name: 'c1',
            store: primary(
              m,
              probes,
              () => (m.scheduler.now() < 50 ? m.cold('-') : m.cold('-(a|)', { a: doc('p') })),
              () => m.cold('(n|)', { n: null }),
            ),
          },
          { name: 'c2', store: new VirtualStore({ findById: m.cold('-(b|)', { b: doc('s') }) }, '/c2/table') },
        ],
        { timeoutMs: T, secondaryTimeoutMs: T2, scheduler: m.scheduler, hold: { holdsMs: [100] }, lingerMs: 50, random: () => 0 },
      )
      const answeredBy: string[] = []
      // A document the ramp's first step (5 %) moves back at once.
      const id = idWithAffinity(0, 0, 0.05)
      for (let at = 0; at <= 300; at += 20)
        m.scheduler.schedule(() => store.findById(id).subscribe((d) => answeredBy.push(`${at}:${String(d?.v)}`)), at)
      m.expect(names(store)).toBeObservable('a 9ms b 99ms a', { a: 'c1', b: 'c2' })
      m.flush()
      expect(probes).toEqual([110])
      expect(answeredBy.slice(0, 7)).toEqual(['0:s', '20:s', '40:s', '60:s', '80:s', '100:s', '120:p'])
      // The last read ended at 301; the linger timer (re-armed every 50 ms while reads kept ending) ends demand at 361.
      expect(m.scheduler.now()).toBe(361)
    }),
  )

  it(
    'probes stop after lingerMs without operations, and start again with the next operation',
    marbles((m) => {
      const probes: number[] = []
      const store = new FailoverStore(
        [
          {
            name: 'c1',
            store: primary(
              m,
              probes,
              () => m.cold('#', undefined, refused()),
              () => m.cold('#', undefined, refused()),
            ),
          },
          { name: 'c2', store: new VirtualStore({ findById: m.cold('-(b|)', { b: doc('s') }) }, '/c2/table') },
        ],
        {
          timeoutMs: T,
          secondaryTimeoutMs: T2,
          scheduler: m.scheduler,
          hold: { holdsMs: [20] },
          lingerMs: 100,
          random: () => 0,
          probe: { backoff: { initialMs: 10, multiplier: 2, maxMs: 40, jitter: 0 } },
        },
      )
      m.expect(store.findById('k')).toBeObservable('-(b|)', { b: doc('s') })
      m.expect(store.findById('k'), '500ms ^').toBeObservable('501ms (b|)', { b: doc('s') })
      m.flush()
      // Demand 0 to 101: probes at the hold end (20), then after 10, 20, 40, 40 ms (the next, 130, is past 101).
      // Demand 500 to 601: the hold is over, so at once, then 510, 530, 570 (the next, 610, is past 601).
      expect(probes).toEqual([20, 30, 50, 90, 500, 510, 530, 570])
      expect(m.scheduler.now()).toBe(601)
      expect(store.cluster.name).toBe('c2')
    }),
  )

  it('the bound of this spec: a timeline whose timers never stop fails instead of hanging', () => {
    const endless = marbles((m) => {
      const tick = (): void => void m.scheduler.schedule(tick, 1000)
      tick()
    }, 10_000)
    expect(endless).toThrow('virtual time ran past 10000 ms')
  })
})
