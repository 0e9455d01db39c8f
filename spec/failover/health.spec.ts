/**
 * Health of every cluster (health.ts): up / suspect / down from the outcomes of operations and
 * probes, with the hold of a cluster the active one moved away from.
 */
import { describe, expect, it } from 'vitest'
import { marbles } from 'rxjs-marbles'
import { HealthBook, type ClusterHealth, type Outcome } from '../../lib/failover/health.js'
import { DEFAULT_PROBE_ID } from '../../lib/failover/index.js'
import { doc, refused, setup, states } from './helpers.js'
import { marbles as stallMarbles } from './stall-scheduler.js'

const ANSWERED: Outcome = { kind: 'answered' }
const TIMED_OUT: Outcome = { kind: 'timed-out', why: 'TIMEOUT' }
const FAILED: Outcome = { kind: 'failed', why: 'UNAVAILABLE' }

/** A book over c1, c2 with c1 brought to `state` at time 1. */
function bookWith(state: ClusterHealth['state']): HealthBook {
  const book = new HealthBook(['c1', 'c2'], 0)
  if (state === 'suspect') book.record(0, TIMED_OUT, 1)
  if (state === 'down') book.record(0, FAILED, 1)
  return book
}

describe('HealthBook', () => {
  it('starts with every cluster up since construction, and replays that view', () => {
    const book = new HealthBook(['c1', 'c2'], 7)
    const seen: (readonly ClusterHealth[])[] = []
    book.health$.subscribe((v) => seen.push(v))
    expect(seen).toEqual([
      [
        { state: 'up', name: 'c1', since: 7 },
        { state: 'up', name: 'c2', since: 7 },
      ],
    ])
  })

  it.each<[ClusterHealth['state'], Outcome, ClusterHealth['state'] | 'unchanged']>([
    ['up', ANSWERED, 'unchanged'],
    ['up', TIMED_OUT, 'suspect'],
    ['up', FAILED, 'down'],
    ['suspect', ANSWERED, 'up'],
    ['suspect', TIMED_OUT, 'unchanged'],
    ['suspect', FAILED, 'down'],
    ['down', ANSWERED, 'up'],
    ['down', TIMED_OUT, 'unchanged'], // a timeout says nothing new about a cluster known down
    ['down', FAILED, 'unchanged'],
  ])('%s + %j: %s', (from, outcome, to) => {
    const book = bookWith(from)
    const emitted: unknown[] = []
    book.health$.subscribe((v) => emitted.push(v))
    const changed = book.record(0, outcome, 5)
    expect(changed).toBe(to !== 'unchanged')
    expect(emitted).toHaveLength(to === 'unchanged' ? 1 : 2)
    const h = book.of(0)
    if (to === 'unchanged') expect(h.state).toBe(from)
    else {
      expect(h).toMatchObject({ state: to, since: 5 })
      if (outcome.kind !== 'answered') expect(h).toMatchObject({ why: outcome.why })
    }
    expect(book.of(1)).toEqual({ state: 'up', name: 'c2', since: 0 })
  })

  it('a hold survives state changes until released; holding again with the same time emits nothing', () => {
    const book = new HealthBook(['c1', 'c2'], 0)
    let emissions = 0
    book.health$.subscribe(() => emissions++)
    book.hold(0, 100)
    book.hold(0, 100)
    book.record(0, TIMED_OUT, 1)
    book.record(0, FAILED, 2)
    book.record(0, ANSWERED, 3)
    expect(book.of(0)).toEqual({ state: 'up', name: 'c1', since: 3, holdUntil: 100 })
    book.hold(0, undefined)
    expect(book.of(0)).toEqual({ state: 'up', name: 'c1', since: 3 })
    expect(emissions).toBe(1 + 4 + 1)
  })

  it('complete() completes health$', () => {
    const book = new HealthBook(['c1', 'c2'], 0)
    let completed = false
    book.health$.subscribe({ complete: () => (completed = true) })
    book.complete()
    expect(completed).toBe(true)
  })
})

describe('health$ of a FailoverStore', () => {
  const OPTIONS = { hold: { holdsMs: [100] }, probe: { backoff: { initialMs: 10, jitter: 0 } }, closeAt: 200 }

  it(
    'timeout: suspect, then held by the failover; a good probe at the hold end: up, the hold released (failback)',
    marbles((m) => {
      const { store, stores } = setup(m, OPTIONS)
      stores[0]!.on('findById', (id: unknown) => (id === DEFAULT_PROBE_ID ? m.cold('(n|)', { n: null }) : m.cold('-')))
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      store.findById('k').subscribe()
      m.expect(states(store)).toBeObservable('a 9ms (bc) 96ms (de) 86ms |', {
        a: 'up up',
        b: 'suspect up',
        c: 'suspect/held up',
        d: 'up/held up',
        e: 'up up',
      })
      m.scheduler.schedule(() => {
        expect(store.cluster.name).toBe('c1')
        expect(store.cluster.reason).toBe('failback')
      }, 111)
    }),
  )

  it(
    'refusal: down with its reason; probes that fail keep it down; the active cluster stays up',
    marbles((m) => {
      const { store, stores } = setup(m, OPTIONS)
      stores[0]!.on('findById', m.cold('-#', undefined, refused()))
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      store.findById('k').subscribe()
      let last: readonly ClusterHealth[] = []
      store.health$.subscribe((v) => (last = v))
      m.expect(states(store)).toBeObservable('a (bc) 195ms |', { a: 'up up', b: 'down up', c: 'down/held up' })
      m.flush()
      expect(last).toEqual([
        { state: 'down', name: 'c1', since: 1, why: 'UNAVAILABLE', holdUntil: 101 },
        { state: 'up', name: 'c2', since: 0 },
      ])
      expect(store.stats().probesFailed).toBeGreaterThan(0)
    }),
  )

  it(
    'a stall during a probe does not fail it: its answer, read after the stall, counts (probe at 110, answer at 115, stall from 112 to 362)',
    stallMarbles((m) => {
      const { store, stores, events } = setup(m, { ...OPTIONS, closeAt: 500 })
      // The probe's answer is I/O: read after the timers that came due during the stall.
      stores[0]!.on('findById', (id: unknown) => (id === DEFAULT_PROBE_ID ? m.scheduler.io(m.cold('5ms (n|)', { n: null })) : m.cold('-')))
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      store.findById('k').subscribe()
      m.scheduler.stallAt(112, 250)
      m.flush()
      expect(events.map((e) => `${e.type}@${e.at}`)).toEqual([
        'timeout@10',
        'failover@10',
        'rerouted@10',
        'stall@362',
        'probe-ok@362',
        'failback@362',
      ])
      expect(store.stats()).toMatchObject({ probesFailed: 0, probesOk: 1, stalledMs: 242 })
    }),
  )
})
