/**
 * Per-phase figures and the latency-over-time buckets, computed once at the end from the
 * workload's history (every operation, not a sample) and the recorder's spans and events.
 */
import type { Operation } from '../../lib/chaos/history.js'
import { summarize } from '../../lib/chaos/percentiles.js'
import type { ClusterSpan, LatencyBucket, PhaseSummary } from './types.js'

export interface PhaseWindow {
  readonly name: string
  readonly title: string
  readonly fromMs: number
  readonly toMs: number
}

const latencyOf = (op: Operation): number => (op.completeMs as number) - op.invokeMs
const p99 = (values: number[]): number => (values.length === 0 ? 0 : summarize(values).p99Ms)
const round1 = (ms: number): number => (Number.isFinite(ms) ? Math.round(ms * 10) / 10 : 0)

/** Operations are attributed to the phase in which they started. */
export function summarizePhases(
  windows: readonly PhaseWindow[],
  operations: readonly Operation[],
  spans: readonly ClusterSpan[],
  hedgeTimes: readonly number[],
  clusters: readonly string[],
): PhaseSummary[] {
  return windows.map((w) => {
    const inPhase = (t: number) => t >= w.fromMs && t < w.toMs
    const done = operations.filter((op) => op.completeMs !== undefined && inPhase(op.invokeMs))
    const all = done.map(latencyOf)
    const summary = summarize(all)
    const servedBy: Record<string, number> = {}
    for (const name of clusters) servedBy[name] = 0
    for (const op of done) if (op.cluster !== undefined) servedBy[op.cluster] = (servedBy[op.cluster] ?? 0) + 1
    for (const name of Object.keys(servedBy))
      servedBy[name] = done.length === 0 ? 0 : Math.round(((servedBy[name] ?? 0) / done.length) * 1000) / 1000
    const seconds = Math.max(0.001, (w.toMs - w.fromMs) / 1000)
    return {
      name: w.name,
      title: w.title,
      fromMs: Math.round(w.fromMs),
      toMs: Math.round(w.toMs),
      ops: done.length,
      opsPerSecond: Math.round(done.length / seconds),
      p50Ms: round1(summary.p50Ms),
      p99Ms: round1(summary.p99Ms),
      maxMs: round1(summary.maxMs),
      readP99Ms: round1(p99(done.filter((op) => op.type === 'read').map(latencyOf))),
      writeP99Ms: round1(p99(done.filter((op) => op.type !== 'read').map(latencyOf))),
      errors: done.filter((op) => op.outcome !== 'ok').length,
      failovers: spans.filter((s) => s.reason === 'failover' && inPhase(s.fromMs)).length,
      failbacks: spans.filter((s) => s.reason === 'failback' && inPhase(s.fromMs)).length,
      hedges: hedgeTimes.filter(inPhase).length,
      servedBy,
    }
  })
}

/** A bucket width giving about 300 buckets over the run, at least 100 ms. */
export function bucketWidth(durationMs: number): number {
  return Math.max(100, Math.ceil(durationMs / 300 / 50) * 50)
}

/** Latency per time bucket (by start time) and per cluster that was active when the operation ended. */
export function latencyBuckets(operations: readonly Operation[], bucketMs: number): LatencyBucket[] {
  const groups = new Map<string, { fromMs: number; cluster: string; values: number[] }>()
  for (const op of operations) {
    if (op.completeMs === undefined) continue
    const fromMs = Math.floor(op.invokeMs / bucketMs) * bucketMs
    const cluster = op.cluster ?? '?'
    const key = `${fromMs}|${cluster}`
    let group = groups.get(key)
    if (group === undefined) groups.set(key, (group = { fromMs, cluster, values: [] }))
    group.values.push(latencyOf(op))
  }
  return [...groups.values()]
    .sort((a, b) => a.fromMs - b.fromMs || a.cluster.localeCompare(b.cluster))
    .map((g) => {
      const s = summarize(g.values)
      return {
        fromMs: g.fromMs,
        cluster: g.cluster,
        count: s.count,
        p50Ms: round1(s.p50Ms),
        p99Ms: round1(s.p99Ms),
        maxMs: round1(s.maxMs),
      }
    })
}
