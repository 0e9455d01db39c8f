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
export const RPC_NAMES = ['Ping', 'CreateTable', 'DeleteTable', 'TableExists', 'InsertOrReplace', 'FindById', 'Find', 'Update', 'Delete'] as const
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

function validate(target: FaultTarget, fault: Fault): void {
  if (target !== '*' && !(RPC_NAMES as readonly string[]).includes(target)) throw new RangeError(`unknown RPC ${JSON.stringify(target)}; use one of ${RPC_NAMES.join(', ')} or '*'`)
  const probability = (p: unknown) => p === undefined || (typeof p === 'number' && p >= 0 && p <= 1)
  const ms = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0
  switch (fault.type) {
    case 'stall':
      break
    case 'latency':
      if ('distribution' in fault) {
        if (!Array.isArray(fault.distribution) || !fault.distribution.every((b) => probability(b.p) && ms(b.ms))) throw new RangeError('latency distribution must be [{ p: 0..1, ms: >= 0 }, …]')
      } else if (!ms(fault.ms) || !probability(fault.p)) throw new RangeError('latency needs ms >= 0 and p in [0, 1]')
      break
    case 'fail':
      if (!Number.isInteger(fault.code) || fault.code <= 0 || fault.code > 16 || !probability(fault.p)) throw new RangeError('fail needs a non-OK gRPC status code 1..16 and p in [0, 1]')
      break
    case 'error':
      if (!Number.isInteger(fault.errCode) || fault.errCode <= 0 || !probability(fault.p)) throw new RangeError('error needs a non-zero ErrorCode and p in [0, 1]')
      break
    case 'crash':
      if (fault.when !== undefined && fault.when !== 'before' && fault.when !== 'after') throw new RangeError("crash.when is 'before' or 'after'")
      break
    default:
      throw new RangeError(`unknown fault type ${JSON.stringify((fault as { type?: unknown }).type)}`)
  }
  if (fault.times !== undefined && (!Number.isInteger(fault.times) || fault.times < 1)) throw new RangeError('times must be a positive integer')
}
