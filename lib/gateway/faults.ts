import {
  arrayOf,
  checkOptions,
  integerAtLeast,
  mustBe,
  nested,
  numberIn,
  oneOf,
  required,
  rule,
  shown,
  type Rule,
} from '../ojai/check-options.js'
import { InvalidOptionsError } from '../ojai/errors.js'

/**
 * Programmable faults, per RPC or for all (`'*'`), for tests, the chaos harness and the demo.
 *
 * | fault                                             | effect on a matching call                                      |
 * |---------------------------------------------------|----------------------------------------------------------------|
 * | `{ type: 'stall' }`                               | never answers until the fault is cleared; then runs normally   |
 * | `{ type: 'latency', ms, p? }`                     | with probability `p` (default 1) waits `ms` before running     |
 * | `{ type: 'latency', distribution: [{ p, ms }…] }` | waits the `ms` of the bucket drawn (buckets' `p` sum to ≤ 1)   |
 * | `{ type: 'fail', code, details?, p? }`            | answers with gRPC status `code` (e.g. 14 UNAVAILABLE)          |
 * | `{ type: 'error', errCode, message?, p? }`        | answers OK with `error.err_code = errCode` (e.g. 5 IO_ERROR)   |
 * | `{ type: 'crash', when? }`                        | the gateway drops every connection and stops, `'before'` (default) running the call or `'after'` running it but before answering |
 *
 * Every fault accepts `times`: after that many matching calls it removes itself. A per-RPC fault
 * takes precedence over the `'*'` fault.
 * @category Faults
 */
export const RPC_NAMES = [
  'Ping',
  'CreateTable',
  'DeleteTable',
  'TableExists',
  'InsertOrReplace',
  'FindById',
  'Find',
  'Update',
  'Delete',
] as const
/** @category Faults */
export type RpcName = (typeof RPC_NAMES)[number]
/** @category Faults */
export type FaultTarget = RpcName | '*'

/**
 * What every fault accepts.
 * @category Faults
 */
export interface FaultCommonOptions {
  /** Remove the fault after it affected this many calls. Default: until cleared. */
  readonly times?: number
}

/** @category Faults */
export type Fault = FaultCommonOptions &
  (
    | { readonly type: 'stall' }
    | { readonly type: 'latency'; readonly ms: number; readonly p?: number }
    | { readonly type: 'latency'; readonly distribution: readonly { readonly p: number; readonly ms: number }[] }
    | { readonly type: 'fail'; readonly code: number; readonly details?: string; readonly p?: number }
    | { readonly type: 'error'; readonly errCode: number; readonly message?: string; readonly p?: number }
    | { readonly type: 'crash'; readonly when?: 'before' | 'after' }
  )

/** What the gateway must do with one call. */
export type FaultAction =
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'stall'; readonly released: Promise<void> }
  | { readonly kind: 'fail'; readonly code: number; readonly details: string }
  | { readonly kind: 'error'; readonly errCode: number; readonly message: string }
  | { readonly kind: 'crash'; readonly when: 'before' | 'after' }

interface Entry {
  readonly fault: Fault
  remaining: number
}

/** @category Faults */
export class Faults {
  private readonly entries = new Map<FaultTarget, Entry>()
  private readonly stalled = new Map<FaultTarget, (() => void)[]>()
  /** Ends of the latency waits running now: a release ends them early, so no timer outlives the gateway. */
  private readonly delayed = new Set<() => void>()
  private fired = 0

  /** @param random uniform [0, 1) source (injectable for tests). */
  constructor(private readonly random: () => number = Math.random) {}

  /** True when any fault is set: the gateway skips all fault handling otherwise. */
  get active(): boolean {
    return this.entries.size > 0
  }

  /** Sets (replaces) the fault of an RPC, or of every RPC with `'*'`. */
  set(target: FaultTarget, fault: Fault): void {
    validate(target, fault)
    this.entries.set(target, { fault, remaining: fault.times ?? Infinity })
  }

  /** Removes the fault of one target, or every fault; stalled calls are released and run normally. */
  clear(target?: FaultTarget): void {
    if (target === undefined) {
      this.entries.clear()
      this.release()
      return
    }
    this.entries.delete(target)
    const waiting = this.stalled.get(target) ?? []
    this.stalled.delete(target)
    for (const resume of waiting) resume()
  }

  /** The faults currently set. */
  list(): { target: FaultTarget; fault: Fault }[] {
    return [...this.entries].map(([target, e]) => ({ target, fault: e.fault }))
  }

  /** Calls currently stalled, and how many calls a fault has affected so far. */
  counters(): { stalled: number; fired: number } {
    let stalled = 0
    for (const list of this.stalled.values()) stalled += list.length
    return { stalled, fired: this.fired }
  }

