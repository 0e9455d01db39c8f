/**
 * The one owner of a FailoverStore's operation timers: time limits, hedge delays and settle
 * bounds, all measured in time the client could run.
 *
 * Node runs due timers before it reads sockets. After a stall of the client's own process (a GC
 * pause, a CPU-bound handler, a loaded machine) every deadline that came due during the stall
 * would fire before the answers already waiting in the socket, and the cluster would be blamed
 * for the client's pause. So:
 *
 * - While anything is armed, a heartbeat wakes every `tickMs`. A wake that comes more than
 *   `thresholdMs` late is a stall: its lateness is added to {@link stalledMs}, reported through
 *   `onStall`, and every armed deadline moves out by as much. Limits run on the *runnable clock*
 *   (`scheduler.now() - stalledMs`), which the stall did not advance.
 * - A wake that comes late at all expires nothing itself: it re-arms for the next turn, so the
 *   event loop reads pending I/O first and answers that arrived during the stall win. That turn
 *   is the only grace: the wake after it expires whatever is due even if it is late itself (it
 *   may be, on a busy loop), unless it saw a new stall. Waiting for a punctual wake instead would
 *   put every expiry off for as long as the loop stays busy, which is when it matters most.
 * - Work that runs after a stall before the heartbeat does (a timer that came due earlier, a
 *   promise continuation of the handler that blocked) sees the stall too: reading the clock
 *   with the heartbeat overdue by more than `thresholdMs` charges the stall there, so a limit
 *   armed then starts on the runnable clock, not on one the stall is about to move back.
 *
 * In virtual time (TestScheduler) wakes are never late, so every limit is exact; a scheduler whose
 * clock jumps (see the stall specs) shows the accounting exactly.
 *
 * ```
 * wall clock    0----100---------------350-351
 * stall               [==========250=====]
 * limit 100     armed at 0, due at 100: the wake at 350 is 250 late
 * runnable      0----100 (frozen)       100-101
 * result        not expired at 350; due again at 350 + (100 - 100) + one turn for I/O
 * ```
 *
 * Entries sharing a limit are kept in a list sorted by due time; adds nearly always go to the tail
 * (operations start in time order), so linking is O(1) and there is no timer per operation. An
 * entry that moves to a longer limit, or re-arms with an older start, is inserted in order (the
 * fault of the first version, whose FIFO assumption could fire other entries a whole limit late).
 */
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs'

/** What the timekeeper links and expires. Link fields are owned by the timekeeper. */
export interface TimedEntry {
  /** Runnable-clock time at which {@link expire} is due. */
  due: number
  prevEntry: TimedEntry | null
  nextEntry: TimedEntry | null
  list: DeadlineList | null
  expire(): void
}

/**
 * Stall detection.
 * @category Failover
 */
export interface StallOptions {
  /** Heartbeat period while anything is armed, ms. Default 10. */
  readonly tickMs?: number
  /** A wake this much later than planned counts as a stall, ms. Default 20. */
  readonly thresholdMs?: number
}

/** @category Internals */
export const DEFAULT_STALL: Required<StallOptions> = Object.freeze({ tickMs: 10, thresholdMs: 20 })

/** A stall of the client's own process, seen by a late heartbeat. */
export interface Stall {
  /** Scheduler time the stall was noticed. */
  readonly at: number
  /** How long the process could not run our timer, ms. */
  readonly stalledMs: number
}

/** Entries sharing one limit, sorted by due time. */
export class DeadlineList {
  head: TimedEntry | null = null
  private tail: TimedEntry | null = null
  size = 0

  constructor(readonly limitMs: number) {}

  insert(entry: TimedEntry): void {
    let after = this.tail
    while (after !== null && after.due > entry.due) after = after.prevEntry
    entry.list = this
    entry.prevEntry = after
    entry.nextEntry = after === null ? this.head : after.nextEntry
    if (after === null) this.head = entry
    else after.nextEntry = entry
    if (entry.nextEntry === null) this.tail = entry
    else entry.nextEntry.prevEntry = entry
    this.size++
  }

  remove(entry: TimedEntry): void {
    const { prevEntry, nextEntry } = entry
    if (prevEntry === null) this.head = nextEntry
    else prevEntry.nextEntry = nextEntry
    if (nextEntry === null) this.tail = prevEntry
    else nextEntry.prevEntry = prevEntry
    entry.prevEntry = entry.nextEntry = null
    entry.list = null
    this.size--
  }
}

function wake(this: SchedulerAction<Timekeeper>, keeper: Timekeeper): void {
  keeper.onWake(this)
}

export class Timekeeper {
  /** Total time the process was seen stalled, ms. */
  stalledMs = 0
  stalls = 0
  /** Entries armed now (for stats: 0 when idle). */
  armed = 0
  private readonly lists = new Map<number, DeadlineList>()
  /** The list most attempts use, found without a map lookup. */
  private hot: DeadlineList | null = null
  private action: Subscription | null = null
  private plannedAt = 0
  /** How late the planned wake already was when its stall was charged (before the wake ran). */
  private charged = 0
  private disposed = false
  /** Inside a wake: arms made by expiring entries are planned for after it. */
  private waking = false
  /** The planned wake is the turn a late wake gave the event loop: it expires however late it is. */
  private graceTurn = false
  private readonly tickMs: number
  private readonly thresholdMs: number

