/**
 * The active cluster (cluster-state.ts): it moves only when routing finds a cluster in better
 * standing, N operations failing together cause one switch, and every change emits exactly one
 * `failover` or `failback` event. Timelines use timeoutMs 10 and secondaryTimeoutMs 30.
 */
import { describe, expect, it } from 'vitest'
import { marbles } from 'rxjs-marbles'
import type { Observable } from 'rxjs'
import type { ClusterStatus, FailoverStoreEvent } from '../../lib/failover/index.js'
import { DEFAULT_FAILBACK_RAMP, DEFAULT_PROBE_ID } from '../../lib/failover/index.js'
import { CLOSE_AT, doc, idWithAffinity, names, outcome, refused, setup } from './helpers.js'

const switches = (events: readonly FailoverStoreEvent[]) =>
  events
    .filter((e) => e.type === 'failover' || e.type === 'failback')
    .map((e) => `${e.type}@${e.at}:${e.cluster}->${'to' in e ? e.to : ''}`)

describe('cluster state', () => {
  it(
    'the doc timeline: A and B time out on c1 at 10 and 11; one switch, one failover event',
    marbles((m) => {
      const { store, stores, events } = setup(m)
      stores[0]!.on('findById', m.cold('-'))
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      store.findById('A').subscribe()
      m.scheduler.schedule(() => store.findById('B').subscribe(), 1)
      m.expect(store.cluster$).toBeObservable(`a 9ms b ${CLOSE_AT - 11}ms |`, {
        a: { index: 0, name: 'c1', since: 0, reason: 'initial', routing: { kind: 'automatic' } },
        b: { index: 1, name: 'c2', since: 10, reason: 'failover', cause: 'TIMEOUT', holdUntil: 20_010, routing: { kind: 'automatic' } },
      })
      m.flush()
      expect(switches(events)).toEqual(['failover@10:c1->c2'])
      expect(events.filter((e) => e.type === 'rerouted').map((e) => e.at)).toEqual([10, 11])
    }),
  )

  it.each([
    ['an increment (cannot move after a timeout)', 'increment', 'error:TIMEOUT'],
    ['a primary-only read', 'primary-only', 'error:TIMEOUT'],
  ] as const)('finding 6: a switch caused by %s that then gave up still emits its one failover event', (_, kind, expected) =>
    marbles((m) => {
      const { store, stores, events } = setup(m)
      stores[0]!.on('increment', m.cold('-'))
      stores[0]!.on('findById', m.cold('-'))
      const call: Observable<unknown> =
        kind === 'increment' ? store.increment('k', 'n', 1) : store.findById('k', { strategy: 'primary-only' })
      m.expect(outcome(call)).toBeObservable('30ms (e|)', { e: expected })
      m.expect(names(store)).toBeObservable(`a 9ms b ${CLOSE_AT - 11}ms |`, { a: 'c1', b: 'c2' })
      m.flush()
      expect(events.map((e) => `${e.type}@${e.at}`)).toEqual(['timeout@10', 'failover@10', 'gave-up@30'])
      expect(store.stats()).toMatchObject({ failovers: 1, gaveUp: 1, reroutes: 0 })
    })(),
  )

  it(
    'no ping-pong: secondary refusing, primary slow (15 ms) on every read: after one round trip on the first read, 20 slow reads stay on the primary',
    marbles((m) => {
      const { store, stores, events } = setup(m)
      stores[0]!.on('findById', m.cold('15ms (a|)', { a: doc('p') }))
      stores[1]!.on('findById', m.cold('-#', undefined, refused()))
      const answered: string[] = []
      for (let i = 0; i < 20; i++) {
        const at = i * 30
        m.scheduler.schedule(() => store.findById('k').subscribe((d) => answered.push(`${at}->${m.scheduler.now()}:${String(d?.v)}`)), at)
      }
      // The first read: c1 slow at 10, c2 (not known down yet) refuses at 11, c1 takes it back and
      // answers the second try at 26. Every later read waits on c1 (c2 is known down): 15 ms each.
      m.expect(names(store)).toBeObservable(`a 9ms b a ${CLOSE_AT - 12}ms |`, { a: 'c1', b: 'c2' })
      m.flush()
      expect(switches(events)).toEqual(['failover@10:c1->c2', 'failover@11:c2->c1'])
      expect(answered).toEqual(['0->26:p', ...Array.from({ length: 19 }, (_, i) => `${(i + 1) * 30}->${(i + 1) * 30 + 15}:p`)])
      expect(store.stats()).toMatchObject({ failovers: 2, failbacks: 0, gaveUp: 0 })
    }),
  )

  it(
    'every change of the active cluster emits exactly one failover or failback event, matching it in time, target and reason',
    marbles((m) => {
      const { store, stores, events } = setup(m, { hold: { holdsMs: [100] }, closeAt: 500 })
      // User calls on c1: silent before 200, refused after; probes of c1 always answer.
      stores[0]!.on('findById', (id: unknown) =>
        id === DEFAULT_PROBE_ID ? m.cold('(n|)', { n: null }) : m.scheduler.now() < 200 ? m.cold('-') : m.cold('#', undefined, refused()),
      )
      stores[0]!.on('increment', m.cold('-'))
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      const statuses: ClusterStatus[] = []
      store.cluster$.subscribe((s) => statuses.push(s))
      store.findById('k').subscribe() // failover at 10, failback at 110
      m.scheduler.schedule(() => store.increment('k', 'n', 1).subscribe({ error: () => undefined }), 150) // failover at 160, gives up at 180; failback at 260
      m.scheduler.schedule(() => store.findById('k').subscribe(), 300) // failover at 300 (refused); failback at 400
      m.flush()
      const changes = statuses.slice(1).map((s) => `${s.reason}@${s.since}:->${s.name}`)
      expect(changes).toEqual([
        'failover@10:->c2',
        'failback@110:->c1',
        'failover@160:->c2',
        'failback@260:->c1',
        'failover@300:->c2',
        'failback@400:->c1',
      ])
      const emitted = events
        .filter((e) => e.type === 'failover' || e.type === 'failback')
        .map((e) => `${e.type}@${e.at}:->${'to' in e ? e.to : ''}`)
      expect(emitted).toEqual(changes)
      expect(statuses.filter((s) => s.reason === 'failover').map((s) => s.cause)).toEqual(['TIMEOUT', 'TIMEOUT', 'UNAVAILABLE'])
      expect(store.stats()).toMatchObject({ failovers: 3, failbacks: 3 })
    }),
  )

  it(
    'during a failback ramp, operations stop starting on the cluster left once it is no longer up',
    marbles((m) => {
      // Failback to c1 at 110; the ramp's first step (5 %) keeps the document on c2.
      const { store, stores } = setup(m, {
        hold: { holdsMs: [100], jitter: 0 },
        probe: { backoff: { jitter: 0 } },
        random: () => 0.5,
        failback: DEFAULT_FAILBACK_RAMP,
      })
      const id = idWithAffinity(0.5, 0.05, 1)
      stores[0]!.on('findById', (id: unknown) =>
        id === DEFAULT_PROBE_ID || m.scheduler.now() > 100 ? m.cold('(a|)', { a: doc('c1') }) : m.cold('-'),
      )
      stores[1]!.on('findById', () => (m.scheduler.now() < 150 ? m.cold('(b|)', { b: doc('c2') }) : m.cold('-')))
      store.findById(id).subscribe()
      m.expect(store.findById(id), '120ms ^').toBeObservable('120ms (b|)', { b: doc('c2') }) // the ramp at work
      // c2 black-holed from 150: the read at 200 times out there (c2 suspect) and moves to c1 ...
      m.expect(store.findById(id), '200ms ^').toBeObservable('210ms (a|)', { a: doc('c1') })
      // ... and later reads start on c1.
      m.expect(store.findById(id), '300ms ^').toBeObservable('300ms (a|)', { a: doc('c1') })
      m.expect(store.findById(id), '400ms ^').toBeObservable('400ms (a|)', { a: doc('c1') })
    }),
  )
})
