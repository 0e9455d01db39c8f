/**
 * Maintenance controls (cluster-state.ts, routing.ts, failover-store.ts): pin, drain, release.
 * Marble specs for the timing rules (pin during an outage, pin then the pinned cluster fails,
 * release then failback), the routing rules (a drained cluster gets no traffic, a released one
 * none until its own probe succeeds, checked in the virtual stores' call logs), the errors, and
 * one check over real gateways.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { marbles } from 'rxjs-marbles'
import type { Context } from 'rxjs-marbles'
import { map } from 'rxjs'
import {
  DEFAULT_PROBE_ID,
  FailoverStore,
  UnknownClusterError,
  type ClusterStatus,
  type FailoverStoreEvent,
  type FailoverStoreOptions,
} from '../../lib/failover/index.js'
import type { OjaiGateway } from '../../lib/gateway/index.js'
import { ClosedError, InvalidArgumentError, InvalidOptionsError, UnavailableError } from '../../lib/ojai/errors.js'
import { doc, idWithAffinity, outcome, refused, setup, T, T2 } from './helpers.js'
import { open, result, seed, startGateways, until, type Recorded } from './gateways.js'
import { VirtualStore } from './virtual-store.js'

// timeoutMs 10 (T), secondaryTimeoutMs 30 (T2); one dash is 1 ms.

/** Every status `cluster$` emits until close, as `name/reason/routing@time`, e.g. `c2/operator/pinned@5`. */
function statuses(m: Context, store: FailoverStore): string[] {
  const seen: string[] = []
  store.cluster$
    .pipe(map((s: ClusterStatus) => `${s.name}/${s.reason}/${s.routing.kind}@${m.scheduler.now()}`))
    .subscribe((s) => seen.push(s))
  return seen
}

/** The events, without stalls, as `type@at` (`failover@10`). */
function timeline(events: readonly FailoverStoreEvent[]): string[] {
  return events.filter((e) => e.type !== 'stall').map((e) => `${e.type}@${e.at}`)
}

/** A store whose clusters answer pings and probe reads at once, counting the pings. */
function probed(m: Context, options: FailoverStoreOptions & { count?: number } = {}) {
  const pings: number[] = []
  const count = options.count ?? 2
  const s = setup(m, {
    ...options,
    pings: Array.from({ length: count }, (_, i) => () => (pings.push(i), m.cold('(p|)', { p: undefined }))),
  })
  return { ...s, pings }
}

