/**
 * Section 6, scale: 1k, 10k and 50k findById operations in flight at once through a
 * FailoverStore over two {@link GatedStore}s (virtual stores that hold every operation until
 * released, so all N are truly pending while the heap is measured, with no timer or socket per
 * operation on the store's side).
 *
 * For each N, the same N operations are also subscribed straight on a GatedStore ("raw"), so the
 * FailoverStore's own cost is the difference: what the caller's subscriptions and the store hold
 * is in both. Heap is measured after two forced full collections. ops/s is N divided by the time
 * to subscribe all N plus the time for all N answers to reach the caller (the deliberate hold in
 * between is excluded). Afterwards: the FailoverStore's in-flight count and operation timers must
 * be 0, and after close() the process's active resources must equal those before the run.
 */
import { performance } from 'node:perf_hooks'
import type { Observable } from 'rxjs'
import { FailoverStore } from '../../lib/failover/index.js'
import type { BenchContext, SectionOutput } from '../context.js'
import { sleep } from '../context.js'
import { activeResources, settledHeap } from '../gc.js'
import { GatedStore } from '../gated-store.js'
import { median } from '../stats.js'

export interface ScaleRow {
  readonly inFlight: number
  /** Heap per in-flight operation, raw store (caller's subscription + store's pending entry). */
  readonly rawBytesPerOp: number
  /** Heap per in-flight operation through the FailoverStore, everything included. */
  readonly failoverBytesPerOp: number
  /** What the FailoverStore adds per in-flight operation (failover minus raw). */
  readonly overheadBytesPerOp: number
  readonly rawOpsPerSec: number
  readonly failoverOpsPerSec: number
  /** stats().inFlight while the N operations were pending (should equal N). */
  readonly statsInFlightPeak: number
  /** stats().inFlight and activeTimers once every operation answered (should be 0 and 0). */
  readonly statsInFlightAfter: number
  readonly activeTimersAfter: number
  /** Resources (timers, handles) the process holds after close() beyond those before the run; should be 0. */
  readonly resourcesLeftAfterClose: number
  readonly answered: number
}

export interface ScaleJson {
  readonly store: string
  readonly rows: readonly ScaleRow[]
}

interface Measured {
  bytesPerOp: number
  opsPerSec: number
  peak: number
  answered: number
}

/** Subscribes n operations, measures heap while they are pending, releases them, measures time. */
function measure(n: number, op: () => Observable<unknown>, release: () => void, pendingCount: () => number): Measured {
  const before = settledHeap()
  const subs = new Array<unknown>(n)
  let answered = 0
  const observer = { complete: () => void answered++ }
  const t1 = performance.now()
  for (let i = 0; i < n; i++) subs[i] = op().subscribe(observer)
  const subscribeMs = performance.now() - t1
  const peak = pendingCount()
  const loaded = settledHeap()
  const t2 = performance.now()
  release()
  const answerMs = performance.now() - t2
  subs.length = 0
  return { bytesPerOp: (loaded - before) / n, opsPerSec: (n / (subscribeMs + answerMs)) * 1000, peak, answered }
}

function total(resources: Record<string, number>): number {
  return Object.values(resources).reduce((a, b) => a + b, 0)
}

export async function runScale(ctx: BenchContext, sizes: readonly number[] = [1_000, 10_000, 50_000]): Promise<SectionOutput<ScaleJson>> {
  const reps = ctx.quick ? 1 : 3
  const rows: ScaleRow[] = []
  // Warm-up: let the JIT compile both paths before anything is measured.
  for (let w = 0; w < 2; w++) {
    const gated = new GatedStore()
    measure(
      2_000,
      () => gated.findById(),
      () => gated.release(),
      () => gated.pending,
    )
    const a = new GatedStore()
    const store = new FailoverStore(
      [
        { name: 'A', store: a },
        { name: 'B', store: new GatedStore() },
      ],
      { timeoutMs: 120_000 },
    )
    measure(
      2_000,
      () => store.findById('k'),
      () => a.release(),
      () => 0,
    )
    void store.close({ graceMs: 0 })
  }
  for (const n of sizes) {
    const raw: Measured[] = []
    const fo: Measured[] = []
    let after = { inFlight: 0, activeTimers: 0, left: 0 }
    for (let r = 0; r < reps; r++) {
      const gated = new GatedStore()
      raw.push(
        measure(
          n,
          () => gated.findById(),
          () => gated.release(),
          () => gated.pending,
        ),
      )

      const resourcesBefore = total(activeResources())
      const primary = new GatedStore()
      const secondary = new GatedStore()
      // A deadline far beyond the measurement, so no operation times out while held.
      const store = new FailoverStore(
        [
          { name: 'A', store: primary },
          { name: 'B', store: secondary },
        ],
        { timeoutMs: 120_000 },
      )
      fo.push(
        measure(
          n,
          () => store.findById('k'),
          () => primary.release(),
          () => store.stats().inFlight,
        ),
      )
      const s = store.stats()
      void store.close({ graceMs: 0 })
      // Let cancelled timers and closed subjects settle before counting what is left.
      await sleep(20)
      const left = total(activeResources()) - resourcesBefore
      after = {
        inFlight: Math.max(after.inFlight, s.inFlight),
        activeTimers: Math.max(after.activeTimers, s.activeTimers),
        left: Math.max(after.left, left),
      }
    }
    const rawBytes = median(raw.map((m) => m.bytesPerOp))
    const foBytes = median(fo.map((m) => m.bytesPerOp))
    rows.push({
      inFlight: n,
      rawBytesPerOp: rawBytes,
      failoverBytesPerOp: foBytes,
      overheadBytesPerOp: foBytes - rawBytes,
      rawOpsPerSec: median(raw.map((m) => m.opsPerSec)),
      failoverOpsPerSec: median(fo.map((m) => m.opsPerSec)),
      statsInFlightPeak: Math.min(...fo.map((m) => m.peak)),
      statsInFlightAfter: after.inFlight,
      activeTimersAfter: after.activeTimers,
      resourcesLeftAfterClose: after.left,
      answered: Math.min(...fo.map((m) => m.answered)),
    })
    ctx.log(`scale: ${n} in flight done`)
  }
  const at10k = rows.find((r) => r.inFlight === 10_000)
  const notes = [
    'stores: GatedStore (virtual; every operation pending until released, no timer per operation); heap after forced full GC; ' +
      `${reps} repetition(s), medians. ops/s excludes the deliberate hold.`,
  ]
  if (at10k !== undefined) {
    const clean = rows.every(
      (r) => r.statsInFlightAfter === 0 && r.activeTimersAfter === 0 && r.resourcesLeftAfterClose <= 0 && r.answered === r.inFlight,
    )
    notes.push(
      `target heap <= 2048 B per in-flight op at 10k: FailoverStore adds ${Math.round(at10k.overheadBytesPerOp)} B, ` +
        `${Math.round(at10k.failoverBytesPerOp)} B with the caller's subscription and the store's entry included; nothing left behind: ${clean ? 'yes' : 'NO'}`,
    )
  }
  return {
    title: '6. scale: operations in flight through FailoverStore',
    rows: rows.map((r) => ({ ...r })),
    json: { store: 'GatedStore (virtual, released on demand)', rows },
    notes,
  }
}
