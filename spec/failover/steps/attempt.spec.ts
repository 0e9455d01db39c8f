/**
 * Step 1 (steps/attempt.ts): one attempt on one cluster, raced against its limit on the runnable
 * clock. Timelines use timeoutMs 10 (T) and secondaryTimeoutMs 30 (T2); one dash is 1 ms.
 *
 * The second half runs on a StallScheduler (../stall-scheduler.ts): `stallAt(4, 250)` blocks the
 * process from 4 to 254, and everything that came due meanwhile runs late at 254, as Node runs
 * its timers after a blocked event loop.
 */
import { describe, expect, it } from 'vitest'
import { marbles } from 'rxjs-marbles'
import type { Observable } from 'rxjs'
import { InvalidArgumentError } from '../../../lib/ojai/errors.js'
import { CLOSE_AT, doc, names, outcome, refused, setup, states } from '../helpers.js'
import { marbles as stallMarbles } from '../stall-scheduler.js'

const A = { a: doc('p') }
const B = { b: doc('s') }

describe('attempt: the call raced against its limit', () => {
  it(
    'answered in time: passed through, the cluster stays up, one ok counted',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('findById', m.cold('---(a|)', A))
      m.expect(store.findById('k')).toBeObservable('---(a|)', A)
      m.expect(states(store)).toBeObservable(`a ${CLOSE_AT - 1}ms |`, { a: 'up up' })
      m.flush()
      expect(store.stats().clusters['c1']?.findById).toMatchObject({ ok: 1, timeouts: 0, latencyMs: { count: 1, max: 3 } })
    }),
  )

  it(
    'silent past the limit with somewhere better to go: TimeoutError at 10, the cluster suspect, the read cancelled',
    marbles((m) => {
      const { store, stores, events } = setup(m)
      const p = m.cold('-')
      stores[0]!.on('findById', p)
      stores[1]!.on('findById', m.cold('--(b|)', B))
      m.expect(store.findById('k')).toBeObservable('10ms --(b|)', B)
      m.expect(p).toHaveSubscriptions('^ 9ms !')
      // at 10: c1 suspect, then held by the failover it caused
      m.expect(states(store)).toBeObservable(`a 9ms (bc) ${CLOSE_AT - 14}ms |`, { a: 'up up', b: 'suspect up', c: 'suspect/held up' })
      m.flush()
      expect(events[0]).toEqual({ type: 'timeout', cluster: 'c1', operation: 'findById', at: 10, elapsedMs: 10, timeoutMs: 10 })
    }),
  )

  it(
    "a write's attempt is not cancelled at its limit: it keeps running (a straggler) until it answers",
    marbles((m) => {
      const { store, stores } = setup(m)
      const p = m.cold('15ms (a|)', { a: undefined })
      stores[0]!.on('insertOrReplace', p)
      stores[1]!.on('insertOrReplace', m.cold('--(b|)', { b: undefined }))
      store.insertOrReplace(doc('k')).subscribe()
      m.expect(p).toHaveSubscriptions('^ 14ms !')
    }),
  )

  describe('nowhere better to go (the other cluster held after a failover): keeps waiting up to T2 from its start', () => {
    /** Read 1 at 0 fails over to c2 at 10 (c1 held); read 2 starts on c2 at 20, which answers after `c2Ms`. */
    const slowSecondary = (m: Parameters<Parameters<typeof marbles>[0]>[0], c2Ms: number) => {
      const env = setup(m)
      const answers = [m.cold('(b|)', B), m.cold(`${c2Ms}ms (b|)`, B)]
      env.stores[0]!.on('findById', m.cold('-'))
      env.stores[1]!.on('findById', () => answers.shift() ?? m.cold('#'))
      env.store.findById('k').subscribe()
      return env
    }

    it(
      'answered at 45, after its limit (30) but within T2 (50): delivered, one timeout event, no switch',
      marbles((m) => {
        const { store, events } = slowSecondary(m, 25)
        m.expect(store.findById('k'), '20ms ^').toBeObservable('45ms (b|)', B)
        m.expect(names(store)).toBeObservable(`a 9ms b ${CLOSE_AT - 11}ms |`, { a: 'c1', b: 'c2' })
        m.flush()
        expect(events.filter((e) => e.cluster === 'c2').map((e) => `${e.type}@${e.at}`)).toEqual(['timeout@30'])
        expect(store.stats().clusters['c2']?.findById).toMatchObject({ ok: 2, timeouts: 1 })
      }),
    )

    it(
      'never answers: TimeoutError at 50 (T2 after its start)',
      marbles((m) => {
        const { store } = slowSecondary(m, 100)
        m.expect(outcome(store.findById('k')), '20ms ^').toBeObservable('50ms (e|)', { e: 'error:TIMEOUT' })
      }),
    )
  })

  it(
    'a store that throws while building the call: that error, no timer left, no other cluster',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('findById', () => {
        throw new InvalidArgumentError('bad id')
      })
      stores[1]!.on('findById', m.cold('(b|)', B))
      m.expect(outcome(store.findById('k'))).toBeObservable('(e|)', { e: 'error:INVALID_ARGUMENT' })
      m.flush()
      expect(stores[1]!.calls).toHaveLength(0)
      expect(store.stats()).toMatchObject({ activeTimers: 0, inFlight: 0, failovers: 0 })
    }),
  )
})