  /** Releases every stalled and delayed call (used on shutdown so graceful close never waits on a fault). */
  release(): void {
    const waiting = [...this.stalled.values()].flat()
    this.stalled.clear()
    for (const resume of waiting) resume()
    for (const end of [...this.delayed]) end()
  }

  /**
   * The wait of a latency fault: true after `ms`, or at once when the faults are released (the
   * call then runs now); false when `call` is cancelled first (its caller is gone: nothing to run).
   * The timer never outlives the call or the gateway.
   */
  delay(ms: number, call: NodeJS.EventEmitter): Promise<boolean> {
    return new Promise((resolve) => {
      const end = (run: boolean): void => {
        clearTimeout(timer)
        call.off('cancelled', cancelled)
        this.delayed.delete(released)
        resolve(run)
      }
      const cancelled = (): void => end(false)
      const released = (): void => end(true)
      const timer = setTimeout(released, ms)
      call.once('cancelled', cancelled)
      this.delayed.add(released)
    })
  }

  /**
   * Decides the fate of one call of `rpc`; undefined = run normally.
   * @internal
   */
  decide(rpc: RpcName): FaultAction | undefined {
    const target: FaultTarget = this.entries.has(rpc) ? rpc : '*'
    const entry = this.entries.get(target)
    if (entry === undefined) return undefined
    const action = this.actionOf(target, entry.fault)
    if (action === undefined) return undefined
    this.fired++
    if (--entry.remaining <= 0) this.entries.delete(target)
    return action
  }

  private actionOf(target: FaultTarget, fault: Fault): FaultAction | undefined {
    switch (fault.type) {
      case 'stall': {
        const list = this.stalled.get(target) ?? []
        this.stalled.set(target, list)
        return { kind: 'stall', released: new Promise<void>((resolve) => list.push(resolve)) }
      }
      case 'latency': {
        if ('distribution' in fault) {
          let r = this.random()
          for (const bucket of fault.distribution) {
            if (r < bucket.p) return { kind: 'delay', ms: bucket.ms }
            r -= bucket.p
          }
          return undefined
        }
        return this.chance(fault.p) ? { kind: 'delay', ms: fault.ms } : undefined
      }
      case 'fail':
        return this.chance(fault.p) ? { kind: 'fail', code: fault.code, details: fault.details ?? 'injected fault' } : undefined
      case 'error':
        return this.chance(fault.p) ? { kind: 'error', errCode: fault.errCode, message: fault.message ?? 'injected fault' } : undefined
      case 'crash':
        return { kind: 'crash', when: fault.when ?? 'before' }
    }
  }

  private chance(p: number | undefined): boolean {
    return p === undefined || p >= 1 || this.random() < p
  }
}

const FAULT_TYPES = ['stall', 'latency', 'fail', 'error', 'crash'] as const
const probability = numberIn(0, 1)
const delayMs = rule('a number of ms of at least 0', (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)
const text = rule('a string', (v) => typeof v === 'string')
const common = { type: oneOf(FAULT_TYPES), times: integerAtLeast(1) }

/** What each kind of fault accepts (a latency fault in either of its two forms). */
const FAULT_RULES = {
  stall: common,
  latency: { ...common, ms: required(delayMs), p: probability },
  distribution: {
    ...common,
    distribution: required(arrayOf(required(nested({ p: required(probability), ms: required(delayMs) })), { nonEmpty: true })),
  },
  fail: {
    ...common,
    code: required(
      rule('a non-OK gRPC status code, an integer in [1, 16]', (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 16),
    ),
    details: text,
    p: probability,
  },
  error: { ...common, errCode: required(integerAtLeast(1)), message: text, p: probability },
  crash: { ...common, when: oneOf(['before', 'after']) },
} as const satisfies Readonly<Record<string, Readonly<Record<string, Rule>>>>

/** Checks a fault with the library's options rules; InvalidOptionsError naming the key and what it accepts. */
function validate(target: FaultTarget, fault: Fault): void {
  if (target !== '*' && !(RPC_NAMES as readonly string[]).includes(target))
    throw new InvalidOptionsError(`unknown RPC ${JSON.stringify(target)}; use one of ${RPC_NAMES.join(', ')} or '*'`)
  if (typeof fault !== 'object' || fault === null || Array.isArray(fault)) mustBe('a fault', "an object such as { type: 'stall' }", fault)
  const type = fault.type as unknown
  if (!(FAULT_TYPES as readonly unknown[]).includes(type))
    throw new InvalidOptionsError(`unknown fault type ${shown(type)}; use one of ${FAULT_TYPES.join(', ')}`)
  const kind = fault.type === 'latency' && 'distribution' in fault ? 'distribution' : fault.type
  checkOptions<Readonly<Record<string, unknown>>>(
    `${fault.type} fault`,
    fault as unknown as Readonly<Record<string, unknown>>,
    FAULT_RULES[kind],
    `${fault.type}.`,
  )
}
