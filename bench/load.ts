/**
 * Load generators. Operations are cold Observables (the Store contract), subscribed directly so
 * the generator itself adds the same small cost to every variant it drives.
 *
 * - {@link closedLoop}: `concurrency` workers, each starting its next operation when the last
 *   one ends; measures throughput and latency at a fixed number of operations in flight.
 * - {@link openLoop}: operations started on a fixed schedule whatever happens to earlier ones
 *   (no coordinated omission: a stalled cluster shows as latency, not as a lower request rate),
 *   every operation recorded with its start, end and outcome for timelines.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks'
import type { Observable, Subscription } from 'rxjs'

export type OpFactory = (i: number) => Observable<unknown>

export interface ClosedLoopOptions {
  readonly concurrency: number
  /** Measured time, after the warm-up. */
  readonly durationMs: number
  /** Operations run and discarded before measuring. Default 0. */
  readonly warmupMs?: number
  /** Hard bound on waiting for the last operations after `durationMs`. Default 5 000 ms. */
  readonly drainMs?: number
}

export interface ClosedLoopResult {
  readonly ops: number
  readonly errors: number
  readonly opsPerSec: number
  /** Latencies (ms) of the measured operations. */
  readonly latenciesMs: number[]
  /** The first error seen, for diagnosis. */
  readonly firstError: unknown
  /**
   * This process's CPU time (user + system) per measured operation, in microseconds: the client's
   * own cost, much less disturbed than wall-clock throughput by other work on a shared machine.
   */
  readonly cpuUsPerOp: number
  /**
   * Event-loop utilisation over the measured window (perf_hooks `eventLoopUtilization`): the share
   * of the time the loop was running callbacks rather than waiting for I/O. 1 = the client's loop
   * was the bottleneck; well below 1 = it waited on the server.
   */
  readonly eventLoopUtilization: number
}

/** Runs `concurrency` workers for warm-up + duration; counts operations that started and ended in the window. */
export function closedLoop(op: OpFactory, options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const warmupMs = options.warmupMs ?? 0
  const drainMs = options.drainMs ?? 5000
  return new Promise((resolve) => {
    const latencies: number[] = []
    let errors = 0
    let firstError: unknown
    let counter = 0
    let active = 0
    const begin = performance.now()
    const measureFrom = begin + warmupMs
    const stopAt = measureFrom + options.durationMs
    let measuredEnd = stopAt
    let finished = false
    const subs = new Set<Subscription>()
    let cpuAtStart: NodeJS.CpuUsage | undefined
    let cpuUsed: NodeJS.CpuUsage | undefined
    let eluAtStart: EventLoopUtilization | undefined
    let eluUsed: EventLoopUtilization | undefined
    // The window's CPU and loop figures are taken at its edges: by timer, or by the first operation
    // past an edge (synchronous operations hop through microtasks, so timers wait until the end).
    const windowStarts = () => {
      if (cpuAtStart !== undefined) return
      cpuAtStart = process.cpuUsage()
      eluAtStart = performance.eventLoopUtilization()
    }
    const windowEnds = () => {
      if (cpuUsed !== undefined || cpuAtStart === undefined) return
      cpuUsed = process.cpuUsage(cpuAtStart)
      eluUsed = performance.eventLoopUtilization(eluAtStart)
    }
    const warmupTimer = setTimeout(windowStarts, warmupMs)
    const stopTimer = setTimeout(windowEnds, warmupMs + options.durationMs)

    const finish = () => {
      if (finished) return
      finished = true
      clearTimeout(drainTimer)
      clearTimeout(warmupTimer)
      clearTimeout(stopTimer)
      for (const s of subs) s.unsubscribe()
      subs.clear()
      const window = (measuredEnd - measureFrom) / 1000
      const cpu = cpuUsed ?? process.cpuUsage(cpuAtStart)
      const cpuUsPerOp = cpuAtStart === undefined || latencies.length === 0 ? Number.NaN : (cpu.user + cpu.system) / latencies.length
      const elu = eluAtStart === undefined ? undefined : (eluUsed ?? performance.eventLoopUtilization(eluAtStart))
      resolve({
        ops: latencies.length,
        errors,
        opsPerSec: latencies.length / window,
        latenciesMs: latencies,
        firstError,
        cpuUsPerOp,
        eventLoopUtilization: elu?.utilization ?? Number.NaN,
      })
    }

    const startOne = (): void => {
      const started = performance.now()
      if (started >= measureFrom) windowStarts()
      if (started >= stopAt) windowEnds()
      if (started >= stopAt || finished) {
        if (active === 0) finish()
        return
      }
      active++
      let sub: Subscription | undefined
      let done = false
      const end = (failed: boolean, error?: unknown) => {
        if (done) return
        done = true
        active--
        if (sub !== undefined) subs.delete(sub)
        const now = performance.now()
        if (started >= measureFrom && now <= stopAt) {
          if (failed) {
            errors++
            firstError ??= error
          } else latencies.push(now - started)
        }
        // A synchronous store would recurse here; hop through a microtask to keep the stack flat.
        if (sub === undefined) queueMicrotask(startOne)
        else startOne()
      }
      sub = op(counter++).subscribe({ error: (e: unknown) => end(true, e), complete: () => end(false) })
      if (done) sub = undefined
      else subs.add(sub)
    }

    const drainTimer: NodeJS.Timeout = setTimeout(
      () => {
        measuredEnd = stopAt
        finish()
      },
      warmupMs + options.durationMs + drainMs,
    )
    for (let w = 0; w < options.concurrency; w++) startOne()
  })
}

