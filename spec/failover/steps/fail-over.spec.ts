/**
 * Step 3 (steps/fail-over.ts): on an availability error or timeout, move the operation on to the
 * cluster routing allows (by health and policy), limited to secondaryTimeoutMs; give up when there
 * is none. Timelines use timeoutMs 10 and secondaryTimeoutMs 30; one dash is 1 ms.
 */
import { describe, expect, it } from 'vitest'
import { marbles, type Context } from 'rxjs-marbles'
import type { Observable } from 'rxjs'
import { DocumentExistsError } from '../../../lib/ojai/errors.js'
import { DEFAULT_PROBE_ID, FailoverError } from '../../../lib/failover/index.js'
import type { FailoverStrategy } from '../../../lib/store.js'
import { captureError, CLOSE_AT, doc, names, outcome, refused, setup, unavailable } from '../helpers.js'

const A = { a: doc('p') }
const B = { b: doc('s') }

describe('fail over: the timelines of its doc', () => {
  it(
    'availability error at 3: the next cluster is subscribed at 3 and answers',
    marbles((m) => {
      const { store, stores, events } = setup(m)
      const s = m.cold('---(b|)', B)
      stores[0]!.on('findById', m.cold('---#', undefined, unavailable()))
      stores[1]!.on('findById', s)
      m.expect(store.findById('k')).toBeObservable('------(b|)', B)
      m.expect(s).toHaveSubscriptions('---^--!')
      m.flush()
      expect(events.filter((e) => e.type === 'rerouted')).toEqual([
        { type: 'rerouted', cluster: 'c1', operation: 'findById', at: 3, elapsedMs: 3, to: 'c2', reason: 'UNAVAILABLE' },
      ])
    }),
  )

  it(
    'semantic error (document exists): the same error at 3, the next cluster never asked, no switch',
    marbles((m) => {
      const { store, stores } = setup(m)
      const s = m.cold('(x|)')
      stores[0]!.on('insertOrReplace', m.cold('---#', undefined, new DocumentExistsError('exists')))
      stores[1]!.on('insertOrReplace', s)
      m.expect(outcome(store.insertOrReplace(doc('k')))).toBeObservable('---(e|)', { e: 'error:DOCUMENT_EXISTS' })
      m.expect(s).toHaveSubscriptions([])
      m.expect(names(store)).toBeObservable(`a ${CLOSE_AT - 1}ms |`, { a: 'c1' })
    }),
  )

  it(
    'every cluster failed: FailoverError at the last failure, naming each cluster and its cause',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('findById', m.cold('---#', undefined, unavailable()))
      stores[1]!.on('findById', m.cold('---#', undefined, refused()))
      m.expect(outcome(store.findById('k'))).toBeObservable('------(e|)', { e: 'error:FAILOVER' })
      const box = captureError(store.findById('k'))
      m.flush()
      expect(box.error).toBeInstanceOf(FailoverError)
      expect((box.error as FailoverError).causes.map((c) => `${c.cluster}:${(c.error as { code: string }).code}`)).toEqual([
        'c1:UNAVAILABLE',
        'c2:UNAVAILABLE',
      ])
    }),
  )
})

describe('fail over: policy decides whether an operation may move', () => {
  // refused = the request provably never left (unsent); reset = it may have been applied.
  it.each([
    ['findById', undefined, 'reset', true],
    ['insert', undefined, 'refused', true],
    ['insert', undefined, 'reset', false],
    ['increment', undefined, 'refused', true],
    ['increment', undefined, 'reset', false],
    // moves, so the value lands somewhere known, but is not acknowledged: the reset attempt may still land
    ['insertOrReplace', undefined, 'reset', true],
    ['findById', 'primary-only', 'refused', false],
    ['findById', 'current-only', 'refused', false],
    ['increment', 'failover', 'reset', true],
  ] as const)('%s (strategy %s), primary %s: moves on = %s', (op, strategy, failure, moves) =>
    marbles((m) => {
      const { store, stores } = setup(m)
      const s = m.cold('-(b|)', { b: op === 'findById' ? doc('s') : undefined })
      stores[0]!.on(op, m.cold('-#', undefined, failure === 'refused' ? refused() : unavailable()))
      stores[1]!.on(op, s)
      const options = strategy === undefined ? undefined : { strategy: strategy as FailoverStrategy }
      const call: Observable<unknown> =
        op === 'findById'
          ? store.findById('k', options)
          : op === 'increment'
            ? store.increment('k', 'n', 1, options)
            : store[op](doc('k'), options)
      const unsettled = moves && failure === 'reset' && op === 'insertOrReplace'
      m.expect<unknown>(outcome(call)).toBeObservable(unsettled ? '--(u|)' : moves ? '--(b|)' : '-(e|)', {
        b: op === 'findById' ? doc('s') : undefined,
        e: 'error:UNAVAILABLE',
        u: 'error:UNSETTLED_WRITE',
      })
      m.expect(s).toHaveSubscriptions(moves ? ['-^!'] : [])
    })(),
  )
})

