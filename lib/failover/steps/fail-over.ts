/**
 * Step 3: on an availability error, move the operation on to the next cluster routing allows,
 * limited to `secondaryTimeoutMs`; give up when there is none. Semantic errors (document exists,
 * not found, invalid argument…) are answers and pass straight through. Like `catchError` with the
 * next attempt as the selector, applied again to each new attempt.
 *
 * ```
 * c1 attempt   ---#                  availability error at 3
 * c2 attempt      ---a|              subscribed at 3
 * result       ------a|
 *
 * c1 attempt   ---#                  semantic error (DocumentExists)
 * result       ---#                  the same error; c2 never asked
 *
 * c1 attempt   ---#   c2 ---#        every cluster failed
 * result       ------#               FailoverError naming each cluster's cause
 * ```
 *
 * A find that fails after delivering documents continues after the last `_id` delivered (or runs
 * again from the start when allowed); see {@link planResume}. `rerouted` reports how many
 * documents the find delivered before it moved on, repeats of earlier restarts included: what a
 * restart delivers next is the result again from its first document.
 *
 * ```
 * c1 find      -d-c-#                $orderby v desc, $limit 4, allowRestart; reset at 5
 * c2 find           -d-c-b-a|        the same query, from the start
 * result       -d-c--d-c-b-a|        rerouted at 5 with delivered 2; the whole result follows
 * ```
 *
 * When the last failure was fast and
 * an earlier cluster only timed out, that slow cluster gets one more try (reads and other
 * `failover` operations only): a slow cluster beats none.
 */
import { Observable, Subscriber, Subscription, subscribeOn, type MonoTypeOperatorFunction } from 'rxjs'
import { FailoverError, ResumeNotPossibleError } from '../errors.js'
import { AttemptFailure, reasonOf, type FindPlan, type Run } from '../run.js'
import { attempt } from './attempt.js'

export function failOver<T>(run: Run<T>): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((out) => {
      const controller = new FailOver(run, out)
      controller.follow(source)
      return controller
    })
}

class Relay<T> extends Subscriber<T> {
  constructor(private readonly owner: FailOver<T>) {
    super()
  }
  protected override _next(value: T): void {
    this.owner.delivered++
    this.owner.out.next(value)
  }
  protected override _error(error: unknown): void {
    this.unsubscribe()
    this.owner.onError(error)
  }
  protected override _complete(): void {
    this.unsubscribe()
    this.owner.out.complete()
  }
}

class FailOver<T> extends Subscription {
  private current: Subscription | null = null
  private secondChanceUsed = false
  /** Values passed to the caller, from every attempt (a find's documents, repeats included). */
  delivered = 0

  constructor(
    private readonly run: Run<T>,
    readonly out: Subscriber<T>,
  ) {
    super()
  }

  override unsubscribe(): void {
    this.current?.unsubscribe()
    super.unsubscribe()
  }

  follow(source: Observable<T>): void {
    this.current = source.subscribe(new Relay(this))
  }

  onError(error: unknown): void {
    const run = this.run
    if (this.closed) return
    if (!(error instanceof AttemptFailure)) return this.out.error(error)
    run.reportFailure(error)
    const from = error.cluster
    let next = run.nextAfter(from, error.failure, error.error)
    if (next < 0 && !this.secondChanceUsed) {
      this.secondChanceUsed = true
      next = run.secondChance(from, error)
    }
    if (next < 0) return this.giveUp(from, error.error)
    if (run.streaming && this.delivered > 0 && !this.planResume(error.error, run.find as FindPlan)) return
    const core = run.core
    const now = core.clock.scheduler.now()
    core.stats.reroutes++
    core.emit({
      type: 'rerouted',
      cluster: run.clusterName(from),
      operation: run.name,
      at: now,
      elapsedMs: now - run.startedAt,
      to: run.clusterName(next),
      reason: reasonOf(error.error),
      ...(run.streaming ? { delivered: this.delivered } : {}),
    })
    // A write moving its document off the cluster of its previous write waits out that write's window (session.ts).
    const waitMs = run.isRead ? 0 : core.session.handoffMs(run.ownWrite, next, now)
    if (waitMs > 0) core.stats.handoffs++
    const nextAttempt = attempt(run, next, core.secondaryTimeoutMs)
    this.follow(waitMs > 0 ? nextAttempt.pipe(subscribeOn(core.clock.scheduler, waitMs)) : nextAttempt)
  }

  private giveUp(from: number, error: unknown): void {
    const run = this.run
    const core = run.core
    const causes = run.causes ?? []
    const now = core.clock.scheduler.now()
    core.stats.gaveUp++
    core.emit({
      type: 'gave-up',
      cluster: run.clusterName(from),
      operation: run.name,
      at: now,
      elapsedMs: now - run.startedAt,
      reason: reasonOf(error),
      causes: causes.map((c) => ({ cluster: c.cluster, reason: reasonOf(c.error) })),
    })
    this.out.error(causes.length > 1 ? new FailoverError(run.name, causes) : error)
  }

  /**
   * A find failed after delivering documents. Continue after the last `_id` when results are in
   * `_id` order; otherwise restart if allowed, else fail. Returns false when it failed the operation.
   */
  private planResume(error: unknown, find: FindPlan): boolean {
    const run = this.run
    let idOrdered: boolean
    try {
      idOrdered = find.isIdOrdered()
    } catch (parseError) {
      this.out.error(parseError)
      return false
    }
    if (idOrdered && run.lastId !== undefined) {
      run.resume = { lastId: run.lastId, delivered: run.delivered }
      run.core.stats.resumes++
      return true
    }
    if (find.allowRestart) {
      run.resume = undefined
      run.delivered = 0
      run.lastId = undefined
      return true
    }
    const why = idOrdered
      ? 'the delivered documents carry no _id (add _id to $select)'
      : 'its results are not in _id order ($orderby on another field)'
    this.out.error(
      new ResumeNotPossibleError(
        `find failed after ${this.delivered} documents (${reasonOf(error)}) and cannot resume on another cluster without duplicates or gaps: ${why}; pass allowRestart: true to run it again from the start`,
        this.delivered,
        { cause: error },
      ),
    )
    return false
  }
}
