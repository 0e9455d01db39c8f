/**
 * How long to stay on another cluster after a failover before probing the primary again.
 *
 * Each failover escalates the hold one step (default 20 s, 60 s, 120 s, then 120 s for every later
 * one, as the 2017 prototype did); unlike the prototype, every `decayAfterMs` without a failover
 * takes the escalation one step back down, so a primary that flapped once last week is not
 * punished today.
 *
 * ```
 * failover   X--------X-------------------(quiet 2 x decay)----X
 * hold       20 s     60 s                                     20 s
 * ```
 *
 * Each hold is shortened by up to `jitter` of itself at random, so a fleet's instances spread out.
 * Pure arithmetic on the times it is given: no timers, so nothing to leak.
 * @category Failover
 */
export interface StickyHoldOptions {
  /** Hold after the 1st, 2nd, … failover; the last entry repeats. Default [20 000, 60 000, 120 000] ms. */
  readonly holdsMs?: readonly number[]
  /** Quiet period (no failover) that takes the escalation one step down. Default 300 000 ms (5 min). */
  readonly decayAfterMs?: number
  /**
   * Share of each hold removed at random, 0..1, so the instances of a fleet that failed over
   * together do not all probe (and fail back) in the same second. Default 0.1.
   */
  readonly jitter?: number
}

/** @category Internals */
export const DEFAULT_HOLDS_MS: readonly number[] = Object.freeze([20_000, 60_000, 120_000])
/** @category Internals */
export const DEFAULT_DECAY_AFTER_MS = 300_000
/** @category Internals */
export const DEFAULT_HOLD_JITTER = 0.1

/** @category Internals */
export class StickyHold {
  private readonly holds: readonly number[]
  private readonly decayAfterMs: number
  private readonly jitter: number
  private level = 0
  private lastFailoverAt = Number.NEGATIVE_INFINITY

  constructor(
    options: StickyHoldOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.holds = options.holdsMs ?? DEFAULT_HOLDS_MS
    this.decayAfterMs = options.decayAfterMs ?? DEFAULT_DECAY_AFTER_MS
    this.jitter = options.jitter ?? DEFAULT_HOLD_JITTER
  }

  /** Records a failover at `now` and returns the hold it earns. */
  next(now: number): number {
    const level = this.levelAt(now)
    const hold = this.holds[Math.min(level, this.holds.length - 1)] ?? 0
    this.level = level + 1
    this.lastFailoverAt = now
    // Shortened, never lengthened, so holdsMs stays an upper bound (as the probe backoff's jitter).
    return Math.round(hold * (1 - this.jitter * this.random()))
  }

  /** The escalation level (0 = next hold is the first) at `now`, after decay. */
  levelAt(now: number): number {
    if (this.level === 0) return 0
    const quietSteps = Math.floor((now - this.lastFailoverAt) / this.decayAfterMs)
    return Math.max(0, this.level - quietSteps)
  }
}