describe('pin', () => {
  it(
    'during an outage: held on the secondary, no probe and no failback while pinned; release probes at once and fails back',
    marbles((m) => {
      const { store, stores, events, pings } = probed(m, { hold: { holdsMs: [20] }, lingerMs: 1000 })
      // The primary refuses once (at 0), answers afterwards; the secondary answers.
      const attempts = [m.cold('#', undefined, refused())]
      stores[0]!.on('findById', () => attempts.shift() ?? m.cold('(a|)', { a: null }))
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      store.findById('k').subscribe()
      m.scheduler.schedule(() => store.pin('c2', { reason: 'patching c1' }), 5)
      // Operations keep the store busy (probes run only then); c1's hold ends at 20.
      for (const at of [10, 25, 40, 55]) m.scheduler.schedule(() => void store.findById('k').subscribe(), at)
      m.scheduler.schedule(() => store.release(), 60)
      const seen = statuses(m, store)
      m.flush()
      expect(seen).toEqual([
        'c1/initial/automatic@0',
        'c2/failover/automatic@0',
        'c2/failover/pinned@5',
        'c2/failover/automatic@60',
        'c1/failback/automatic@60',
      ])
      expect(timeline(events)).toEqual(['failover@0', 'rerouted@0', 'pinned@5', 'released@60', 'probe-ok@60', 'failback@60'])
      // Probed only after the release: never while drained.
      expect(pings).toEqual([0])
      expect(stores[0]!.count('findById')).toBe(2) // the first refused attempt, then the probe read
      const pinned = events.find((e) => e.type === 'pinned')
      expect(pinned).toMatchObject({ cluster: 'c2', to: 'c2', operation: 'operator', reason: 'patching c1' })
      expect(events.find((e) => e.type === 'released')).toMatchObject({
        cluster: 'c2',
        elapsedMs: 55,
        released: { kind: 'pinned', cluster: 'c2', since: 5, reason: 'patching c1' },
      })
    }),
  )

  it(
    'moves the active cluster at once (one pinned event, reason operator) and every operation starts there',
    marbles((m) => {
      const { store, stores, events } = setup(m)
      stores[0]!.on('findById', m.cold('(a|)', { a: doc('p') }))
      stores[1]!.on('findById', m.cold('-(b|)', { b: doc('s') }))
      m.scheduler.schedule(() => store.pin('c2'), 3)
      m.expect(outcome(store.findById('k'))).toBeObservable('(a|)', { a: doc('p') })
      m.expect(outcome(store.findById('k')), '4ms ^').toBeObservable('4ms -(b|)', { b: doc('s') })
      const seen = statuses(m, store)
      m.flush()
      expect(seen).toEqual(['c1/initial/automatic@0', 'c2/operator/pinned@3'])
      expect(timeline(events)).toEqual(['pinned@3'])
      expect(store.cluster).toMatchObject({ name: 'c2', since: 3, routing: { kind: 'pinned', cluster: 'c2', since: 3 } })
      expect(store.cluster.routing).not.toHaveProperty('reason')
    }),
  )

  it(
    'then the pinned cluster times out: the operation waits on it up to secondaryTimeoutMs and fails; no failover, the drained cluster never asked',
    marbles((m) => {
      const { store, stores, events } = setup(m)
      stores[0]!.on('findById', m.cold('(a|)', { a: doc('p') }))
      stores[1]!.on('findById', m.cold('-'))
      store.pin('c2')
      m.expect(outcome(store.findById('k'))).toBeObservable(`${T2}ms (e|)`, { e: 'error:TIMEOUT' })
      const seen = statuses(m, store)
      m.flush()
      expect(seen).toEqual(['c2/operator/pinned@0'])
      expect(stores[0]!.count('findById')).toBe(0)
      expect(timeline(events)).toEqual(['pinned@0', `timeout@${T}`, `gave-up@${T2}`])
    }),
  )

  it(
    'then the pinned cluster refuses: the operation fails at once, the active cluster stays, later operations still go there',
    marbles((m) => {
      const { store, stores, events } = setup(m)
      stores[0]!.on('findById', m.cold('(a|)', { a: doc('p') }))
      stores[1]!.on('findById', m.cold('-#', undefined, refused()))
      store.pin('c2')
      m.expect(outcome(store.findById('k'))).toBeObservable('-(e|)', { e: 'error:UNAVAILABLE' })
      m.expect(outcome(store.findById('k')), '5ms ^').toBeObservable('5ms -(e|)', { e: 'error:UNAVAILABLE' })
      m.flush()
      expect(store.cluster.name).toBe('c2')
      expect(store.cluster.routing.kind).toBe('pinned')
      expect(stores[0]!.count('findById')).toBe(0)
      expect(timeline(events).filter((e) => e.startsWith('failover'))).toEqual([])
    }),
  )

  it(
    'no hedge to a drained cluster',
    marbles((m) => {
      const { store, stores, events } = setup(m, { hedge: { delayMs: 2 } })
      stores[0]!.on('findById', m.cold('----(a|)', { a: doc('p') }))
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      store.pin('c1')
      m.expect(store.findById('k')).toBeObservable('----(a|)', { a: doc('p') })
      m.flush()
      expect(stores[1]!.count('findById')).toBe(0)
      expect(timeline(events)).toEqual(['pinned@0'])
    }),
  )

  it(
    'primary-only operations while the primary is drained fail at once with an unsent UnavailableError; current-only ones go to the active cluster',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('findById', m.cold('(a|)', { a: doc('p') }))
      stores[1]!.on('findById', m.cold('-(b|)', { b: doc('s') }))
      store.pin('c2', { reason: 'upgrade' })
      const refusedOp = { error: undefined as unknown }
      store.findById('k', { strategy: 'primary-only' }).subscribe({ error: (e: unknown) => (refusedOp.error = e) })
      m.expect(outcome(store.findById('k', { strategy: 'current-only' }))).toBeObservable('-(b|)', { b: doc('s') })
      m.flush()
      expect(refusedOp.error).toBeInstanceOf(UnavailableError)
      expect(refusedOp.error).toMatchObject({ unsent: true, message: expect.stringContaining('drained for maintenance (upgrade)') })
      expect(stores[0]!.count('findById')).toBe(0)
      // The refusal is not a fault of the primary.
      expect(store.stats()).toMatchObject({ failovers: 0 })
    }),
  )
})

