/**
 * The record of a chaos run, in the spirit of Jepsen's histories: every operation's invocation and
 * outcome on one clock, plus the timeline the checker needs to judge them (when each cluster was
 * down, when the client switched cluster, the phases of the scenario).
 *
 * Pure bookkeeping: no I/O, no timers. The clock is injectable so specs build histories by hand.
 */
import { performance } from 'node:perf_hooks'

export type OpType = 'write-idempotent' | 'write-conditional' | 'increment' | 'read'

/**
 * - `ok`: the caller got success.
 * - `fail`: the caller got an error that proves the operation did not take effect.
 * - `info`: the caller got an error after which the effect is unknown (timeouts, availability errors).
 */
export type Outcome = 'ok' | 'fail' | 'info'

export interface Operation {
  /** Unique in the run; increments carry it into the data (`ops` array) so duplicates show. */
  readonly id: number
  /** The logical client that issued it (one operation at a time per process). */
  readonly process: number
  readonly type: OpType
  readonly key: string
  /** Writes: the value written (unique per write). Reads: the value read, `null` when absent. */
  readonly value?: string | null
  /** Increments: the amount added. */
  readonly amount?: number
  readonly invokeMs: number
  /** Absent while the operation has no outcome. */
  readonly completeMs?: number
  readonly outcome?: Outcome
  /** The cluster that answered, when known. */
  readonly cluster?: string
  /** Error code (or message) for `fail` / `info`. */
  readonly error?: string
}

/** A span during which a cluster could not serve (killed, paused, partitioned, refusing). */
export interface Downtime {
  readonly cluster: string
  readonly fromMs: number
  /** Absent while still down at the end of the run. */
  readonly toMs?: number
}

/** The client moved its active cluster. */
export interface Switch {
  readonly atMs: number
  readonly from: string
  readonly to: string
}

export interface Phase {
  readonly name: string
  readonly startMs: number
}

/** A point-in-time copy of a history; what the checker reads. */
/** A span of the history's clock. */
export interface Span {
  readonly fromMs: number
  readonly toMs: number
}

export interface HistorySnapshot {
  readonly operations: readonly Operation[]
  readonly downtime: readonly Downtime[]
  readonly switches: readonly Switch[]
  readonly phases: readonly Phase[]
  /**
   * Spans during which the client process could not run (stall events of the FailoverStore):
   * time no cluster is charged for, so no operation is judged hung for it.
   */
  readonly stalls: readonly Span[]
  /** When the snapshot was taken; pending operations are judged against it. */
  readonly endMs: number
}

export interface HistoryOptions {
  /** Milliseconds on a monotonic clock. Default: `performance.now()` relative to construction. */
  readonly now?: () => number
}

type MutableOp = { -readonly [K in keyof Operation]: Operation[K] }

export class History {
  private readonly now: () => number
  private readonly ops: MutableOp[] = []
  private readonly byId = new Map<number, MutableOp>()
  private readonly down: { cluster: string; fromMs: number; toMs?: number }[] = []
  private readonly switchList: Switch[] = []
  private readonly phaseList: Phase[] = []
  private readonly stallList: Span[] = []
  private nextId = 1

  constructor(options: HistoryOptions = {}) {
    if (options.now !== undefined) {
      this.now = options.now
    } else {
      const origin = performance.now()
      this.now = () => performance.now() - origin
    }
  }

  /** The history's clock, for callers that time things on the same axis. */
  time(): number {
    return this.now()
  }

  /** Records an invocation and returns the new operation's id. */
  invoke(process: number, type: OpType, key: string, extra: { value?: string | null; amount?: number } = {}): number {
    const id = this.nextId++
    const op: MutableOp = { id, process, type, key, invokeMs: this.now(), ...extra }
    this.ops.push(op)
    this.byId.set(id, op)
    return id
  }

  /** Records the outcome of an operation; a second outcome for the same id is an error. */
  complete(id: number, outcome: Outcome, detail: { cluster?: string; error?: string; value?: string | null } = {}): void {
    const op = this.byId.get(id)
    if (op === undefined) throw new Error(`history: unknown operation ${id}`)
    if (op.outcome !== undefined) throw new Error(`history: operation ${id} already completed`)
    op.completeMs = this.now()
    op.outcome = outcome
    if (detail.cluster !== undefined) op.cluster = detail.cluster
    if (detail.error !== undefined) op.error = detail.error
    if (detail.value !== undefined) op.value = detail.value
  }

  /** Marks a cluster down (no-op when already down). */
  clusterDown(cluster: string): void {
    if (this.down.some((d) => d.cluster === cluster && d.toMs === undefined)) return
    this.down.push({ cluster, fromMs: this.now() })
  }

  /** Marks a cluster up again (no-op when not down). */
  clusterUp(cluster: string): void {
    const open = this.down.find((d) => d.cluster === cluster && d.toMs === undefined)
    if (open !== undefined) open.toMs = this.now()
  }

  switched(from: string, to: string): void {
    this.switchList.push({ atMs: this.now(), from, to })
  }

  /** The client process could not run for the `stalledMs` that just ended. */
  stalled(stalledMs: number): void {
    const toMs = this.now()
    this.stallList.push({ fromMs: toMs - stalledMs, toMs })
  }

  phase(name: string): void {
    this.phaseList.push({ name, startMs: this.now() })
  }

  /** Operations invoked so far. */
  get size(): number {
    return this.ops.length
  }

  /** Operations without an outcome yet. */
  pending(): Operation[] {
    return this.ops.filter((op) => op.outcome === undefined).map((op) => ({ ...op }))
  }

  snapshot(): HistorySnapshot {
    return {
      operations: this.ops.map((op) => ({ ...op })),
      downtime: this.down.map((d) => ({ ...d })),
      switches: [...this.switchList],
      phases: [...this.phaseList],
      stalls: [...this.stallList],
      endMs: this.now(),
    }
  }
}