  constructor(
    readonly scheduler: SchedulerLike,
    options: Required<StallOptions>,
    private readonly onStall: (stall: Stall) => void,
    /** Runs at each on-time heartbeat, after the due entries expired (silence.ts watches there). */
    private readonly onBeat: (runnableNow: number) => void = () => {},
  ) {
    this.tickMs = options.tickMs
    this.thresholdMs = options.thresholdMs
  }

  /** The runnable clock: scheduler time minus the stalls seen. */
  now(): number {
    return this.runnable(this.scheduler.now())
  }

  /** Arms `entry` to expire `limitMs` after `start` (runnable clock; default now). Returns the scheduler time now. */
  arm(entry: TimedEntry, limitMs: number, start?: number): number {
    const wallNow = this.scheduler.now()
    const runnableNow = this.runnable(wallNow)
    entry.due = (start ?? runnableNow) + limitMs
    this.listFor(limitMs).insert(entry)
    this.armed++
    if (this.waking || this.disposed) return wallNow
    const delay = Math.max(0, Math.min(this.tickMs, entry.due - runnableNow))
    // The heartbeat is planned at most tickMs ahead: it only moves for a limit shorter than that.
    if (this.action !== null && this.plannedAt <= wallNow + delay) return wallNow
    this.action?.unsubscribe()
    this.plan(wallNow, delay)
    return wallNow
  }

  disarm(entry: TimedEntry): void {
    const list = entry.list
    if (list === null) return
    list.remove(entry)
    this.armed--
  }

  /** Every entry armed now, in no particular order (a snapshot: arming or disarming while visiting it is safe). */
  entries(): TimedEntry[] {
    const all: TimedEntry[] = []
    for (const list of this.lists.values()) for (let e = list.head; e !== null; e = e.nextEntry) all.push(e)
    return all
  }

  /** Cancels the heartbeat; entries left are never expired. */
  dispose(): void {
    this.disposed = true
    this.action?.unsubscribe()
    this.action = null
  }

  /** @internal the heartbeat's work. */
  onWake(action: SchedulerAction<Timekeeper>): void {
    this.action = null
    const wallNow = this.scheduler.now()
    const late = wallNow - this.plannedAt
    if (late - this.charged > this.thresholdMs) this.charge(wallNow)
    // Late: let the event loop read sockets before anything expires, for one turn; after a stall
    // seen since this wake was planned (here or by a clock read before it), for one more.
    const defer = this.charged > 0 || (late > 1 && !this.graceTurn)
    this.graceTurn = defer
    if (!defer) {
      this.waking = true
      try {
        this.expireDue()
        this.onBeat(this.now())
      } finally {
        this.waking = false
      }
    }
    if (this.armed > 0 && this.action === null && !this.disposed) this.plan(wallNow, defer ? 1 : this.nextDelay(), action)
  }

  /** The runnable time at scheduler time `wallNow`, once a stall the heartbeat has not run for yet is charged. */
  private runnable(wallNow: number): number {
    if (this.action !== null && wallNow - this.plannedAt - this.charged > this.thresholdMs) this.charge(wallNow)
    return wallNow - this.stalledMs
  }

  /** Charges the planned wake's lateness at `wallNow`, less what was charged for it already, as one stall. */
  private charge(wallNow: number): void {
    const late = wallNow - this.plannedAt
    const stalledMs = late - this.charged
    this.charged = late
    this.stalledMs += stalledMs
    this.stalls++
    this.onStall({ at: wallNow, stalledMs })
  }

  private expireDue(): void {
    const now = this.now()
    for (const list of this.lists.values()) {
      let entry = list.head
      while (entry !== null && entry.due <= now) {
        list.remove(entry)
        this.armed--
        entry.expire()
        entry = list.head
      }
    }
  }

  private nextDelay(): number {
    const now = this.now()
    let delay = this.tickMs
    for (const list of this.lists.values()) if (list.head !== null) delay = Math.min(delay, list.head.due - now)
    return Math.max(0, delay)
  }

  /** Plans the next wake `delay` after `wallNow`, reusing the running action when there is one. */
  private plan(wallNow: number, delay: number, action?: SchedulerAction<Timekeeper>): void {
    this.plannedAt = wallNow + delay
    this.charged = 0
    this.action = action === undefined ? this.scheduler.schedule(wake, delay, this) : action.schedule(this, delay)
  }

  private listFor(limitMs: number): DeadlineList {
    const hot = this.hot
    if (hot !== null && hot.limitMs === limitMs) return hot
    let list = this.lists.get(limitMs)
    if (list === undefined) {
      list = new DeadlineList(limitMs)
      this.lists.set(limitMs, list)
    }
    this.hot = list
    return list
  }
}
