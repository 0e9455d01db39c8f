/**
 * The write guarantee when a connection fails after the request may have been sent, over real
 * gateway processes replicating to each other, the primary A behind a fault proxy (the four cases
 * of lib/chaos/write-guarantee.ts). A caller writes v1, then v2 after v1's outcome; A applies v1
 * after the client's connection to it is gone. Once the replicas converge, they must agree on the
 * last acknowledged value or a later write's, and a write that is not acknowledged must say why:
 * UnsettledWriteError with A pending (v1), or PendingWriteError, not sent, with A pending (a v2
 * written while v1 may still land). Two callers: one writes v2 at once whatever v1 ended with; the
 * other follows the errors' advice (waits until A is up again, reads back, then writes). Outcomes
 * only; the timings in the cases are bounds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterHarness } from '../../lib/chaos/cluster.js'
import { runWriteGuaranteeCase, WRITE_GUARANTEE_CASES, type WriteGuaranteeCaller } from '../../lib/chaos/write-guarantee.js'

describe('no acknowledged write is lost when the connection fails after send (gateway processes)', () => {
  let harness: ClusterHarness | undefined

  beforeAll(async () => {
    harness = await ClusterHarness.start({ clusters: ['A', 'B'] })
  }, 60_000)

  afterAll(async () => {
    await harness?.close()
  }, 60_000)

  describe.each<[string, WriteGuaranteeCaller]>([
    ['writes v2 as soon as v1 has ended', 'at-once'],
    ["follows UnsettledWriteError's advice before writing v2", 'documented'],
  ])('a caller that %s', (_, caller) => {
    it.each(WRITE_GUARANTEE_CASES)(
      '%s: v1 is not acknowledged, the replicas agree, and no acknowledged write is lost',
      async (kase) => {
        if (harness === undefined) throw new Error('harness did not start')
        const result = await runWriteGuaranteeCase(harness, kase, { caller })
        const story = `\n${result.timeline.join('\n')}`
        expect(result.converged, `replicas did not converge${story}`).toBe(true)
        expect(result.unexpectedErrors, `errors the guarantee does not explain${story}`).toEqual([])
        // v1 may still land on A when its connection fails, so it is never acknowledged.
        expect(result.writes[0]?.code, story).toBe('UNSETTLED_WRITE')
        // The replicas agree, on the last acknowledged value or on a later write's (v1 landing is allowed: it was not acknowledged).
        expect(result.final.A, story).toEqual(result.final.B)
        expect(result.lost, `acknowledged writes lost${story}`).toBe(0)
      },
      180_000,
    )
  })
})
