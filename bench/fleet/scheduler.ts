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
    const { times, seqs, queued } = this
    let i = queued.length
    // Whole milliseconds, as Node's timers: a positive delay is at least 1 ms. A fractional clock
    // can stall: `now + (limit - (now - start))` may round back to `now`, and a timer re-armed for
    // the remainder then comes due at the same instant forever.
    const at = delay > 0 ? this.frame + Math.max(1, Math.round(delay)) : this.frame
    times.push(at)
    seqs.push(seq)
    queued.push(action)
    while (i > 0) {
      const parent = (i - 1) >> 1
      const pt = times[parent] as number
      if (pt < at || (pt === at && (seqs[parent] as number) < seq)) break
      times[i] = pt
      seqs[i] = seqs[parent] as number
      queued[i] = queued[parent] as Queued
      i = parent
    }
    times[i] = at
    seqs[i] = seq
    queued[i] = action
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

  private pop(): void {
    const { times, seqs, queued } = this
    const lastT = times.pop() as number
    const lastS = seqs.pop() as number
    const lastA = queued.pop() as Queued
    const n = queued.length
    if (n === 0) return
    let i = 0
    while (true) {
      let child = 2 * i + 1
      if (child >= n) break
      const right = child + 1
      if (right < n) {
        const ct = times[child] as number
        const rt = times[right] as number
        if (rt < ct || (rt === ct && (seqs[right] as number) < (seqs[child] as number))) child = right
      }
      const ct = times[child] as number
      if (lastT < ct || (lastT === ct && lastS < (seqs[child] as number))) break
      times[i] = ct
      seqs[i] = seqs[child] as number
      queued[i] = queued[child] as Queued
      i = child
    }
    times[i] = lastT
    seqs[i] = lastS
    queued[i] = lastA
  }
}
