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
      // Whether an increment is caught between "applied on the primary" and "answer delivered"
      // at the cut depends on timing, so a loaded machine may need another cut (bounded: 3 runs).
      const reports = []
      for (let attempt = 1; attempt <= 3; attempt++) {
        const report = await runScenario(harness, blackhole, {
          pace: QUICK,
          seed: attempt,
          // A timeout well above the replication delay: an increment applied on the primary (its
          // answer held by the black hole) has reached the secondary before it is repeated there,
          // so the second apply lands on a copy that already holds the first.
          failover: { timeoutMs: 400, policy: { 'non-idempotent': 'failover' } },
          // Mostly increments, so several are in flight when the link is cut.
          mix: { writeIdempotent: 1, writeConditional: 0, increment: 8, read: 1 },
        })
        reports.push(report)
        if (report.duplicateApplies > 0) break
      }
      const caught = reports.find((r) => r.duplicateApplies > 0)
      expect(caught, JSON.stringify(reports.map((r) => ({ ops: r.ops, failovers: r.failovers, duplicateApplies: r.duplicateApplies })))).toBeDefined()
      expect(caught?.holds).toBe(false)
      expect(caught?.violations.join()).toMatch(/duplicate applies/)
    },
    180_000,
  )
})
