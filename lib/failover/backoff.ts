/**
 * Exponential backoff with jitter for failback probes.
 *
 * The n-th delay (n = 0, 1, 2…) is `min(maxMs, initialMs * multiplier^n)`, shortened by up to
 * `jitter` of itself: `delay * (1 - jitter * random())`. Shortening (rather than spreading both
 * ways) keeps `maxMs` a true upper bound, and with an injected `random` returning 0 the schedule
 * is exact, which is what the marble specs use:
 *
 * ```
 * probe  X-X--X----X--------X ...   (initialMs 1, multiplier 2, jitter 0)
 * delay   1  2   4       8
 * ```
 * @category Failover
 */
export interface BackoffOptions {
  /** First delay after a failed probe. Default 1000 ms. */
  readonly initialMs?: number
  /** Growth per failed probe. Default 2. */
  readonly multiplier?: number
  /**
   * Cap on one delay. Default 35 000 ms: a healed cluster is noticed within 35 s, and with the
   * jitter the delay at the cap averages 31.5 s, under 2 probes per instance per minute.
   */
  readonly maxMs?: number
  /** Share of each delay removed at random, 0..1, so many clients do not probe in lockstep. Default 0.2. */
  readonly jitter?: number
}

/** @category Internals */
export const DEFAULT_BACKOFF: Required<BackoffOptions> = Object.freeze({
  initialMs: 1000,
  multiplier: 2,
  maxMs: 35_000,
  jitter: 0.2,
})

/** @category Internals */
export class Backoff {
  private readonly o: Required<BackoffOptions>

  constructor(
    options: BackoffOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.o = { ...DEFAULT_BACKOFF, ...options }
  }

  /** The delay after the `n`-th consecutive failure (0-based). */
  delay(n: number): number {
    const nominal = Math.min(this.o.maxMs, this.o.initialMs * this.o.multiplier ** n)
    return nominal * (1 - this.o.jitter * this.random())
  }
}