describe('drain', () => {
  it(
    'the active cluster moves off the drained one at once; release brings it back through a probe',
    marbles((m) => {
      const { store, stores, events } = probed(m)
      stores[0]!.on('findById', m.cold('(a|)', { a: null }))
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      m.scheduler.schedule(() => store.drain('c1', { reason: 'disk swap' }), 2)
      m.scheduler.schedule(() => void store.findById('k').subscribe(), 4)
      m.scheduler.schedule(() => store.release(), 8)
      const seen = statuses(m, store)
      m.flush()
      expect(seen).toEqual(['c1/initial/automatic@0', 'c2/operator/drained@2', 'c2/operator/automatic@8', 'c1/failback/automatic@8'])
      expect(timeline(events)).toEqual(['drained@2', 'released@8', 'probe-ok@8', 'failback@8'])
      expect(events[0]).toMatchObject({ type: 'drained', cluster: 'c1', to: 'c2', drained: ['c1'], reason: 'disk swap' })
    }),
  )

  it(
    'after release, the failback to the recovered primary takes the usual ramp',
    marbles((m) => {
      const { store, stores } = probed(m, { random: () => 0.5, failback: { rampMs: 30, shares: [0.25, 1] } })
      stores[0]!.on('findById', m.cold('(a|)', { a: doc('p') }))
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      // A document whose place in the ramp is over the first step's 25 % share.
      const id = idWithAffinity(0.5, 0.25, 1)
      m.scheduler.schedule(() => store.drain('c1'), 2)
      m.scheduler.schedule(() => void store.findById(id).subscribe(), 4)
      m.scheduler.schedule(() => store.release(), 8)
      // Failed back at 8; in the first half of the ramp the document stays on c2.
      m.expect(store.findById(id), '9ms ^').toBeObservable('9ms (b|)', { b: doc('s') })
      // In the second half the share is 100 %: c1.
      m.expect(store.findById(id), '30ms ^').toBeObservable('30ms (a|)', { a: doc('p') })
      m.flush()
      expect(store.cluster).toMatchObject({ name: 'c1', reason: 'failback', since: 8 })
    }),
  )

  it(
    'with three clusters: routing stays automatic among the others, never to the drained one',
    marbles((m) => {
      const { store, stores, events } = setup(m, { count: 3 })
      stores[0]!.on('findById', m.cold('(a|)', { a: doc('p') }))
      stores[1]!.on('findById', m.cold('-#', undefined, refused()))
      stores[2]!.on('findById', m.cold('-(c|)', { c: doc('3') }))
      store.drain('c1')
      m.expect(outcome(store.findById('k'))).toBeObservable('--(c|)', { c: doc('3') })
      const seen = statuses(m, store)
      m.flush()
      expect(seen).toEqual(['c2/operator/drained@0', 'c3/failover/drained@1'])
      expect(stores[0]!.count('findById')).toBe(0)
      expect(timeline(events)).toEqual(['drained@0', 'failover@1', 'rerouted@1'])
    }),
  )

  it(
    'drain of a cluster not active: the active one stays, and a failure of it does not move to the drained one',
    marbles((m) => {
      const { store, stores, events } = setup(m)
      stores[0]!.on('findById', m.cold('---#', undefined, refused()))
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      store.drain(['c2'])
      m.expect(outcome(store.findById('k'))).toBeObservable('---(e|)', { e: 'error:UNAVAILABLE' })
      m.flush()
      expect(stores[1]!.count('findById')).toBe(0)
      expect(store.cluster).toMatchObject({ name: 'c1', reason: 'initial', routing: { kind: 'drained', clusters: ['c2'] } })
      expect(timeline(events)).toEqual(['drained@0', 'gave-up@3'])
    }),
  )

  it(
    'a later pin replaces a drain; release does nothing under automatic routing',
    marbles((m) => {
      const { store, events } = setup(m, { count: 3 })
      store.drain('c1')
      store.pin('c3')
      expect(store.cluster).toMatchObject({ name: 'c3', routing: { kind: 'pinned', cluster: 'c3' } })
      store.release()
      store.release()
      expect(store.cluster.routing).toEqual({ kind: 'automatic' })
      m.flush()
      expect(timeline(events)).toEqual(['drained@0', 'pinned@0', 'released@0'])
    }),
  )
})

