/**
 * What one demo run produces: the `--json` document, and the input of the summary table and the
 * HTML report. All times are milliseconds since the workload started, on one monotonic clock.
 */

import type { Anomaly } from '../../lib/chaos/checker.js'
import type { RecordedTrace } from './trace.js'

/** One line of the live view: what happened during one second. */
export interface SecondSample {
  /** End of the second, ms. */
  readonly atMs: number
  readonly phase: string
  /** Operations that completed during the second. */
  readonly ops: number
  readonly p99Ms: number
  /** The active cluster at the end of the second. */
  readonly cluster: string
  /** Operations that ended with an error during the second. */
  readonly errors: number
  readonly timeouts: number
  readonly hedges: number
}

export type DemoEventType = 'phase' | 'fault' | 'failover' | 'failback' | 'hedge' | 'probe-ok' | 'probe-failed' | 'gave-up' | 'timeout'

/** Something worth a line of its own in the live view and a mark on the report's timeline. */
export interface DemoEvent {
  readonly atMs: number
  readonly type: DemoEventType
  readonly text: string
}

/** A span during which one cluster was the active one (`cluster$`). */
export interface ClusterSpan {
  readonly cluster: string
  readonly fromMs: number
  readonly toMs: number
  readonly reason: 'initial' | 'failover' | 'failback' | 'operator'
}

/** Latency of the operations that started in one time bucket and were answered by one cluster. */
export interface LatencyBucket {
  readonly fromMs: number
  readonly cluster: string
  readonly count: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

export interface PhaseSummary {
  readonly name: string
  readonly title: string
  readonly fromMs: number
  readonly toMs: number
  readonly ops: number
  readonly opsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  readonly readP99Ms: number
  readonly writeP99Ms: number
  readonly errors: number
  readonly failovers: number
  readonly failbacks: number
  readonly hedges: number
  /** Share of the phase's operations completed while each cluster was active. */
  readonly servedBy: Readonly<Record<string, number>>
}

export interface CheckOutcome {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
}

export interface DemoResult {
  readonly startedAt: string
  readonly durationMs: number
  readonly clusters: readonly string[]
  readonly settings: Readonly<Record<string, string | number>>
  readonly phases: readonly PhaseSummary[]
  readonly seconds: readonly SecondSample[]
  readonly events: readonly DemoEvent[]
  readonly clusterTimeline: readonly ClusterSpan[]
  readonly latency: readonly LatencyBucket[]
  readonly bucketMs: number
  readonly totals: {
    readonly ops: number
    readonly errors: number
    readonly failovers: number
    readonly failbacks: number
    readonly hedges: number
    readonly lostWrites: number
    readonly duplicateApplies: number
    readonly hangs: number
    readonly documents: number
    readonly convergenceMs: number | null
  }
  /** Errors returned to callers by workload operation type and error code, e.g. `increment FAILOVER`. */
  readonly errorsByKind: Readonly<Record<string, number>>
  readonly checks: readonly CheckOutcome[]
  /** The spans OpenTelemetry recorded for one operation that failed over (null when none did), drawn as the report's waterfall. */
  readonly trace: RecordedTrace | null
  /** The first anomalies the history checker found (lost writes, duplicates…), for diagnosis. */
  readonly anomalies: readonly Anomaly[]
  /** True when every check holds (the process then exits 0). */
  readonly ok: boolean
}
