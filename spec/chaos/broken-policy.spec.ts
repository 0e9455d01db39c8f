import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterHarness } from '../../lib/chaos/cluster.js'
import { runScenario } from '../../lib/chaos/runner.js'
import { QUICK, findScenario } from '../../lib/chaos/scenarios.js'

// Proof that the checker can fail: repeating non-idempotent writes on another cluster after a
// timeout ('failover' instead of the default 'failover-if-unsent') applies some increments twice
// when the primary is black-holed, and the checker must say so.
describe('a deliberately broken policy', () => {
  let harness: ClusterHarness | undefined

  beforeAll(async () => {
    harness = await ClusterHarness.start()
  }, 60_000)

  afterAll(async () => {
    await harness?.close()
  }, 60_000)

  it(
    'non-idempotent strategy "failover" shows duplicate applies in the black-hole scenario',
    async () => {
      const blackhole = findScenario('blackhole')
      if (blackhole === undefined || harness === undefined) throw new Error('setup failed')
      const report = await runScenario(harness, blackhole, {
        pace: QUICK,
        failover: { policy: { 'non-idempotent': 'failover' } },
        // Mostly increments, so several are in flight when the link is cut.
        mix: { writeIdempotent: 1, writeConditional: 0, increment: 8, read: 1 },
      })
      expect(report.duplicateApplies).toBeGreaterThan(0)
      expect(report.holds).toBe(false)
      expect(report.violations.join()).toMatch(/duplicate applies/)
    },
    120_000,
  )
})