describe('release: a released cluster awaits its own probe; until it succeeds no operation goes there (three clusters and two)', () => {
  /**
   * Logs every findById that reaches cluster `i` as `key@time` (`probe@t` for a probe's read), and
   * answers it with `answer` (a function of the time: a black hole can heal).
   */
  function logged(m: Context, stores: readonly VirtualStore[], i: number, answer: (now: number) => string = () => '(x|)'): string[] {
    const log: string[] = []
    stores[i]!.on('findById', (id: unknown) => {
      const now = m.scheduler.now()
      log.push(`${id === DEFAULT_PROBE_ID ? 'probe' : String(id)}@${now}`)
      return m.cold(answer(now), { x: doc(`c${i + 1}`) })
    })
    return log
  }

  /** Probe-ok and probe-failed events as `type:cluster@at`. */
  const probes = (events: readonly FailoverStoreEvent[]) =>
    events.filter((e) => e.type === 'probe-ok' || e.type === 'probe-failed').map((e) => `${e.type}:${e.cluster}@${e.at}`)

  const readsAt = (m: Context, store: FailoverStore, times: readonly number[]) => {
    for (const at of times) m.scheduler.schedule(() => void store.findById('k').subscribe({ error: () => undefined }), at)
  }

  it(
    "c1 healthy but probed later than c3: no failback on c3's probe-ok; the failback to c1 comes with c1's own probe, and no read reaches c1 before it",
    marbles((m) => {
      const ping = (marble: string) => () => m.cold(marble, { p: undefined })
      const { store, stores, events } = setup(m, {
        count: 3,
        lingerMs: 1000,
        probe: { timeoutMs: 100 },
        // c1's ping answers after 20 ms, c3's at once (c2 is active and not probed).
        pings: [ping('--------------------(p|)'), ping('(p|)'), ping('(p|)')],
      })
      const [c1, c2, c3] = [0, 1, 2].map((i) => logged(m, stores, i)) as [string[], string[], string[]]
      store.pin('c2')
      const seen = statuses(m, store)
      readsAt(m, store, [1, 12, 17, 22, 27, 32, 37])
      m.scheduler.schedule(() => store.release(), 10)
      m.flush()
      expect(probes(events)).toEqual(['probe-ok:c3@10', 'probe-ok:c1@30'])
      expect(seen).toEqual(['c2/operator/pinned@0', 'c2/operator/automatic@10', 'c1/failback/automatic@30'])
      expect(timeline(events)).toEqual(['pinned@0', 'released@10', 'probe-ok@10', 'probe-ok@30', 'failback@30'])
      // c1's call log: its probe first, the reads only after it.
      expect(c1).toEqual(['probe@30', 'k@32', 'k@37'])
      expect(c2).toEqual(['k@1', 'k@12', 'k@17', 'k@22', 'k@27'])
      expect(c3).toEqual(['probe@10'])
    }),
  )

  it(
    'c1 black-holed at release: its probes time out, every read stays on c2 (none reaches c1) until c1 heals and its probe succeeds',
    marbles((m) => {
      const HEAL = 70
      const { store, stores, events } = setup(m, {
        count: 3,
        lingerMs: 1000,
        probe: { timeoutMs: 20, backoff: { initialMs: 10, multiplier: 2, jitter: 0 } },
        pings: [() => m.cold(m.scheduler.now() < HEAL ? '-' : '(p|)', { p: undefined }), undefined, () => m.cold('(p|)', { p: undefined })],
      })
      const c1 = logged(m, stores, 0, (now) => (now < HEAL ? '-' : '(x|)'))
      const c2 = logged(m, stores, 1)
      const c3 = logged(m, stores, 2)
      store.pin('c2')
      const reads = Array.from({ length: 18 }, (_, i) => 1 + 5 * i) // 1, 6 … 86
      readsAt(m, store, reads)
      m.scheduler.schedule(() => store.release(), 10)
      m.flush()
      // c1's probes at 10 and 40 time out after 20 ms; the third, at 80 after the heal, succeeds.
      expect(probes(events)).toEqual(['probe-ok:c3@10', 'probe-failed:c1@30', 'probe-failed:c1@60', 'probe-ok:c1@80'])
      expect(events.filter((e) => e.type === 'failback')).toMatchObject([{ cluster: 'c2', to: 'c1', at: 80 }])
      expect(c1).toEqual(['probe@80', 'k@81', 'k@86'])
      expect(c2).toEqual(reads.filter((t) => t < 80).map((t) => `k@${t}`))
      expect(c3).toEqual(['probe@10'])
      expect(timeline(events).filter((e) => e.startsWith('timeout') || e.startsWith('failover') || e.startsWith('gave-up'))).toEqual([])
    }),
  )

  it(
    'an operation that fails on the active cluster does not move on to a cluster awaiting its probe: with c3 down and c1 unprobed it fails where it is',
    marbles((m) => {
      const { store, stores, events } = setup(m, {
        count: 3,
        lingerMs: 1000,
        probe: { timeoutMs: 20, backoff: { initialMs: 100, jitter: 0 } },
        // c1 black-holed (its probe never answers), c3 refuses its probe.
        pings: [() => m.cold('-'), undefined, () => m.cold('#', undefined, refused())],
      })
      const c1 = logged(m, stores, 0, () => '-')
      stores[1]!.on('findById', m.cold('-#', undefined, refused()))
      store.pin('c2')
      readsAt(m, store, [1])
      m.scheduler.schedule(() => store.release(), 10)
      m.expect(outcome(store.findById('k')), '15ms ^').toBeObservable('15ms -(e|)', { e: 'error:UNAVAILABLE' })
      m.flush()
      expect(probes(events).slice(0, 2)).toEqual(['probe-failed:c3@10', 'probe-failed:c1@30'])
      expect(c1).toEqual([])
      expect(store.cluster).toMatchObject({ name: 'c2', routing: { kind: 'automatic' } })
      expect(events.filter((e) => e.type === 'rerouted' || e.type === 'failover')).toEqual([])
    }),
  )

  it(
    'with two clusters: a failure on the active cluster while the released one awaits its probe does not move there either',
    marbles((m) => {
      const { store, stores, events } = setup(m, {
        lingerMs: 1000,
        probe: { timeoutMs: 100 },
        pings: [() => m.cold('----------(p|)', { p: undefined })],
      })
      const c1 = logged(m, stores, 0)
      stores[1]!.on('findById', m.cold('-#', undefined, refused()))
      store.pin('c2')
      readsAt(m, store, [0])
      m.scheduler.schedule(() => store.release(), 2)
      m.expect(outcome(store.findById('k')), '5ms ^').toBeObservable('5ms -(e|)', { e: 'error:UNAVAILABLE' })
      // After c1's probe (at 12) the store fails back to it: the next read goes there.
      m.expect(outcome(store.findById('k')), '20ms ^').toBeObservable('20ms (x|)', { x: doc('c1') })
      m.flush()
      expect(c1).toEqual(['probe@12', 'k@20'])
      // c2, left down by its refusals, is probed once no longer active (and refuses again).
      expect(timeline(events)).toEqual([
        'pinned@0',
        'gave-up@1',
        'released@2',
        'gave-up@6',
        'probe-ok@12',
        'failback@12',
        'probe-failed@13',
      ])
    }),
  )

  it(
    'a later drain that leaves a drained cluster out is a release of it: it awaits its own probe before any operation goes there',
    marbles((m) => {
      const { store, stores, events } = setup(m, {
        count: 3,
        lingerMs: 1000,
        probe: { timeoutMs: 100 },
        pings: [undefined, undefined, () => m.cold('----------(p|)', { p: undefined })],
      })
      const c3 = logged(m, stores, 2)
      stores[1]!.on('findById', m.cold('-#', undefined, refused()))
      store.drain(['c1', 'c3'])
      readsAt(m, store, [1])
      m.scheduler.schedule(() => store.drain('c1'), 5)
      // c3 awaits its probe (answers at 15): the read failing on c2 at 8 has nowhere to go…
      m.expect(outcome(store.findById('k')), '7ms ^').toBeObservable('7ms -(e|)', { e: 'error:UNAVAILABLE' })
      // …the one failing at 18 moves on to c3.
      m.expect(outcome(store.findById('k')), '17ms ^').toBeObservable('17ms -(x|)', { x: doc('c3') })
      m.flush()
      expect(stores[0]!.count('findById')).toBe(0)
      expect(c3).toEqual(['probe@15', 'k@18'])
      expect(probes(events)).toEqual(['probe-ok:c3@15'])
      expect(store.cluster).toMatchObject({ name: 'c3', reason: 'failover', routing: { kind: 'drained', clusters: ['c1'] } })
    }),
  )

  it(
    'new operations that avoid a silent active cluster do not start on a cluster awaiting its probe either',
    marbles((m) => {
      const { store, stores, events } = setup(m, {
        count: 3,
        lingerMs: 1000,
        // Suspicion after 1 answer learned, within 2-5 ms; heartbeat every 1 ms.
        silence: { minSamples: 1, floorMs: 2, ceilingMs: 5 },
        stall: { tickMs: 1, thresholdMs: 50 },
        probe: { timeoutMs: 100 },
        // c1 black-holed; c3's probe answers at 30.
        pings: [() => m.cold('-'), undefined, () => m.cold('----------------------------(p|)', { p: undefined })],
      })
      const c1 = logged(m, stores, 0, () => '-')
      // c2 answers in 1 ms until 4, then falls silent.
      const c2 = logged(m, stores, 1, (now) => (now < 4 ? '-(x|)' : '-'))
      const c3 = logged(m, stores, 2)
      store.pin('c2')
      readsAt(m, store, [0, 5, 12, 14, 35])
      m.scheduler.schedule(() => store.release(), 2)
      m.flush()
      expect(events.filter((e) => e.type === 'silent').map((e) => `${e.cluster}@${e.at}`)).toEqual(['c2@9'])
      // Silent at 9 (and probed then), c2 still gets the reads of 12 and 14: no other cluster is open.
      expect(c2.slice(0, 5)).toEqual(['k@0', 'k@5', 'probe@9', 'k@12', 'k@14'])
      // None reaches c1; c3 gets its first read only after its probe-ok at 30.
      expect(c1).toEqual([])
      expect(c3[0]).toBe('probe@30')
      expect(c3.slice(1).every((k) => k.startsWith('k@') && Number(k.slice(2)) >= 30)).toBe(true)
      expect(c3.length).toBeGreaterThan(1)
    }),
  )

  it(
    'a pin to a cluster awaiting its probe opens it at once: the operator decides',
    marbles((m) => {
      const { store, stores, events } = setup(m, { lingerMs: 1000, probe: { timeoutMs: 100 }, pings: [() => m.cold('-')] })
      const c1 = logged(m, stores, 0)
      logged(m, stores, 1)
      store.pin('c2')
      readsAt(m, store, [1])
      m.scheduler.schedule(() => store.release(), 2)
      m.scheduler.schedule(() => store.pin('c1'), 5)
      m.expect(store.findById('k'), '6ms ^').toBeObservable('6ms (x|)', { x: doc('c1') })
      m.flush()
      expect(c1).toEqual(['k@6'])
      expect(timeline(events)).toEqual(['pinned@0', 'released@2', 'pinned@5'])
    }),
  )
})

