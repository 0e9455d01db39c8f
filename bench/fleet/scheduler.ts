/**
 * The fleet's one virtual clock: an RxJS `VirtualTimeScheduler` whose pending actions live in a
 * binary heap, run in chunks (`runUntil`).
 *
 * Why not the stock `VirtualTimeScheduler`: it keeps its actions in an array that it re-sorts on
 * every `schedule` and searches on every cancel, O(n) each; with 10,000 FailoverStores there are
 * tens of thousands of timers pending at any time, and millions scheduled per run. It also turns
 * every reschedule of a running action into a new action added as a child of the old one, so a
 * periodic timer (a store's heartbeat, a probe backoff) keeps a chain of every action it ever was.
 *
 * Here an action reschedules itself in place, a cancelled action is skipped when it comes due
 * (lazy deletion, O(1) cancel), and the order is the stock one: by due time, then by the order
 * the timers were scheduled in. Time is in whole milliseconds (see `enqueue`).
 */
import { Subscription, VirtualAction, VirtualTimeScheduler } from 'rxjs'

/** What the heap needs of an action. */
interface Queued {
  seq: number
  readonly closed: boolean
  readonly state?: unknown
  readonly delay: number
  execute(state: unknown, delay: number): unknown
}

class HeapAction<T> extends VirtualAction<T> implements Queued {
  /** Sequence number of this action's live heap entry; entries with another one are stale. */
  seq = -1

  override schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this
    if (!Number.isFinite(delay)) return Subscription.EMPTY
    this.state = state
    this.delay = delay
    this.pending = true
    this.id = (this.scheduler as FleetScheduler).enqueue(this, delay)
    return this
  }

  protected override recycleAsyncId(): undefined {
    return undefined
  }
}

type ActionCtor = ConstructorParameters<typeof VirtualTimeScheduler>[0]

export class FleetScheduler extends VirtualTimeScheduler {
  private readonly times: number[] = []
  private readonly seqs: number[] = []
  private readonly queued: Queued[] = []
  private nextSeq = 0
  /** Actions executed so far (for the run's report). */
  executed = 0

  constructor() {
    super(HeapAction as unknown as ActionCtor, Number.POSITIVE_INFINITY)
  }

  /** Heap entries, live or stale. */
  get pending(): number {
    return this.queued.length
  }

  /** @internal called by the actions: queues `action` at `frame + delay`. Returns its timer id. */
  enqueue(action: Queued, delay: number): number {
    const seq = this.nextSeq++
    action.seq = seq
    // Whole milliseconds, as Node's timers: a positive delay is at least 1 ms. A fractional clock
    // can stall: `now + (limit - (now - start))` may round back to `now`, and a timer re-armed for
    // the remainder then comes due at the same instant forever.
    const at = delay > 0 ? this.frame + Math.max(1, Math.round(delay)) : this.frame
    // Sift up from a new last slot.
    let i = this.queued.length
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.before(at, seq, parent)) break
      this.move(parent, i)
      i = parent
    }
    this.put(i, at, seq, action)
    return seq + 1
  }

  override flush(): void {
    this.runUntil(Number.POSITIVE_INFINITY)
  }

  /** Runs every action due at or before `until` (whole ms), in order, then sets the clock to `until`. */
  runUntil(until: number): void {
    const { times, seqs, queued } = this
    while (queued.length > 0 && (times[0] as number) <= until) {
      const at = times[0] as number
      const seq = seqs[0] as number
      const action = queued[0] as Queued
      this.pop()
      if (action.closed || action.seq !== seq) continue
      this.frame = at
      this.executed++
      const error: unknown = action.execute(action.state, action.delay)
      if (error) throw error
    }
    if (Number.isFinite(until) && until > this.frame) this.frame = until
  }

  /** Removes the first entry: the last one takes its place and sifts down. */
  private pop(): void {
    const lastT = this.times.pop() as number
    const lastS = this.seqs.pop() as number
    const lastA = this.queued.pop() as Queued
    const n = this.queued.length
    if (n === 0) return
    let i = 0
    while (true) {
      let child = 2 * i + 1
      if (child >= n) break
      const right = child + 1
      if (right < n && this.before(this.times[right] as number, this.seqs[right] as number, child)) child = right
      if (this.before(lastT, lastS, child)) break
      this.move(child, i)
      i = child
    }
    this.put(i, lastT, lastS, lastA)
  }

  /** Does an entry due at `at`, scheduled `seq`-th, run before the entry in slot `j`? */
  private before(at: number, seq: number, j: number): boolean {
    const t = this.times[j] as number
    return at < t || (at === t && seq < (this.seqs[j] as number))
  }

  private put(i: number, at: number, seq: number, action: Queued): void {
    this.times[i] = at
    this.seqs[i] = seq
    this.queued[i] = action
  }

  private move(from: number, to: number): void {
    this.put(to, this.times[from] as number, this.seqs[from] as number, this.queued[from] as Queued)
  }
}
