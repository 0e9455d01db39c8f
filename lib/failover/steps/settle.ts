/**
 * Step 4 (writes only): a write is acknowledged only on knowledge. Every attempt of a write ends
 * in one of three ways: *answered*, *failed unsent* (provably never reached a gateway), or
 * *unknown* (a transport error, reset, keepalive close, cancellation or deadline after it may
 * have been sent). The answer from the cluster that applied the write is passed on only when every
 * earlier attempt is answered or failed unsent.
 *
 * Why: an attempt that may have reached a cluster may be applied there later, with a later
 * timestamp than writes the caller makes after this one; under last-writer-wins replication it
 * would overwrite them. Cancelling it does not unsend it. So an attempt left behind when the write
 * moved on keeps running as a straggler, and the answer is held until it has ended:
 * - every straggler answered (or failed unsent): the write is acknowledged;
 * - one ended *unknown*, or one had already failed unknown before the write moved on: no answer can
 *   come any more, so the write ends at once with UnsettledWriteError (applied on, pending on, why);
 * - one still unanswered after `settleMs`: UnsettledWriteError then.
 *
 * ```
 * c1 attempt   ----------------a|     slow: times out at 10, answers at 16 (applied there too)
 * c2 attempt             --b|         subscribed at 10, applied at 12
 * result       ----------------(b|)   acknowledged at 16, when c1's attempt settled
 *
 * c1 attempt   ----------------#      times out at 10, then its connection resets at 16 (unknown)
 * c2 attempt             --b|         applied at 12
 * result       ----------------#      UnsettledWriteError at 16: no answer can come from c1 any more
 *
 * c1 attempt   ---#                   reset at 3, after the request may have been sent (unknown)
 * c2 attempt      --b|                applied at 5
 * result       -----#                 UnsettledWriteError at 5
 * ```
 */
import { Observable, Subscriber, type MonoTypeOperatorFunction } from 'rxjs'
import { UnsettledWriteError } from '../errors.js'
import type { Run } from '../run.js'
import type { DeadlineList, TimedEntry } from '../timekeeper.js'

export function settle<T>(run: Run<T>): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((out) => {
      const s = new Settle(run, out)
      source.subscribe(s)
      return s
    })
}

class Settle<T> extends Subscriber<T> implements TimedEntry {
  due = 0
  prevEntry: TimedEntry | null = null
  nextEntry: TimedEntry | null = null
  list: DeadlineList | null = null
  private held: { value: T } | null = null
  private waiting = false

  constructor(
    private readonly run: Run<T>,
    private readonly out: Subscriber<T>,
  ) {
    super()
  }

  protected override _next(value: T): void {
    if (this.run.unanswered?.length) this.held = { value }
    else this.out.next(value)
  }

  protected override _error(error: unknown): void {
    this.unsubscribe()
    this.out.error(error)
  }

  protected override _complete(): void {
    if (this.run.pending === 0) return this.decide()
    this.waiting = true
    this.run.onSettled = () => this.decide()
    this.run.core.clock.arm(this, this.run.core.settleMs)
  }

  /** Nothing is pending any more: acknowledge, unless an attempt ended unknown. */
  private decide(): void {
    // Nearly every write had nothing unanswered: no array is made for that.
    const unknown = this.run.unanswered?.filter((u) => u.kind === 'unknown')
    if (unknown !== undefined && unknown.length > 0) {
      const why = unknown.map((u) => `${this.run.clusterName(u.cluster)} failed after it may have been sent (${u.why})`).join('; ')
      return this.unsettled(
        unknown.map((u) => u.cluster),
        why,
      )
    }
    this.run.core.clock.disarm(this)
    this.unsubscribe()
    if (this.held !== null) this.out.next(this.held.value)
    this.out.complete()
  }

  expire(): void {
    if (!this.waiting || this.closed) return
    const clusters = (this.run.unanswered ?? []).map((u) => (u.kind === 'pending' ? u.attempt.cluster : u.cluster))
    this.unsettled(clusters, `no answer within ${this.run.core.settleMs} ms`)
  }

  private unsettled(clusters: readonly number[], why: string): void {
    const run = this.run
    const core = run.core
    const now = core.clock.scheduler.now()
    const pending = clusters.map((c) => run.clusterName(c))
    core.stats.unsettled++
    core.emit({
      type: 'unsettled',
      cluster: pending[0] ?? '',
      operation: run.name,
      at: now,
      elapsedMs: now - run.startedAt,
      pending,
      reason: why,
    })
    this.unsubscribe()
    this.out.error(new UnsettledWriteError(run.name, run.clusterName(run.answeredOn), pending, why))
  }

  override unsubscribe(): void {
    this.run.core.clock.disarm(this)
    super.unsubscribe()
  }
}
