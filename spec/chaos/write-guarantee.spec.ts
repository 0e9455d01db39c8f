/** The verdict of the write-guarantee cases (the cases themselves run in spec/failover/write-guarantee.spec.ts). */
import { describe, expect, it } from 'vitest'
import { lostWrites } from '../../lib/chaos/write-guarantee.js'

describe('lostWrites', () => {
  const v1 = { value: 'v1', acknowledged: true }
  const v2 = { value: 'v2', acknowledged: true }

  it('none when the replica holds the last acknowledged value, or a later one that was not acknowledged', () => {
    expect(lostWrites([v1, v2], 'v2')).toBe(0)
    expect(lostWrites([v1, { value: 'v2', acknowledged: false }], 'v2')).toBe(0)
  })

  it('the acknowledged writes after the one whose value the replica holds', () => {
    expect(lostWrites([v1, v2], 'v1')).toBe(1)
    expect(lostWrites([{ value: null, acknowledged: true }, v2], null)).toBe(1)
    expect(lostWrites([{ value: 'v1', acknowledged: false }, v2], 'v1')).toBe(1)
  })

  it('every acknowledged write when the replica holds none of their values', () => {
    expect(lostWrites([v1, v2], 'v0')).toBe(2)
    expect(lostWrites([v1, { value: 'v2', acknowledged: false }], 'v0')).toBe(1)
  })
})
