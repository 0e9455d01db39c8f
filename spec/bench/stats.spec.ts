/**
 * The confidence interval of a median (bench/stats.ts): exact order statistics and coverage for
 * small samples, and the coverage it claims checked against simulation.
 */
import { describe, expect, it } from 'vitest'
import { medianInterval } from '../../bench/stats.js'
import { exponential, seededRandom } from '../../lib/chaos/distribution.js'

describe('medianInterval', () => {
  it('9 values at 95 %: the 2nd and 8th order statistics, coverage 1 - 2 * 10 / 512', () => {
    const ci = medianInterval([9, 1, 8, 2, 7, 3, 6, 4, 5])
    expect(ci).toEqual({ median: 5, low: 2, high: 8, coverage: 1 - 20 / 512, n: 9 })
  })

  it('5 values cannot reach 95 %: min and max, with the coverage they have (0.9375)', () => {
    expect(medianInterval([1.02, 0.97, 1.01, 0.99, 1.05])).toEqual({ median: 1.01, low: 0.97, high: 1.05, coverage: 0.9375, n: 5 })
  })

  it('10 values: the narrowest interval at the level asked, median of the middle two', () => {
    const values = Array.from({ length: 10 }, (_, i) => i + 1)
    expect(medianInterval(values, 0.95)).toMatchObject({ median: 5.5, low: 2, high: 9, coverage: 1 - 22 / 1024 })
    // k = 3 covers 1 - 2 * 56 / 1024 = 0.89: not enough for 0.9, enough for 0.8.
    expect(medianInterval(values, 0.9)).toMatchObject({ low: 2, high: 9 })
    expect(medianInterval(values, 0.8)).toMatchObject({ low: 3, high: 8, coverage: 1 - 112 / 1024 })
  })

  it('drops non-finite values; none left gives NaN; one value covers nothing', () => {
    expect(medianInterval([Number.NaN, 2, Infinity, 1, 3])).toMatchObject({ low: 1, high: 3, n: 3, coverage: 0.75 })
    const empty = medianInterval([Number.NaN])
    expect([empty.median, empty.low, empty.high, empty.coverage]).toEqual([NaN, NaN, NaN, NaN])
    expect(medianInterval([4])).toEqual({ median: 4, low: 4, high: 4, coverage: 0, n: 1 })
    expect(() => medianInterval(Array.from({ length: 1001 }, (_, i) => i))).toThrow(RangeError)
  })

  it('holds the population median as often as it says (simulation, skewed distribution)', () => {
    const draw = exponential(1, seededRandom(22))
    // Exponential with rate 1: median ln 2. The interval assumes nothing about the shape.
    const trueMedian = Math.LN2
    for (const n of [5, 9, 15]) {
      let covered = 0
      let claimed = 0
      const trials = 20_000
      for (let t = 0; t < trials; t++) {
        const ci = medianInterval(Array.from({ length: n }, draw))
        if (ci.low <= trueMedian && trueMedian <= ci.high) covered++
        claimed = ci.coverage
      }
      // 20 000 trials: the standard error of the observed share is under 0.002.
      expect(Math.abs(covered / trials - claimed)).toBeLessThan(0.01)
    }
  })
})
