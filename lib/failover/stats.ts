/**
 * Counters and latency histograms per cluster and operation, read as a snapshot by
 * `FailoverStore.stats()`.
 *
 * Latencies go into HdrHistograms (hdr-histogram-js, pure JS): recording is O(1) with no
 * allocation, memory is fixed (about 9 KB per histogram, created lazily per cluster x operation
 * actually used), and tail percentiles (p99, p99.9) are exact to 2 significant digits, where a
 * sampling reservoir would blur exactly the tail that failover is about. Times are scheduler
 * milliseconds, so virtual-time tests see exact values.
 */
import { build, type Histogram } from 'hdr-histogram-js'
import { OPERATION_NAMES, type OperationName } from './policy.js'

/** @category Failover */
export interface LatencySnapshot {
  readonly count: number
  readonly mean: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly p999: number
  readonly max: number
}

/** @category Failover */
export interface OperationStats {
  /** Attempts that answered (a value, a completion, or a semantic error such as DocumentExists). */
  readonly ok: number
  /** Semantic errors among the answers. */
  readonly semanticErrors: number
  /** Attempts that failed with an availability error (timeouts not included). */
  readonly availabilityErrors: number
  readonly timeouts: number
  /** Latency of answered attempts (a find: until its last document). */
  readonly latencyMs: LatencySnapshot
}

/** @category Failover */
export interface FailoverStats {
  readonly active: { readonly index: number; readonly name: string }
  /** Operations subscribed and not yet finished. */
  readonly inFlight: number
  /** Limits currently armed (operation timeouts, hedge delays, settle bounds, probe limits); 0 when idle. */
  readonly activeTimers: number
  /** Changes of the active cluster because it failed (one `failover` event each). */
  readonly failovers: number
  /** Changes of the active cluster back after a successful probe (one `failback` event each). */
  readonly failbacks: number
  /** Operations that moved on to another cluster (one `rerouted` event each). */
  readonly reroutes: number
  /** Stalls of this process seen by the timekeeper, and their total length (ms, not charged to any cluster). */
  readonly stalls: number
  readonly stalledMs: number
  readonly hedges: number
  readonly hedgesDeniedByBudget: number
  readonly hedgeWins: number
  readonly resumes: number
  readonly gaveUp: number
  /** Times a cluster fell silent (one `silent` event each), and the reads in flight that moved on at once because of it. */
  readonly silences: number
  readonly silenceReissues: number
  /** Writes that ended with UnsettledWriteError (one `unsettled` event each). */
  readonly unsettled: number
  /** Writes not sent because an earlier write of their document may still land (PendingWriteError). */
  readonly fencedWrites: number
  /** Reads tried once more on the same cluster after a reset (retrySameCluster). */
  readonly sameClusterRetries: number
  /**
   * Reads of a document this store wrote inside the session window, answered by a cluster other
   * than the one that acknowledged the write (one `possibly-stale` event each): that cluster was
   * not in good standing, and the answer may predate the write (session.ts).
   */
  readonly possiblyStaleReads: number
  /** Writes that waited out the session window before moving their document to another cluster (session.ts). */
  readonly handoffs: number
  /** Documents whose latest write the session remembers now (at most `session.maxDocuments`). */
  readonly sessionDocuments: number
  readonly probesOk: number
  readonly probesFailed: number
  /** Per cluster name, per operation (only operations that ran there). */
  readonly clusters: Readonly<Record<string, Partial<Record<OperationName, OperationStats>>>>
}

const HIGHEST_MS = 3_600_000

const OP_INDEX = Object.fromEntries(OPERATION_NAMES.map((n, i) => [n, i])) as Record<OperationName, number>

class OpCounters {
  ok = 0
  semanticErrors = 0
  availabilityErrors = 0
  timeouts = 0
  readonly latency: Histogram = build({
    bitBucketSize: 32,
    numberOfSignificantValueDigits: 2,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_MS,
    autoResize: false,
    useWebAssembly: false,
  })

