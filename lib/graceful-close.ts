/**
 * The close of something with operations in flight (a FailoverStore, a driver Connection): new
 * operations are refused at once, those in flight get until a bound to finish, whatever is left
 * then is cut off, and the close ends when nothing is left.
 *
 * ```
 * close({ graceMs: 10 }) at 0
 * op A        ---a|                 finishes within the grace: answered
 * op B        ---------------       still running at 10: cut off (ClosedError, call cancelled)
 * op C (new)    #                   refused at once (ClosedError)
 * promise     ----------|           resolves once B is cut off and everything is released
 * ```
 *
 * The states are a discriminated union: `open`, `draining` (refusing new work, waiting for the
 * work in flight, the cut-off armed) and `closed` (released, or releasing). A second `close()`
 * returns the same promise; one with a shorter grace brings the cut-off forward (a second Ctrl-C).
 * Time goes through an RxJS scheduler, so a TestScheduler checks these rules in virtual time.
 */
import type { SchedulerLike, Subscription } from 'rxjs'
import { checkOptions, MAX_TIMER_MS, rule, type Rule, type Rules } from './ojai/check-options.js'

/**
 * The argument of `close()` on a FailoverStore or a Connection.
 * @category Client
 */
export interface CloseOptions {
  /**
   * How long operations in flight may take to finish, ms, from the call; those still running then
   * are cancelled and end with ClosedError. `0` cancels them at once (the immediate close).
   * Default: the store's or connection's `closeGraceMs`, 10 000 unless configured.
   */
  readonly graceMs?: number
}

/**
 * 10 s: longer than any single-answer operation of a FailoverStore can run with the default options
 * (`timeoutMs` + `secondaryTimeoutMs` + `settleMs` = 7.5 s over two clusters) and as long as the
 * driver's default call deadline, so with the defaults a graceful close cancels only `find`
 * streams still running; and short enough to leave most of a 30 s termination grace (Kubernetes'
 * default) for the rest of a service's shutdown.
 * @category Internals
 */
export const DEFAULT_CLOSE_GRACE_MS = 10_000

/**
 * A grace in ms: 0 (cancel at once) up to the longest timer.
 * @category Internals
 */
export const GRACE_MS: Rule = rule(
  'an integer number of ms in [0, 2^31-1] (0 = cancel at once)',
  (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_TIMER_MS,
)

const CLOSE: Rules<CloseOptions> = { graceMs: GRACE_MS }

/** Checks a grace in ms: an integer in [0, 2^31-1]. Throws InvalidOptionsError naming `name`. */
export function checkGraceMs(name: string, value: unknown): number {
  GRACE_MS(value, name)
  return value as number
}

/** The grace of one `close(options)` call, `defaultMs` when not given. */
export function closeGrace(options: CloseOptions | undefined, defaultMs: number): number {
  checkOptions('close options', options, CLOSE)
  return options?.graceMs ?? defaultMs
}

/** What a {@link GracefulClose} closes. */
export interface Drainable {
  /** Operations in flight now. */
  inFlight(): number
  /** Ends every operation still in flight (cancelled, ClosedError); called once, at the cut-off. */
  cutOff(): void
  /** Releases everything else once no operation is left; a failure of it rejects the close. */
  release(): void | PromiseLike<void>
}

interface Settle {
  readonly promise: Promise<void>
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

type Phase =
  | { readonly kind: 'open' }
  | { readonly kind: 'draining'; readonly settle: Settle; readonly cutOffAt: number; readonly timer: Subscription | null }
  | { readonly kind: 'closed'; readonly promise: Promise<void> }

const OPEN: Phase = Object.freeze({ kind: 'open' })

function settle(): Settle {
  let resolve!: () => void
  let reject!: (error: unknown) => void
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok
    reject = fail
  })
  return { promise, resolve, reject }
}

export class GracefulClose {
  private phase: Phase = OPEN

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly target: Drainable,
  ) {}

  /** Starts (or shortens) the close; the promise resolves once everything is released. */
  close(graceMs: number): Promise<void> {
    const phase = this.phase
    if (phase.kind === 'closed') return phase.promise
    const now = this.scheduler.now()
    if (phase.kind === 'draining') {
      if (now + graceMs < phase.cutOffAt) {
        phase.timer?.unsubscribe()
        this.drain(phase.settle, now, graceMs)
      }
      return phase.settle.promise
    }
    const s = settle()
    this.drain(s, now, graceMs)
    return s.promise
  }

  /** An operation ended: when it was the last one during the grace, the close finishes. */
  ended(): void {
    if (this.phase.kind === 'draining' && this.target.inFlight() === 0) this.finish()
  }

  private drain(s: Settle, now: number, graceMs: number): void {
    if (this.target.inFlight() === 0) {
      this.phase = { kind: 'draining', settle: s, cutOffAt: now, timer: null }
      return this.finish()
    }
    if (graceMs === 0) {
      this.phase = { kind: 'draining', settle: s, cutOffAt: now, timer: null }
      return this.expire()
    }
    const timer = this.scheduler.schedule(() => this.expire(), graceMs)
    this.phase = { kind: 'draining', settle: s, cutOffAt: now + graceMs, timer }
  }

  private expire(): void {
    if (this.phase.kind !== 'draining') return
    this.target.cutOff()
    // Every operation ends during its cut-off (and so finished the close); never wait past the bound.
    if (this.phase.kind === 'draining') this.finish()
  }

  private finish(): void {
    const phase = this.phase
    if (phase.kind !== 'draining') return
    phase.timer?.unsubscribe()
    this.phase = { kind: 'closed', promise: phase.settle.promise }
    try {
      Promise.resolve(this.target.release()).then(phase.settle.resolve, phase.settle.reject)
    } catch (error) {
      phase.settle.reject(error)
    }
  }
}
