/**
 * Whether the store has demand: operations in flight, or one ended recently (within one to two
 * `lingerMs`, see below).
 * Background work (probes and their backoff) runs only while it does, so an idle store schedules
 * nothing and a marble test with finite operations ends without `close()`.
 *
 * ```
 * lingerMs 10; operations end at once
 * operations  -a--b-------------------c--
 * linger         ^---------!---------!       armed when a ends (1), re-armed at 11 (b ended since)
 * demand$     ft-------------------f--t--    f at 21: a whole linger without an operation ending
 * ```
 *
 * The linger timer is armed once per quiet period and re-armed lazily, not once per operation, and
 * reads no clock per operation: demand ends between `lingerMs` and twice that after the last one.
 */
import { BehaviorSubject, distinctUntilChanged, type Observable, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs'

function check(this: SchedulerAction<Demand>, demand: Demand): void {
  demand.onLinger()
}

export class Demand {
  private readonly subject = new BehaviorSubject(false)
  readonly demand$: Observable<boolean> = this.subject.pipe(distinctUntilChanged())
  private inFlight = 0
  /** Operations ended so far, and at the time the linger timer was armed. */
  private ended = 0
  private endedAtArm = 0
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
    this.ended++
    if (this.inFlight === 0 && this.timer === null) this.arm()
  }

  /** @internal */
  onLinger(): void {
    this.timer = null
    // Busy: end() arms again when the last operation ends.
    if (this.inFlight > 0 || this.subject.closed) return
    if (this.ended !== this.endedAtArm) this.arm()
    else this.subject.next(false)
  }

  private arm(): void {
    if (this.subject.closed) return
    this.endedAtArm = this.ended
    this.timer = this.scheduler.schedule(check, this.lingerMs, this)
  }

  stop(): void {
    this.timer?.unsubscribe()
    this.timer = null
    this.subject.complete()
  }
}
