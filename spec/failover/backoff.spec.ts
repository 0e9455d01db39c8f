import { describe, expect, it } from 'vitest'
import { Backoff } from '../../lib/failover/index.js'

describe('Backoff', () => {
  it('defaults: 1 s doubling to a 35 s cap, exact with random() = 0', () => {
    const b = new Backoff({}, () => 0)
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => b.delay(n))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 35000])
  })

  it('jitter only shortens: never above the nominal delay, never below (1 - jitter) of it', () => {
    const b = new Backoff({ jitter: 0.2 }, () => 0.999)
    expect(b.delay(0)).toBeGreaterThan(800)
    expect(b.delay(0)).toBeLessThanOrEqual(1000)
  })
})
