/**
 * How many calls one connection may cancel on the wire, as a token bucket: `burst` at once, then
 * `perSecond`.
 *
 * Why: cancelling a call sends an HTTP/2 RST_STREAM, and servers protect themselves against the
 * "rapid reset" attack (CVE-2023-44487) by closing a connection that resets too many streams:
 * nghttp2, and so Node's http2 server, allows a burst of 1,000 and then 33 per second, and closes
 * the connection with GOAWAY after that, failing every other call on it. A client that abandons
 * a stalled cluster's calls all at once (a timeout firing for 1,500 reads in flight) would trip
 * it. Within the budget the driver cancels; past it, it stops sending resets on that connection
 * and replaces it instead (see channels.ts).
 */

/** @category Client */
export interface CancelBudgetOptions {
  /** Cancellations allowed at once. Default {@link DEFAULT_CANCEL_BUDGET}.burst. */
  readonly burst?: number
  /** Cancellations allowed per second after the burst. Default {@link DEFAULT_CANCEL_BUDGET}.perSecond. */
  readonly perSecond?: number
}

/**
 * Half of nghttp2's defaults (burst 1,000, 33 per second), so a connection stays well clear of
 * the limit of any server at least as lenient as Node's; lower them for a stricter server.
 * @category Internals
 */
export const DEFAULT_CANCEL_BUDGET: Required<CancelBudgetOptions> = { burst: 500, perSecond: 16 }

export class CancelBudget {
  private readonly burst: number
  private readonly perMs: number
  private tokens: number
  private refilledAt: number

  constructor(
    options: CancelBudgetOptions = {},
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.burst = options.burst ?? DEFAULT_CANCEL_BUDGET.burst
    this.perMs = (options.perSecond ?? DEFAULT_CANCEL_BUDGET.perSecond) / 1000
    this.tokens = this.burst
    this.refilledAt = this.now()
  }

  /** Takes one cancellation from the budget; false when it is spent. */
  take(): boolean {
    const now = this.now()
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * this.perMs)
    this.refilledAt = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
