/**
 * Small statistics for the bench: medians across repetitions and latency summaries.
 *
 * Latencies are kept as plain arrays of milliseconds and summarised by nearest rank, so every
 * figure printed is a real sample (no interpolation).
 */

import { percentile } from '../lib/chaos/percentiles.js'

export { percentile }

export interface LatencyFigures {
  readonly count: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly p999Ms: number
  readonly maxMs: number
}

/** Nearest-rank figures of unsorted samples; NaN fields when empty. */
export function latencyFigures(samples: readonly number[]): LatencyFigures {
  const sorted = Float64Array.from(samples).sort()
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    p999Ms: percentile(sorted, 99.9),
    maxMs: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
  }
}

/** Median (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (finite.length === 0) return Number.NaN
  const mid = finite.length >> 1
  return finite.length % 2 === 1 ? (finite[mid] as number) : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2
}

/** Rounds for JSON and tables: 3 significant decimals below 10, 1 decimal below 1000, integers above. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value
  const abs = Math.abs(value)
  if (abs >= 1000) return Math.round(value)
  if (abs >= 10) return Math.round(value * 10) / 10
  return Math.round(value * 1000) / 1000
}

/** CPU time (user + system, µs) per call of `fn`, over `n` calls. */
export function cpuUsPer(n: number, fn: () => void): number {
  const t0 = process.cpuUsage()
  for (let i = 0; i < n; i++) fn()
  const t = process.cpuUsage(t0)
  return (t.user + t.system) / n
}
