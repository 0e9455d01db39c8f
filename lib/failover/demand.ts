/**
 * Whether the store has demand: operations in flight, or one ended less than `lingerMs` ago.
 * Background work (probes and their backoff) runs only while it does, so an idle store schedules
 * nothing and a marble test with finite operations ends without `close()`.
 *
 * ```
 * operations  -a--b--------------c--
 * demand$     ft--------------f--t--     (f after lingerMs without an operation)
 * ```
 *
 * The linger timer is armed once per quiet period and re-armed lazily, not once per operation.
 */
import { BehaviorSubject, distinctUntilChanged, type Observable, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs'

function check(this: SchedulerAction<Demand>, demand: Demand): void {
  demand.onLinger()
}

export class Demand {
  private readonly subject = new BehaviorSubject(false)
  readonly demand$: Observable<boolean> = this.subject.pipe(distinctUntilChanged())
  private inFlight = 0
  private lastEnd = 0
  private timer: Subscription | null = null

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly lingerMs: number,
  ) {}

  begin(): void {
    this.inFlight++
    if (!this.subject.value && !this.subject.closed) this.subject.next(true)
  }

  end(): void {
    this.inFlight--
    this.lastEnd = this.scheduler.now()
    if (this.inFlight === 0 && this.timer === null && !this.subject.closed) this.timer = this.scheduler.schedule(check, this.lingerMs, this)
  }

  /** @internal */
  onLinger(): void {
    this.timer = null
    if (this.inFlight > 0 || this.subject.closed) return
    const idle = this.scheduler.now() - this.lastEnd
    if (idle >= this.lingerMs) this.subject.next(false)
    else this.timer = this.scheduler.schedule(check, this.lingerMs - idle, this)
  }

  stop(): void {
    this.timer?.unsubscribe()
    this.timer = null
    this.subject.complete()
  }
}