export interface OpRecord {
  /** ms since the run began. */
  readonly start: number
  /** ms since the run began; NaN when the operation never ended within the bound. */
  end: number
  ok: boolean
  /** Who answered (from the `tagOf` function), when known. */
  servedBy: string | undefined
  error: string | undefined
}

export interface OpenLoopOptions {
  /** Operations started per second. */
  readonly rate: number
  readonly durationMs: number
  /** Bound on waiting for operations still running after `durationMs`; they are then cancelled and left with `end = NaN`. */
  readonly drainMs: number
  /** Names who answered an operation, from its emitted value. */
  readonly tagOf?: (value: unknown) => string | undefined
  /** Stops starting new operations beyond this many in flight (counted as `skipped`). Default 10 000. */
  readonly maxInFlight?: number
}

export interface OpenLoopRun {
  /** performance.now() at the start: subtract from a timestamp to put it on the run's clock. */
  readonly t0: number
  /** Every operation started so far (filled as the run goes). */
  readonly records: OpRecord[]
  /** Resolves when the run has ended (all operations ended or cancelled). */
  readonly done: Promise<{ skipped: number; unfinished: number }>
  /** The run's clock: ms since it began. */
  now(): number
  /** Starts `n` operations at once, beside the schedule (e.g. to have many in flight at a fault). */
  burst(n: number): void
}

function describe(error: unknown): string {
  if (error !== null && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code
  return error instanceof Error ? error.name : String(error)
}

/** Starts `rate` operations per second for `durationMs` on a 1 ms tick. */
export function openLoop(op: OpFactory, options: OpenLoopOptions): OpenLoopRun {
  const t0 = performance.now()
  const records: OpRecord[] = []
  const maxInFlight = options.maxInFlight ?? 10_000
  const live = new Map<OpRecord, Subscription>()
  let started = 0
  let scheduled = 0
  let skipped = 0
  let stopped = false
  let finished = false
  let drainTimer: NodeJS.Timeout | undefined
  let resolveDone: (r: { skipped: number; unfinished: number }) => void = () => undefined
  const done = new Promise<{ skipped: number; unfinished: number }>((resolve) => (resolveDone = resolve))
  const now = () => performance.now() - t0

  const finish = () => {
    if (finished) return
    finished = true
    if (drainTimer !== undefined) clearTimeout(drainTimer)
    const unfinished = live.size
    for (const sub of live.values()) sub.unsubscribe()
    live.clear()
    resolveDone({ skipped, unfinished })
  }
  const startOne = () => {
    const record: OpRecord = { start: now(), end: Number.NaN, ok: false, servedBy: undefined, error: undefined }
    records.push(record)
    let ended = false
    const end = (ok: boolean, error?: unknown) => {
      if (ended) return
      ended = true
      record.end = now()
      record.ok = ok
      if (!ok) record.error = describe(error)
      live.delete(record)
      if (stopped && live.size === 0) finish()
    }
    const sub = op(started++).subscribe({
      next: (value) => {
        if (options.tagOf !== undefined) record.servedBy = options.tagOf(value)
      },
      error: (e: unknown) => end(false, e),
      complete: () => end(true),
    })
    if (!ended) live.set(record, sub)
  }
  const tick = () => {
    const elapsed = now()
    if (elapsed >= options.durationMs) {
      stopped = true
      if (live.size === 0) finish()
      else drainTimer = setTimeout(finish, options.drainMs)
      return
    }
    const due = Math.floor((elapsed * options.rate) / 1000) + 1
    while (scheduled < due) {
      scheduled++
      if (live.size >= maxInFlight) skipped++
      else startOne()
    }
    setTimeout(tick, 1)
  }
  tick()
  return {
    t0,
    records,
    done,
    now,
    burst: (n: number) => {
      for (let i = 0; i < n && !stopped; i++) startOne()
    },
  }
}
