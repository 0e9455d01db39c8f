/**
 * Caps hedged requests to a share of eligible requests, so an outage of one cluster does not
 * double the load on the other: a token bucket that gains `ratio` of a token per eligible request
 * (never above `burst`) and spends one per hedge. It starts full, so a cold client may hedge its
 * first `burst` slow reads.
 *
 * ```
 * ratio 0.5, burst 1:   request  1 2 3 4 5
 *                       tokens   1 .5 1 .5 1    (after the deposit)
 *                       hedge?   y n  y n  y
 * ```
 * @category Failover
 */
export interface HedgeBudgetOptions {
  /** Tokens gained per eligible request; the long-run share of requests that may hedge. Default 0.05. */
  readonly ratio?: number
  /** Most tokens the bucket holds (and starts with). Default 10. */
  readonly burst?: number
}

/** @category Internals */
export const DEFAULT_HEDGE_BUDGET: Required<HedgeBudgetOptions> = Object.freeze({ ratio: 0.05, burst: 10 })

/** @category Internals */
export class HedgeBudget {
  private tokens: number
  private readonly ratio: number
  private readonly burst: number

  constructor(options: HedgeBudgetOptions = {}) {
    this.ratio = options.ratio ?? DEFAULT_HEDGE_BUDGET.ratio
    this.burst = options.burst ?? DEFAULT_HEDGE_BUDGET.burst
    // Deposits come before takes, so the first request would overflow a full bucket: start one deposit short.
    this.tokens = Math.max(0, this.burst - this.ratio)
  }

  /** Called once per eligible request. */
  deposit(): void {
    this.tokens = Math.min(this.burst, this.tokens + this.ratio)
  }

  /** Spends a token if there is one. */
  tryTake(): boolean {
    // Tolerance: twenty deposits of 0.05 add up to 0.9999999999999999.
    if (this.tokens < 1 - 1e-9) return false
    this.tokens = Math.max(0, this.tokens - 1)
    return true
  }
}
