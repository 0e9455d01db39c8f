/**
 * testFailoverStore: a FailoverStore over fake stores whose timelines are exact (no jitter, no
 * failback ramp) and whose marble tests end without close(), on rxjs-marbles' own runner and on a
 * runner that fails when virtual time never stops.
 */
import { map } from 'rxjs'
import { marbles } from 'rxjs-marbles'
import { describe, expect, it } from 'vitest'
import { DEFAULT_PROBE_ID, FailoverStore, InvalidOptionsError, type FailoverStoreEvent } from '../../lib/index.js'
import { fakeStore, marble, testFailoverStore, TEST_DEFAULTS } from '../../lib/testing/index.js'
import { marbles as boundedMarbles } from '../failover/stall-scheduler.js'

const ada = { _id: 'u1', name: 'Ada' }

describe('testFailoverStore', () => {
  it(
    'fails over right after timeoutMs, and the log shows the abandoned attempt cancelled then',
    marbles((m) => {
      const primary = fakeStore({ findById: '-' })
      const secondary = fakeStore({ findById: marble('--(a|)', { a: ada }) })
      const store = testFailoverStore({ primary, secondary })
      m.expect(store.findById('u1')).toBeObservable('500ms --(a|)', { a: ada })
      m.expect(store.cluster$.pipe(map((c) => c.name))).toBeObservable('p 499ms s', { p: 'primary', s: 'secondary' })
      m.flush()
      expect(primary.callsOf('findById')[0]).toMatchObject({ args: ['u1', undefined], subscribedAt: 0, endedAt: 500, ending: 'cancelled' })
      expect(secondary.callsOf('findById')[0]).toMatchObject({
        args: ['u1', undefined],
        subscribedAt: 500,
        endedAt: 502,
        ending: 'completed',
      })
      expect(store.closed).toBe(false)
    }),
  )

  it(
    'ends without close(): probes stop a linger after the last operation, at exact times (no jitter)',
    boundedMarbles((m) => {
      const primary = fakeStore({ findById: '-' })
      const store = testFailoverStore({ primary, secondary: fakeStore({ findById: marble('--(a|)', { a: ada }) }) })
      store.findById('u1').subscribe()
      m.flush()
      // Failover at 500, held 20 s exactly; each probe times out after 500 ms, the next comes 1 s,
      // 2 s, 4 s, 8 s, 16 s later; the one after (32 s) would come after the linger (60 s after
      // the operation ended at 502), so none is made, and the scheduler runs out of work.
      const probes = primary.callsOf('findById').filter((c) => c.args[0] === DEFAULT_PROBE_ID)
      expect(probes.map((c) => c.subscribedAt)).toEqual([20_500, 22_000, 24_500, 29_000, 37_500, 54_000])
      expect(probes.every((c) => c.ending === 'cancelled' && c.endedAt === (c.subscribedAt ?? 0) + 500)).toBe(true)
      expect(store.closed).toBe(false)
    }),
  )

  it(
    'fails back at once when a probe succeeds (no ramp): every later operation goes to the primary',
    boundedMarbles((m) => {
      // The primary is silent until 10 s, then answers everything at once.
      const primary = fakeStore({ findById: () => (m.scheduler.now() < 10_000 ? '-' : marble('(a|)', { a: ada })) })
      const secondary = fakeStore({ findById: marble('-(a|)', { a: ada }) })
      const store = testFailoverStore({ primary, secondary })
      const events: FailoverStoreEvent['type'][] = []
      store.events$.subscribe((e) => events.push(e.type))
      m.expect(store.cluster$.pipe(map((c) => `${c.name}`))).toBeObservable('p 499ms s 19999ms p', { p: 'primary', s: 'secondary' })
      store.findById('u1').subscribe()
      // Operations every 10 s keep the store in demand; those after the failback run on the primary.
      for (const at of [10_000, 20_000, 30_000]) m.scheduler.schedule(() => store.findById('u1').subscribe(), at)
      m.flush()
      expect(events).toEqual(['timeout', 'failover', 'rerouted', 'probe-ok', 'failback'])
      expect(primary.callsOf('findById').map((c) => [c.args[0], c.subscribedAt])).toEqual([
        ['u1', 0],
        [DEFAULT_PROBE_ID, 20_500],
        ['u1', 30_000],
      ])
      expect(secondary.callsOf('findById').map((c) => c.subscribedAt)).toEqual([500, 10_000, 20_000])
    }),
  )

  it(
    'options win over the test defaults',
    boundedMarbles((m) => {
      const primary = fakeStore({ findById: '-' })
      const store = testFailoverStore(
        { primary, secondary: fakeStore({ findById: marble('-(a|)', { a: ada }) }) },
        { timeoutMs: 100, random: () => 0.5 },
      )
      m.expect(store.findById('u1')).toBeObservable('100ms -(a|)', { a: ada })
      m.flush()
      // Failover at 100; the 20 s hold less half its 10 % jitter: 19 s.
      expect(primary.callsOf('findById').find((c) => c.args[0] === DEFAULT_PROBE_ID)?.subscribedAt).toBe(19_100)
      expect(TEST_DEFAULTS).toEqual({ random: expect.any(Function), failback: false })
    }),
  )
})

describe('testFailoverStore with bad input', () => {
  it.each([
    [[fakeStore(), fakeStore()], /takes its clusters as an object/],
    [{ only: fakeStore() }, /at least 2 clusters, got 1/],
    [{ a: fakeStore(), b: 42 }, /cluster b must be a Store \(e.g. fakeStore\(…\)\) or \{ store, ping\? \}, got number/],
    [{ a: fakeStore(), b: { ping: () => null } }, /cluster b has no store/],
  ])('%#: throws InvalidOptionsError', (clusters, message) => {
    expect(() => testFailoverStore(clusters as never)).toThrow(InvalidOptionsError)
    expect(() => testFailoverStore(clusters as never)).toThrow(message)
  })

  it('passes { store, ping } through, and is a FailoverStore', () => {
    const store = testFailoverStore({ a: { store: fakeStore(), ping: () => fakeStore().delete('x') }, b: fakeStore() })
    expect(store).toBeInstanceOf(FailoverStore)
    expect(store.toJSON().clusters).toEqual(['a', 'b'])
    store.close()
  })
})