describe('attempt: the limit runs on the runnable clock (a stall of this process is not charged to the cluster)', () => {
  // A heartbeat every 1 ms measures a stall exactly; the default 10 ms tick is the last case.
  const EXACT = { stall: { tickMs: 1, thresholdMs: 20 } }

  it(
    'stall of 250 ms (4 to 254) while the store answered at 100: no timeout; one stall event; stats count it',
    stallMarbles((m) => {
      const { store, stores, events } = setup(m, EXACT)
      const s = m.cold('(b|)', B)
      // The answer is I/O: read after the timers that came due during the stall.
      stores[0]!.on('findById', m.scheduler.io(m.cold('100ms (a|)', A)))
      stores[1]!.on('findById', s)
      m.scheduler.stallAt(4, 250)
      m.expect(store.findById('k')).toBeObservable('254ms (a|)', A)
      m.expect(s).toHaveSubscriptions([])
      m.flush()
      expect(events).toEqual([{ type: 'stall', cluster: 'c1', operation: 'clock', at: 254, elapsedMs: 250, stalledMs: 250 }])
      expect(store.stats()).toMatchObject({ stalls: 1, stalledMs: 250, failovers: 0, activeTimers: 0 })
      expect(store.stats().clusters['c1']?.findById).toMatchObject({ ok: 1, timeouts: 0 })
    }),
  )

  it.each([
    ['answers at 259, inside the moved limit: its answer', 259, '259ms (a|)', 0],
    ['answers at 261, past it: timeout at 260, the secondary answers', 261, '262ms (b|)', 1],
  ])('the limit (due 10) moves out by the stalled 250 ms to 260: the primary %s', (_, answerAt, expected, timeouts) =>
    stallMarbles((m) => {
      const { store, stores } = setup(m, EXACT)
      stores[0]!.on('findById', m.scheduler.io(m.cold(`${answerAt}ms (a|)`, A)))
      stores[1]!.on('findById', m.cold('--(b|)', B))
      m.scheduler.stallAt(4, 250)
      m.expect(store.findById('k')).toBeObservable(expected, { ...A, ...B })
      m.flush()
      expect(store.stats().clusters['c1']?.findById?.timeouts).toBe(timeouts)
    })(),
  )

  it(
    'primary silent during the stall: the failover happens at the stall end + the limit left (254 + 6 = 260)',
    stallMarbles((m) => {
      const { store, stores, events } = setup(m, EXACT)
      const p = m.cold('-')
      const s = m.cold('--(b|)', B)
      stores[0]!.on('findById', p)
      stores[1]!.on('findById', s)
      m.scheduler.stallAt(4, 250)
      m.expect(store.findById('k')).toBeObservable('262ms (b|)', B)
      m.expect(p).toHaveSubscriptions('^ 259ms !')
      m.expect(s).toHaveSubscriptions('260ms ^-!')
      m.expect(names(store)).toBeObservable(`a 259ms b ${CLOSE_AT - 261}ms |`, { a: 'c1', b: 'c2' })
      m.flush()
      expect(events.map((e) => `${e.type}@${e.at}`)).toEqual(['stall@254', 'timeout@260', 'failover@260', 'rerouted@260'])
    }),
  )

  it(
    'an operation started after the stall, before the heartbeat ran (a timer due at 7 runs at 254), gets its own limit: timeout at 264, not 254 later',
    stallMarbles((m) => {
      const { store, stores, events } = setup(m)
      stores[0]!.on('findById', (id: unknown) => (id === 'A' ? m.scheduler.io(m.cold('100ms (a|)', A)) : m.cold('-')))
      stores[1]!.on('findById', m.cold('(b|)', B))
      m.scheduler.stallAt(4, 250)
      m.expect(store.findById('A')).toBeObservable('254ms (a|)', A)
      m.expect(store.findById('B'), '7ms ^').toBeObservable('264ms (b|)', B)
      m.flush()
      expect(events.map((e) => `${e.type}@${e.at}`)).toEqual(['stall@254', 'timeout@264', 'failover@264', 'rerouted@264'])
      expect(store.stats()).toMatchObject({ stalls: 1, stalledMs: 244 })
    }),
  )

  it(
    'default 10 ms heartbeat: the stall is measured to within a tick (244 of 250 ms), and the silent primary fails over one turn after the stall',
    stallMarbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('findById', m.cold('-'))
      stores[1]!.on('findById', m.cold('(b|)', B))
      m.scheduler.stallAt(4, 250)
      // The heartbeat was due at 10, ran at 254: 244 ms late. The limit is charged 10 ms (0 to 4 and
      // 4 to 10, the part of the stall before the missed tick), so it is over at the next turn.
      m.expect(store.findById('k')).toBeObservable('255ms (b|)', B)
      m.flush()
      expect(store.stats()).toMatchObject({ stalls: 1, stalledMs: 244 })
    }),
  )

  it.each([
    ['answered at 12 (during the delay): read before any timeout fires', '12ms (a|)', '19ms (a|)', []],
    ['silent: times out one turn after the delay, charged to the cluster', '-', '20ms (b|)', ['timeout@20', 'failover@20', 'rerouted@20']],
  ])(
    'a 15 ms delay (below thresholdMs 20) is not a stall, but due timers still wait one turn for pending I/O: %s',
    (_, primary, expected, expectedEvents) =>
      stallMarbles((m) => {
        const { store, stores, events } = setup(m, EXACT)
        stores[0]!.on('findById', m.scheduler.io(m.cold(primary, A)))
        stores[1]!.on('findById', m.cold('(b|)', B))
        m.scheduler.stallAt(4, 15)
        m.expect(store.findById('k')).toBeObservable(expected, { ...A, ...B })
        m.flush()
        expect(events.map((e) => `${e.type}@${e.at}`)).toEqual(expectedEvents)
        expect(store.stats().stalls).toBe(0)
      })(),
  )

  describe('finding 1 in virtual time: 50 operations in flight, a 250 ms stall at 5, timeoutMs 10, the secondary refusing', () => {
    it.each(['findById', 'increment'] as const)(
      '%s: all 50 answered by the healthy primary at the stall end; 0 timeouts, 0 failovers, 0 errors',
      (op) =>
        stallMarbles((m) => {
          const { store, stores } = setup(m)
          stores[0]!.on(op, () => m.scheduler.io(m.cold('100ms (a|)', { a: op === 'findById' ? doc('p') : undefined })))
          stores[1]!.on(op, m.cold('#', undefined, refused()))
          const ends: string[] = []
          for (let i = 0; i < 50; i++) {
            m.scheduler.schedule(() => {
              const call: Observable<unknown> = op === 'findById' ? store.findById(`k${i}`) : store.increment(`k${i}`, 'n', 1)
              outcome(call).subscribe((v) => ends.push(`${typeof v === 'string' ? v : 'ok'}@${m.scheduler.now()}`))
            }, i % 5)
          }
          m.scheduler.stallAt(5, 250)
          m.flush()
          expect(ends).toEqual(Array.from({ length: 50 }, () => 'ok@255'))
          expect(stores[1]!.calls).toHaveLength(0)
          expect(store.stats()).toMatchObject({ failovers: 0, reroutes: 0, gaveUp: 0, stalls: 1, stalledMs: 245 })
          expect(store.stats().clusters['c1']?.[op]).toMatchObject({ ok: 50, timeouts: 0 })
        })(),
    )

    it(
      'primary black-holed during the stall: the first answer comes within the stall end + timeoutMs',
      stallMarbles((m) => {
        const { store, stores } = setup(m)
        stores[0]!.on('findById', m.cold('-'))
        stores[1]!.on('findById', m.cold('-(b|)', B))
        const ends: number[] = []
        for (let i = 0; i < 50; i++)
          m.scheduler.schedule(() => store.findById(`k${i}`).subscribe(() => ends.push(m.scheduler.now())), i % 5)
        m.scheduler.stallAt(5, 250)
        m.flush()
        // Limits due 10…14 on the runnable clock: 256…259 after the stall (the late wake at 255 expires nothing).
        expect(ends).toHaveLength(50)
        expect(Math.min(...ends)).toBe(257)
        expect(Math.max(...ends)).toBe(260)
        expect(store.stats().failovers).toBe(1)
      }),
    )
  })
})
