import { describe, expect, it } from 'vitest'
import { percentile, summarize } from '../../lib/chaos/percentiles.js'

describe('percentile (nearest rank)', () => {
  const thousand = Array.from({ length: 1000 }, (_, i) => i + 1)

  it('p99.9 of 1000 samples is the 999th, not the maximum', () => {
    expect(percentile(thousand, 99.9)).toBe(999)
  })

  it('picks real samples: p50, p99, p100 and p0', () => {
    expect(percentile(thousand, 50)).toBe(500)
    expect(percentile(thousand, 99)).toBe(990)
    expect(percentile(thousand, 100)).toBe(1000)
    expect(percentile(thousand, 0)).toBe(1)
  })

  it('NaN for no samples; summarize sorts its input', () => {
    expect(percentile([], 50)).toBeNaN()
    expect(summarize([3, 1, 2])).toEqual({ count: 3, p50Ms: 2, p99Ms: 3, maxMs: 3 })
  })
})
