/**
 * Step 4 (writes only): a write is not acknowledged while an attempt it left behind could still
 * be applied.
 *
 * When a write moves on after its attempt on a slow cluster passed its limit, that attempt may
 * still reach the cluster and be applied later, with a later timestamp than writes the caller
 * makes after this one: under last-writer-wins replication it would overwrite them. So the
 * attempt is not cancelled (cancelling does not unsend it); it keeps running as a straggler, and
 * the answer from the other cluster is held until every straggler has settled (answered, or
 * failed). A straggler still unanswered after `settleMs` ends the write with UnsettledWriteError,
 * which says where it was applied and where it may still land.
 *
 * ```
 * c1 attempt   ----------------a|     slow: times out at 10, answers at 16 (applied there too)
 * c2 attempt             --b|         subscribed at 10, applied at 12
 * result       ----------------(b|)   acknowledged at 16, when c1's attempt settled
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

  private get unsettled(): boolean {
    return (this.run.stragglers?.length ?? 0) > 0
  }

  protected override _next(value: T): void {
    if (this.unsettled) this.held = { value }
    else this.out.next(value)
  }

  protected override _error(error: unknown): void {
    this.unsubscribe()
    this.out.error(error)
  }

  protected override _complete(): void {
    if (!this.unsettled) return this.release()
    this.waiting = true
    this.run.onSettled = () => this.release()
    this.run.core.clock.arm(this, this.run.core.settleMs)
  }

  private release(): void {
    this.run.core.clock.disarm(this)
    this.unsubscribe()
    if (this.held !== null) this.out.next(this.held.value)
    this.out.complete()
  }

  expire(): void {
    if (!this.waiting || this.closed) return
    const run = this.run
    const core = run.core
    const now = core.clock.scheduler.now()
    const pending = (run.stragglers ?? []).map((s) => run.clusterName(s.cluster))
    core.emit({ type: 'unsettled', cluster: pending[0] ?? '', operation: run.name, at: now, elapsedMs: now - run.startedAt, pending })
    this.unsubscribe()
    this.out.error(new UnsettledWriteError(run.name, run.clusterName(run.answeredOn), pending, core.settleMs))
  }

  override unsubscribe(): void {
    this.run.core.clock.disarm(this)
    super.unsubscribe()
  }
}
