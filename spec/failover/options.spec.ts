/**
 * Options (options.ts): every option validated at construction; a bad one throws
 * InvalidOptionsError naming the option and its allowed range, before anything is scheduled or
 * sent. Per-call options are checked per call: the operation errors, nothing is sent, nothing
 * fails over.
 */
import { describe, expect, it } from 'vitest'
import { marbles } from 'rxjs-marbles'
import { InvalidOptionsError } from '../../lib/ojai/errors.js'
import { FailoverStore, type FailoverStoreOptions } from '../../lib/failover/index.js'
import { outcome, setup } from './helpers.js'
import { VirtualStore } from './virtual-store.js'

const MAX = 2 ** 31 - 1
const clusters = () => [
  { name: 'a', store: new VirtualStore() },
  { name: 'b', store: new VirtualStore() },
]
const construct = (options: unknown) => () => new FailoverStore(clusters(), options as FailoverStoreOptions)

describe('options rejected at construction (finding 9 and every time limit)', () => {
  it.each<[string, unknown, string]>([
    // finding 9, one by one
    ['random not a function', { random: 0.5 }, 'random must be a function returning a number in [0, 1); got 0.5'],
    ['backoff multiplier 0', { probe: { backoff: { multiplier: 0 } } }, 'probe.backoff.multiplier must be a number in [1, 100]; got 0'],
    [
      'backoff initialMs -1',
      { probe: { backoff: { initialMs: -1 } } },
      'probe.backoff.initialMs must be an integer in [1, 2^31-1]; got -1',
    ],
    ['jitter 5', { probe: { backoff: { jitter: 5 } } }, 'probe.backoff.jitter must be a number in [0, 1]; got 5'],
    ['hedge burst NaN', { hedge: { budget: { burst: Number.NaN } } }, 'hedge.budget.burst must be a number in [1, 1000000]; got NaN'],
    ['hedge burst -1', { hedge: { budget: { burst: -1 } } }, 'hedge.budget.burst must be a number in [1, 1000000]; got -1'],
    ['probe.id empty', { probe: { id: '' } }, 'probe.id must be a non-empty string or binary key; got ""'],
    [
      'probe.id an empty binary key',
      { probe: { id: new Uint8Array(0) } },
      'probe.id must be a non-empty string or binary key; got 0 bytes',
    ],
    // time limits above 2^31-1 ms (Node would clamp them to 1 ms)
    ['timeoutMs 2^31', { timeoutMs: 2 ** 31 }, 'timeoutMs must be an integer in [1, 2^31-1]; got 2147483648'],
    ['secondaryTimeoutMs 2^31', { secondaryTimeoutMs: 2 ** 31 }, 'secondaryTimeoutMs must be an integer in [1, 2^31-1]'],
    ['settleMs 2^31', { settleMs: 2 ** 31 }, 'settleMs must be an integer in [1, 2^31-1]'],
    ['lingerMs 2^31', { lingerMs: 2 ** 31 }, 'lingerMs must be an integer in [0, 2^31-1]'],
    ['probe.timeoutMs 2^31', { probe: { timeoutMs: 2 ** 31 } }, 'probe.timeoutMs must be an integer in [1, 2^31-1]'],
    [
      'probe.backoff.maxMs 2^31',
      { probe: { backoff: { maxMs: 2 ** 31 } } },
      'probe.backoff.maxMs (at least initialMs) must be an integer in [1000, 2^31-1]',
    ],
    ['hold.holdsMs[1] 2^31', { hold: { holdsMs: [1000, 2 ** 31] } }, 'hold.holdsMs[1] must be an integer in [1, 2^31-1]'],
    ['hold.decayAfterMs 2^31', { hold: { decayAfterMs: 2 ** 31 } }, 'hold.decayAfterMs must be an integer in [1, 2^31-1]'],
    ['hedge.delayMs 2^31', { hedge: { delayMs: 2 ** 31 } }, 'hedge.delayMs must be an integer in [1, 2^31-1]'],
    [
      'hedge.delayMs.fallbackMs 2^31',
      { hedge: { delayMs: { percentile: 95, fallbackMs: 2 ** 31 } } },
      'hedge.delayMs.fallbackMs must be an integer in [1, 2^31-1]',
    ],
    ['stall.thresholdMs 2^31', { stall: { thresholdMs: 2 ** 31 } }, 'stall.thresholdMs must be an integer in [1, 2^31-1]'],
    // time limits that are not integers, not finite, not numbers, or below their range
    ['timeoutMs 1.5', { timeoutMs: 1.5 }, 'timeoutMs must be an integer in [1, 2^31-1]; got 1.5'],
    ['timeoutMs 0', { timeoutMs: 0 }, 'timeoutMs must be an integer in [1, 2^31-1]; got 0'],
    ['timeoutMs NaN', { timeoutMs: Number.NaN }, 'timeoutMs must be an integer in [1, 2^31-1]; got NaN'],
    ['timeoutMs Infinity', { timeoutMs: Number.POSITIVE_INFINITY }, 'timeoutMs must be an integer in [1, 2^31-1]; got Infinity'],
    ['timeoutMs a string', { timeoutMs: '500' }, 'timeoutMs must be an integer in [1, 2^31-1]; got "500"'],
    ['secondaryTimeoutMs 100.5', { secondaryTimeoutMs: 100.5 }, 'secondaryTimeoutMs must be an integer in [1, 2^31-1]; got 100.5'],
    ['settleMs 0.5', { settleMs: 0.5 }, 'settleMs must be an integer in [1, 2^31-1]; got 0.5'],
    ['lingerMs -1', { lingerMs: -1 }, 'lingerMs must be an integer in [0, 2^31-1]; got -1'],
    ['lingerMs 2.5', { lingerMs: 2.5 }, 'lingerMs must be an integer in [0, 2^31-1]; got 2.5'],
    ['closeGraceMs -1', { closeGraceMs: -1 }, 'closeGraceMs must be an integer number of ms in [0, 2^31-1] (0 = cancel at once); got -1'],
    [
      'closeGraceMs Infinity',
      { closeGraceMs: Number.POSITIVE_INFINITY },
      'closeGraceMs must be an integer number of ms in [0, 2^31-1] (0 = cancel at once); got Infinity',
    ],
    [
      'closeGraceMs a string',
      { closeGraceMs: '10s' },
      'closeGraceMs must be an integer number of ms in [0, 2^31-1] (0 = cancel at once); got "10s"',
    ],
    [
      'probe.backoff.initialMs 1.5',
      { probe: { backoff: { initialMs: 1.5 } } },
      'probe.backoff.initialMs must be an integer in [1, 2^31-1]; got 1.5',
    ],
    [
      'probe.backoff.maxMs below initialMs',
      { probe: { backoff: { initialMs: 100, maxMs: 50 } } },
      'probe.backoff.maxMs (at least initialMs) must be an integer in [100, 2^31-1]; got 50',
    ],
    ['stall.tickMs 0', { stall: { tickMs: 0 } }, 'stall.tickMs must be an integer in [1, 10000]; got 0'],
    [
      'hedge.delayMs.percentile 100',
      { hedge: { delayMs: { percentile: 100 } } },
      'hedge.delayMs.percentile must be a number in (0, 100); got 100',
    ],
    ['hedge.budget.ratio 2', { hedge: { budget: { ratio: 2 } } }, 'hedge.budget.ratio must be a number in [0, 1]; got 2'],
    ['hold.holdsMs empty', { hold: { holdsMs: [] } }, 'hold.holdsMs must be a non-empty array of ms'],
    ['hold.jitter 5', { hold: { jitter: 5 } }, 'hold.jitter must be a number in [0, 1]; got 5'],
    ['failback.rampMs 2^31', { failback: { rampMs: 2 ** 31 } }, 'failback.rampMs must be an integer in [1, 2^31-1]'],
    [
      'failback.shares not ending with 1',
      { failback: { shares: [0.1, 0.5] } },
      'failback.shares must be an ascending array of shares in (0, 1] ending with 1',
    ],
    [
      'failback.shares descending',
      { failback: { shares: [0.5, 0.1, 1] } },
      'failback.shares must be an ascending array of shares in (0, 1] ending with 1',
    ],
    [
      'failback.shares with 0',
      { failback: { shares: [0, 1] } },
      'failback.shares must be an ascending array of shares in (0, 1] ending with 1',
    ],
    [
      'a strategy that does not exist',
      { policy: { conditional: 'sometimes' } },
      'policy.conditional must be one of primary-only, current-only, failover-if-unsent, failover; got "sometimes"',
    ],
    ['scheduler without schedule()', { scheduler: { now: () => 0 } }, 'scheduler must be an RxJS SchedulerLike'],
    ['logger without debug()', { logger: {} }, 'logger must be a pino Logger'],
    // unknown keys, at every level
    ['an unknown top-level key', { timeout: 500 }, 'FailoverStore options: unknown option "timeout" (did you mean "timeoutMs"?)'],
    ['an unknown probe key', { probe: { backof: {} } }, 'probe: unknown option "backof" (did you mean "backoff"?)'],
    ['an unknown backoff key', { probe: { backoff: { initial: 1 } } }, 'probe.backoff: unknown option "initial"'],
    ['an unknown hold key', { hold: { holds: [1] } }, 'hold: unknown option "holds"'],
    ['an unknown hedge key', { hedge: { delay: 5 } }, 'hedge: unknown option "delay"'],
    ['an unknown hedge.budget key', { hedge: { budget: { rate: 1 } } }, 'hedge.budget: unknown option "rate"'],
    ['an unknown hedge.delayMs key', { hedge: { delayMs: { percentile: 95, pct: 1 } } }, 'hedge.delayMs: unknown option "pct"'],
    ['an unknown stall key', { stall: { tick: 1 } }, 'stall: unknown option "tick"'],
    ['an unknown failback key', { failback: { ramp: 1 } }, 'failback: unknown option "ramp"'],
    ['an unknown policy class', { policy: { idempotnet: 'failover' } }, 'policy: unknown option "idempotnet"'],
  ])('%s', (_, options, message) => {
    const build = construct(options)
    expect(build).toThrow(InvalidOptionsError)
    expect(build).toThrow(message)
  })

  it('the limits of each range are accepted', () => {
    for (const options of [
      { timeoutMs: 1, secondaryTimeoutMs: MAX, settleMs: MAX, lingerMs: 0, closeGraceMs: 0 },
      { closeGraceMs: MAX },
      { timeoutMs: MAX, hold: { holdsMs: [1, MAX], decayAfterMs: MAX } },
      { probe: { id: 'p', timeoutMs: 1, backoff: { initialMs: 1, multiplier: 1, maxMs: MAX, jitter: 0 } } },
      { probe: { id: new Uint8Array([1]), backoff: { jitter: 1, multiplier: 100 } } },
      { hedge: { delayMs: 1, budget: { ratio: 0, burst: 1 } } },
      { hedge: { delayMs: { percentile: 99.9, minMs: 1, minSamples: 1, fallbackMs: MAX }, budget: { ratio: 1, burst: 1_000_000 } } },
      { hedge: false as const, stall: { tickMs: 1, thresholdMs: MAX }, random: () => 0 },
      { hold: { jitter: 0 }, failback: { rampMs: 1, shares: [1] } },
      { hold: { jitter: 1 }, failback: false as const },
    ]) {
      expect(construct(options)).not.toThrow()
    }
  })
})

