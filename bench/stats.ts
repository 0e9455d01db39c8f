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

/** A median with a distribution-free confidence interval (see {@link medianInterval}). */
export interface MedianInterval {
  readonly median: number
  /** Lower and upper bounds: order statistics of the sample. */
  readonly low: number
  readonly high: number
  /** The interval's exact coverage probability for the population median (0 to 1). */
  readonly coverage: number
  /** Finite values the interval is built from. */
  readonly n: number
}

/**
 * The median of `values` and a confidence interval for the median of the population they were
 * drawn from, from order statistics (no assumption about the distribution, only that the values
 * are independent draws of one continuous variable):
 *
 * ```
 * sorted x(1) <= ... <= x(n); [x(k), x(n+1-k)] holds the median with probability
 * 1 - 2 * P(Binomial(n, 1/2) <= k - 1)
 * ```
 *
 * The narrowest such interval whose coverage is at least `level` is returned, with its exact
 * coverage. Few values cannot reach the level: then [min, max] is returned with the coverage it
 * has (5 values: 0.9375; 9 values give [x(2), x(8)] at 0.961). Non-finite values are dropped;
 * with none, every field is NaN. At most 1000 values (the binomial is summed directly).
 */
export function medianInterval(values: readonly number[], level = 0.95): MedianInterval {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  const n = sorted.length
  if (n === 0) return { median: Number.NaN, low: Number.NaN, high: Number.NaN, coverage: Number.NaN, n: 0 }
  if (n > 1000) throw new RangeError(`medianInterval: at most 1000 values, got ${n}`)
  // P(Binomial(n, 1/2) = i), by the recurrence p(i) = p(i - 1) * (n - i + 1) / i.
  let pmf = 0.5 ** n
  let tail = 0
  let k = 1
  let coverage = 1 - 2 * pmf
  for (let i = 1; i < n / 2; i++) {
    tail += pmf
    pmf = (pmf * (n - i + 1)) / i
    const wider = 1 - 2 * (tail + pmf)
    if (wider < level) break
    k = i + 1
    coverage = wider
  }
  return { median: median(sorted), low: sorted[k - 1] as number, high: sorted[n - k] as number, coverage, n }
}
