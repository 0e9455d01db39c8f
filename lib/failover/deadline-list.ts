/**
 * Timeouts for many operations with one scheduler action.
 *
 * All attempts that share a time limit (say the 500 ms `timeoutMs`) start in time order, so their
 * deadlines come in the same order: an intrusive FIFO list holds them, and a single scheduler
 * action sleeps until the head's deadline. Adding and cancelling are a few pointer writes (no
 * `setInterval`/`clearInterval` and no allocation per operation), which is what keeps the failover
 * wrapper within a few percent of the raw driver.
 *
 * ```
 * adds      a-b--c------------        (limit 10)
 * removed   ----b---------------      (b answered at 4)
 * expires   ----------a----c----      (a at 10, c at 15: exact in virtual time)
 * action    ----------x----x----      (one action, re-armed for the next head)
 * ```
 *
 * A cancelled head does not disarm the action: it fires at the old deadline, finds nothing due and
 * re-arms for the new head (or stops when the list is empty). {@link dispose} cancels it.
 */
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs'

/** What the list links and expires. Fields are owned by the list. */
export interface DeadlineEntry {
  deadline: number
  prevEntry: DeadlineEntry | null
  nextEntry: DeadlineEntry | null
  list: DeadlineList | null
  expire(): void
}

function fire(this: SchedulerAction<DeadlineList>, list: DeadlineList): void {
  list.onFire(this)
}

export class DeadlineList {
  private head: DeadlineEntry | null = null
  private tail: DeadlineEntry | null = null
  private action: Subscription | null = null
  private disposed = false
  size = 0

  constructor(
    readonly durationMs: number,
    private readonly scheduler: SchedulerLike,
  ) {}

  /** Links `entry` with deadline `startedAt + durationMs`; `startedAt` must not precede earlier adds. */
  add(entry: DeadlineEntry, startedAt: number): void {
    entry.deadline = startedAt + this.durationMs
    entry.list = this
    entry.nextEntry = null
    entry.prevEntry = this.tail
    if (this.tail === null) this.head = entry
    else this.tail.nextEntry = entry
    this.tail = entry
    this.size++
    if (this.action === null && !this.disposed) this.action = this.scheduler.schedule(fire, this.durationMs, this)
  }

  remove(entry: DeadlineEntry): void {
    if (entry.list !== this) return
    const { prevEntry, nextEntry } = entry
    if (prevEntry === null) this.head = nextEntry
    else prevEntry.nextEntry = nextEntry
    if (nextEntry === null) this.tail = prevEntry
    else nextEntry.prevEntry = prevEntry
    entry.prevEntry = entry.nextEntry = null
    entry.list = null
    this.size--
  }

  /** @internal the scheduled action's work. */
  onFire(action: SchedulerAction<DeadlineList>): void {
    this.action = null
    const now = this.scheduler.now()
    let entry = this.head
    while (entry !== null && entry.deadline <= now) {
      this.remove(entry)
      entry.expire()
      entry = this.head
    }
    // Reuse the action (an AsyncAction keeps its interval when the delay is unchanged).
    if (entry !== null && this.action === null && !this.disposed) this.action = action.schedule(this, entry.deadline - now)
  }

  /** Cancels the scheduler action; entries left are not expired. */
  dispose(): void {
    this.disposed = true
    this.action?.unsubscribe()
    this.action = null
  }
}
