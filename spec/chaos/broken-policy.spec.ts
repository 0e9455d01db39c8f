import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterHarness } from '../../lib/chaos/cluster.js'
import { runScenario } from '../../lib/chaos/runner.js'
import { QUICK, type Scenario } from '../../lib/chaos/scenarios.js'

/** The FailoverStore's timeout in this run: well above the replication delay (see below). */
const TIMEOUT_MS = 1000

/**
 * The primary's link to the client turns half-open for three timeouts: requests arrive and are
 * applied, answers are held until the heal. Every write sent to the primary in that span is
 * applied there and times out at the client, whatever the timing of the cut: no race to win.
 */
const HELD_ANSWERS: Scenario = {
  name: 'held-answers',
  description: 'the primary applies every request but its answers are held (half-open link) for three timeouts',
  async run(ctx) {
    ctx.phase('healthy')
    await ctx.sleep(ctx.pace.healthyMs)
    ctx.phase('held-answers')
    ctx.down(ctx.primary)
    await ctx.primary.clientProxy.halfOpen('upstream')
    await ctx.sleep(3 * ctx.timeoutMs)
    await ctx.primary.clientProxy.pass()
    ctx.up(ctx.primary)
    ctx.phase('healed')
    await ctx.sleep(ctx.pace.healedMs)
  },
}

// Proof that the checker can fail: repeating non-idempotent writes on another cluster after a
// timeout ('failover' instead of the default 'failover-if-unsent') applies increments twice when
// the primary applies them but its answers do not come back, and the checker must say so.
describe('a deliberately broken policy', () => {
  let harness: ClusterHarness | undefined

  beforeAll(async () => {
    harness = await ClusterHarness.start()
  }, 60_000)

  afterAll(async () => {
    await harness?.close()
  }, 60_000)

  it('non-idempotent strategy "failover" shows duplicate applies when the primary applies writes but its answers are held', async () => {
    if (harness === undefined) throw new Error('setup failed')
    const report = await runScenario(harness, HELD_ANSWERS, {
      pace: QUICK,
      seed: 1,
      // A timeout well above the replication delay: an increment applied on the primary (its
      // answer held) has reached the secondary before it is repeated there, so the second
      // apply lands on a copy that already holds the first.
      failover: { timeoutMs: TIMEOUT_MS, policy: { 'non-idempotent': 'failover' } },
      // Mostly increments, so every client has one waiting on the primary when its answers stop.
      mix: { writeIdempotent: 1, writeConditional: 0, increment: 8, read: 1 },
    })
    const summary = JSON.stringify({
      ops: report.ops,
      failovers: report.failovers,
      duplicateApplies: report.duplicateApplies,
      violations: report.violations,
    })
    expect(report.duplicateApplies, summary).toBeGreaterThan(0)
    expect(report.holds).toBe(false)
    expect(report.violations.join()).toMatch(/duplicate applies/)
  }, 180_000)
})