describe('maintenance calls: bad input and a closed store', () => {
  const build = () =>
    new FailoverStore([
      { name: 'east', store: new VirtualStore() },
      { name: 'west', store: new VirtualStore() },
    ])

  it('an unknown name throws UnknownClusterError listing the known names, and nothing changes', () => {
    const store = build()
    const events: string[] = []
    store.events$.subscribe((e) => events.push(e.type))
    expect(() => store.pin('north')).toThrow(UnknownClusterError)
    expect(() => store.pin('north')).toThrow('unknown cluster "north"; the clusters of this store are "east", "west"')
    expect(() => store.drain(['west', 'south'])).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_CLUSTER', cluster: 'south', known: ['east', 'west'] }),
    )
    expect(() => store.pin(3 as never)).toThrow(UnknownClusterError)
    expect(store.cluster).toMatchObject({ name: 'east', routing: { kind: 'automatic' } })
    expect(events).toEqual([])
    void store.close()
  })

  it.each<[string, (s: FailoverStore) => void, new (...args: never[]) => Error, string]>([
    [
      'draining every cluster',
      (s) => s.drain(['east', 'west']),
      InvalidArgumentError,
      'drain would leave no cluster to serve (east, west)',
    ],
    ['draining nothing', (s) => s.drain([]), InvalidArgumentError, 'drain needs a cluster name or a non-empty array of names'],
    [
      'an unknown option',
      (s) => s.pin('west', { why: 'x' } as never),
      InvalidOptionsError,
      'maintenance options: unknown option "why" (known options: reason)',
    ],
    [
      'a reason that is not a string',
      (s) => s.pin('west', { reason: 5 } as never),
      InvalidOptionsError,
      'reason must be a string of at most 200 characters; got 5',
    ],
    [
      'a reason too long',
      (s) => s.drain('west', { reason: 'x'.repeat(201) }),
      InvalidOptionsError,
      'reason must be a string of at most 200 characters',
    ],
  ])('%s throws a typed error and changes nothing', (_, call, type, message) => {
    const store = build()
    expect(() => call(store)).toThrow(type)
    expect(() => call(store)).toThrow(message)
    expect(store.cluster).toMatchObject({ name: 'east', routing: { kind: 'automatic' } })
    void store.close()
  })

  it('after close(): pin, drain and release throw ClosedError', async () => {
    const store = build()
    await store.close()
    expect(() => store.pin('west')).toThrow(ClosedError)
    expect(() => store.drain('east')).toThrow(ClosedError)
    expect(() => store.release()).toThrow(ClosedError)
  })
})