  record(ms: number): void {
    this.latency.recordValue(Math.min(HIGHEST_MS, Math.max(0, Math.round(ms))))
  }

  snapshot(): OperationStats {
    const h = this.latency
    return {
      ok: this.ok,
      semanticErrors: this.semanticErrors,
      availabilityErrors: this.availabilityErrors,
      timeouts: this.timeouts,
      latencyMs: {
        count: h.totalCount,
        mean: h.totalCount === 0 ? 0 : h.mean,
        p50: h.getValueAtPercentile(50),
        p90: h.getValueAtPercentile(90),
        p99: h.getValueAtPercentile(99),
        p999: h.getValueAtPercentile(99.9),
        max: h.maxValue,
      },
    }
  }
}

/** Mutable counters owned by one FailoverStore. Plain fields: the hot path increments them directly. */
export class StatsRecorder {
  failovers = 0
  failbacks = 0
  reroutes = 0
  hedges = 0
  hedgesDeniedByBudget = 0
  hedgeWins = 0
  resumes = 0
  gaveUp = 0
  silences = 0
  silenceReissues = 0
  unsettled = 0
  fencedWrites = 0
  sameClusterRetries = 0
  possiblyStaleReads = 0
  handoffs = 0
  probesOk = 0
  probesFailed = 0
  /** [cluster][operation index]: arrays, not maps, because the hot path looks one up per attempt. */
  private readonly perCluster: (OpCounters | undefined)[][]

  constructor(private readonly names: readonly string[]) {
    this.perCluster = names.map(() => OPERATION_NAMES.map(() => undefined))
  }

  op(cluster: number, operation: OperationName): OpCounters {
    const row = this.perCluster[cluster] as (OpCounters | undefined)[]
    const i = OP_INDEX[operation]
    return (row[i] ??= new OpCounters())
  }

  private find(cluster: number, operation: OperationName): OpCounters | undefined {
    return this.perCluster[cluster]?.[OP_INDEX[operation]]
  }

  /** The latency percentile of one cluster x operation, or undefined with fewer than `minSamples`. */
  percentile(cluster: number, operation: OperationName, percentile: number, minSamples: number): number | undefined {
    const counters = this.find(cluster, operation)
    if (counters === undefined || counters.latency.totalCount < minSamples) return undefined
    return counters.latency.getValueAtPercentile(percentile)
  }

  /** Samples recorded so far for one cluster x operation. */
  samples(cluster: number, operation: OperationName): number {
    return this.find(cluster, operation)?.latency.totalCount ?? 0
  }

  snapshot(
    active: { index: number; name: string },
    inFlight: number,
    clock: { armed: number; stalls: number; stalledMs: number },
    sessionDocuments: number,
  ): FailoverStats {
    const clusters: Record<string, Partial<Record<OperationName, OperationStats>>> = {}
    this.names.forEach((name, i) => {
      const ops: Partial<Record<OperationName, OperationStats>> = {}
      this.perCluster[i]?.forEach((counters, j) => {
        const op = OPERATION_NAMES[j]
        if (counters !== undefined && op !== undefined) ops[op] = counters.snapshot()
      })
      clusters[name] = ops
    })
    return {
      active,
      inFlight,
      activeTimers: clock.armed,
      failovers: this.failovers,
      failbacks: this.failbacks,
      reroutes: this.reroutes,
      stalls: clock.stalls,
      stalledMs: clock.stalledMs,
      hedges: this.hedges,
      hedgesDeniedByBudget: this.hedgesDeniedByBudget,
      hedgeWins: this.hedgeWins,
      resumes: this.resumes,
      gaveUp: this.gaveUp,
      silences: this.silences,
      silenceReissues: this.silenceReissues,
      unsettled: this.unsettled,
      fencedWrites: this.fencedWrites,
      sameClusterRetries: this.sameClusterRetries,
      possiblyStaleReads: this.possiblyStaleReads,
      handoffs: this.handoffs,
      sessionDocuments,
      probesOk: this.probesOk,
      probesFailed: this.probesFailed,
      clusters,
    }
  }
}