describe('per-call options: checked per call, the operation errors, nothing is sent, nothing fails over', () => {
  it.each<[string, object, string]>([
    ['timeoutMs above 2^31-1', { timeoutMs: 2 ** 31 }, 'timeoutMs must be an integer in [1, 2^31-1]; got 2147483648'],
    ['timeoutMs not an integer', { timeoutMs: 2.5 }, 'timeoutMs must be an integer in [1, 2^31-1]; got 2.5'],
    [
      'an unknown strategy',
      { strategy: 'always' },
      'strategy must be one of primary-only, current-only, failover-if-unsent, failover; got "always"',
    ],
  ])('%s', (_, options, message) =>
    marbles((m) => {
      const { store, stores, events } = setup(m)
      let error: unknown
      store.findById('k', options).subscribe({ error: (e: unknown) => (error = e) })
      m.expect(outcome(store.findById('k', options))).toBeObservable('(e|)', { e: 'error:INVALID_OPTIONS' })
      m.flush()
      expect(error).toBeInstanceOf(InvalidOptionsError)
      expect((error as Error).message).toBe(message)
      expect(stores.map((s) => s.calls.length)).toEqual([0, 0])
      expect(events).toEqual([])
      expect(store.stats()).toMatchObject({ inFlight: 0, activeTimers: 0, failovers: 0 })
    })(),
  )
})