/** Records the calls a cluster store gets, `read@t` or `probe@t`, and answers them with `behaviour`. */
function recorded(m: Context, calls: string[], behaviour: () => ReturnType<Context['cold']>) {
  return (id: unknown) => {
    calls.push(`${id === DEFAULT_PROBE_ID ? 'probe' : 'read'}@${m.scheduler.now()}`)
    return behaviour()
  }
}

describe('fail over: routing by health', () => {
  // Finding 2 of the issue: a slow secondary must not send the store back to a dead primary.
  it.each([
    ['black-holed (suspect)', '-', 10, 110],
    ['refusing (down)', '-#', 1, 101],
  ])(
    'primary %s and held, the secondary answers one read at 45 (slower than timeoutMs, within secondaryTimeoutMs): the store stays on the secondary, which answers it; the primary is not asked before its hold ends',
    (_, primary, failoverAt, holdEnd) =>
      marbles((m) => {
        const { store, stores, events } = setup(m, { hold: { holdsMs: [100] }, closeAt: 200 })
        const primaryCalls: string[] = []
        const secondary = [m.cold('(b|)', B), m.cold('25ms (b|)', B)]
        stores[0]!.on(
          'findById',
          recorded(m, primaryCalls, () => m.cold(primary, undefined, refused())),
        )
        stores[1]!.on('findById', () => secondary.shift() ?? m.cold('#'))
        store.findById('k').subscribe() // fails over at `failoverAt`, the primary held for 100 ms
        m.expect(store.findById('k'), '20ms ^').toBeObservable('45ms (b|)', B)
        m.expect(names(store)).toBeObservable(`a ${failoverAt - 1}ms b ${200 - failoverAt - 1}ms |`, { a: 'c1', b: 'c2' })
        m.flush()
        expect(events.filter((e) => e.type === 'failover' || e.type === 'failback')).toHaveLength(1)
        expect(events.filter((e) => e.type === 'rerouted')).toHaveLength(1) // the first read only
        expect(primaryCalls.slice(0, 2)).toEqual(['read@0', `probe@${holdEnd}`])
      })(),
  )

  it(
    'an error moves on to the cluster in best standing, a held one only when nothing better is left; a timeout never to a held one',
    marbles((m) => {
      const { store, stores, events } = setup(m, { count: 3 })
      const c1 = [m.cold('-'), m.cold('-(a|)', A)]
      stores[0]!.on('findById', () => c1.shift() ?? m.cold('-'))
      const c2 = [m.cold('(b|)', B), m.cold('-#', undefined, refused())]
      stores[1]!.on('findById', (id: unknown) =>
        id === DEFAULT_PROBE_ID ? m.cold('-') : (c2.shift() ?? m.cold('#', undefined, refused())),
      )
      stores[2]!.on('findById', (id: unknown) =>
        id === DEFAULT_PROBE_ID
          ? m.cold('-')
          : m.scheduler.now() < 40
            ? m.cold('(c|)', { c: doc('3') })
            : m.cold('-#', undefined, refused()),
      )
      // A: c1 silent, times out at 10; c2 is up: switch and move there.
      m.expect(store.findById('k')).toBeObservable('10ms (b|)', B)
      // B: c2 refuses at 21; c3 (up) beats c1 (held): switch and move to c3.
      m.expect(store.findById('k'), '20ms ^').toBeObservable('21ms (c|)', { c: doc('3') })
      // C: c3 refuses at 41; c2 is down, c1 held but not down: switch back to c1 and move there.
      m.expect(store.findById('k'), '40ms ^').toBeObservable('42ms (a|)', A)
      m.expect(names(store)).toBeObservable(`a 9ms b 10ms c 19ms a ${CLOSE_AT - 42}ms |`, { a: 'c1', b: 'c2', c: 'c3' })
      m.flush()
      expect(events.filter((e) => e.type === 'failover').map((e) => `${e.at}:${e.cluster}->${'to' in e ? e.to : ''}`)).toEqual([
        '10:c1->c2',
        '21:c2->c3',
        '41:c3->c1',
      ])
    }),
  )
})
