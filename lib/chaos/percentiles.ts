/** Latency summaries for chaos reports. Nearest-rank percentiles: every figure is a real sample. */

export interface LatencySummary {
  readonly count: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

/**
 * Nearest-rank percentile of already sorted samples; `NaN` when empty. The rank is computed in
 * integers first: `(99.9 / 100) * 1000` is 999.0000000000001 in floating point, which would
 * round the p99.9 of 1000 samples up to the maximum.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length
  if (n === 0) return Number.NaN
  const rank = Math.ceil(Math.round(p * n * 1000) / 100_000)
  return sorted[Math.min(n, Math.max(1, rank)) - 1] as number
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
  }
}