describe('pin and release over real gateways', () => {
  let gateways: OjaiGateway[] = []
  let r: Recorded | undefined
  afterEach(async () => {
    await r?.store.close({ graceMs: 0 })
    r = undefined
    await Promise.all(gateways.map((g) => g.close()))
  })

  it('pin sends every operation to the secondary; after release a probe of the primary fails back to it', async () => {
    gateways = await startGateways()
    const [primary, secondary] = gateways as [OjaiGateway, OjaiGateway]
    await seed(primary, [{ _id: 'k', on: 'primary' }])
    await seed(secondary, [{ _id: 'k', on: 'secondary' }])
    r = open([primary.address, secondary.address], { probe: { backoff: { initialMs: 20, jitter: 0 } } })
    const store = r.store
    expect(await result(store.findById('k'))).toMatchObject({ on: 'primary' })
    const before = primary.stats().requests.FindById ?? 0
    store.pin('secondary', { reason: 'maintenance' })
    for (let i = 0; i < 5; i++) expect(await result(store.findById('k'))).toMatchObject({ on: 'secondary' })
    expect(primary.stats().requests.FindById ?? 0, 'the drained primary got no reads').toBe(before)
    store.release()
    await until(() => store.cluster.name === 'primary', 5000, 'failback to the primary after release')
    expect(await result(store.findById('k'))).toMatchObject({ on: 'primary' })
    expect(r.types()).toEqual(['pinned', 'released', 'probe-ok', 'failback'])
  })
})
