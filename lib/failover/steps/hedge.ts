/**
 * Step 2 (hedged reads only): when the first attempt has not answered within the hedge delay,
 * also ask the best other cluster, within the hedge budget; the first answer wins and the other
 * attempt is cancelled. An error from one attempt waits for the other.
 *
 * ```
 * c1 attempt   -------!              (cancelled when c2 answers)
 * c2 attempt       ---a|             (subscribed at the hedge delay, 4)
 * result       -------a|
 * ```
 */
import { Observable, Subscriber, Subscription, type MonoTypeOperatorFunction } from 'rxjs'
import { AttemptFailure, type Run } from '../run.js'
import type { DeadlineList, TimedEntry } from '../timekeeper.js'
import { attempt } from './attempt.js'

export function hedge<T>(run: Run<T>): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((out) => {
      const h = new Hedge(run, out)
      h.start(source)
      return h
    })
}

class Arm<T> extends Subscriber<T> {
  constructor(
    private readonly owner: Hedge<T>,
    readonly isHedge: boolean,
  ) {
    super()
  }
  protected override _next(value: T): void {
    this.owner.onNext(this, value)
  }
  protected override _error(error: unknown): void {
    this.unsubscribe()
    this.owner.onError(this, error)
  }
  protected override _complete(): void {
    this.unsubscribe()
    this.owner.onComplete(this)
  }
}

class Hedge<T> extends Subscription implements TimedEntry {
  due = 0
  prevEntry: TimedEntry | null = null
  nextEntry: TimedEntry | null = null
  list: DeadlineList | null = null
  private main: Arm<T> | null = null
  private alt: Arm<T> | null = null
  private decided = false
  private readonly startedAt: number

  constructor(
    private readonly run: Run<T>,
    private readonly out: Subscriber<T>,
  ) {
    super()
    this.startedAt = run.core.clock.scheduler.now()
  }

  start(source: Observable<T>): void {
    const core = this.run.core
    core.budget.deposit()
    this.main = new Arm(this, false)
    source.subscribe(this.main)
    if (this.decided || this.closed) return
    const delay = core.hedgeDelay(this.run.first)
    if (delay < this.run.timeoutMs) core.clock.arm(this, delay)
  }

  expire(): void {
    const run = this.run
    const core = run.core
    if (this.decided || this.closed || this.main === null || this.alt !== null) return
    const now = core.clock.scheduler.now()
    const next = run.nextAfter(run.first, 'timeout', undefined)
    if (next < 0) return
    if (!core.budget.tryTake()) {
      core.stats.hedgesDeniedByBudget++
      return
    }
    core.stats.hedges++
    core.emit({
      type: 'hedge',
      cluster: run.clusterName(run.first),
      operation: run.name,
      at: now,
      elapsedMs: now - run.startedAt,
      to: run.clusterName(next),
      delayMs: now - this.startedAt,
    })
    this.alt = new Arm(this, true)
    attempt(run, next, core.secondaryTimeoutMs).subscribe(this.alt)
  }

  onNext(arm: Arm<T>, value: T): void {
    if (!this.decided) this.decide(arm)
    this.out.next(value)
  }

  onComplete(arm: Arm<T>): void {
    if (!this.decided) this.decide(arm)
    this.out.complete()
  }

  onError(arm: Arm<T>, error: unknown): void {
    if (arm === this.main) this.main = null
    else this.alt = null
    // A semantic error is an answer; after a failure the other attempt may still answer.
    if (!(error instanceof AttemptFailure)) this.decide(arm)
    else if (!this.decided && (this.main !== null || this.alt !== null)) return this.run.reportFailure(error)
    this.run.core.clock.disarm(this)
    this.out.error(error)
  }

  private decide(winner: Arm<T>): void {
    this.decided = true
    this.run.core.clock.disarm(this)
    if (winner.isHedge) this.run.core.stats.hedgeWins++
    const loser = winner === this.main ? this.alt : this.main
    loser?.unsubscribe()
  }

  override unsubscribe(): void {
    this.run.core.clock.disarm(this)
    this.main?.unsubscribe()
    this.alt?.unsubscribe()
    super.unsubscribe()
  }
}
