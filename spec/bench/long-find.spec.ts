/**
 * Keeps `bench/long-find.ts` from rotting: the three runs on a tiny table with a short idle limit.
 * Only outcomes are asserted; the 30 s figures belong to the bench itself.
 */
import { describe, expect, it } from 'vitest'
import { runLongFind } from '../../bench/long-find.js'

describe('long-find bench (tiny)', () => {
  it('streams, cuts with a whole-stream deadline only when asked, and ends a stalled find at the idle limit', async () => {
    const result = await runLongFind({
      seconds: 0.3,
      linkLatencyMs: 5,
      answerLatencyMs: 50,
      stallAfterDocs: 100,
      maxDocs: 2000,
      connectOptions: { deadlineMs: 3000 },
    })
    expect(result.idleLimitMs).toBe(3000)
    expect(result.runs.map((r) => r.run)).toEqual([
      'slow answer + slow link',
      'whole-stream deadline 3000 ms (former default)',
      'link black-holed after 100 docs',
    ])
    const [slow, , stalled] = result.runs
    expect(slow?.outcome).toBe('completed')
    expect(slow?.docs).toBe(result.tableDocs)
    expect(stalled?.outcome).toBe('DEADLINE_EXCEEDED')
    expect(stalled?.docs).toBeGreaterThanOrEqual(100)
    expect(stalled?.endedAfterLastMessageMs).toBeGreaterThanOrEqual(3000)
    expect(result.verdicts).toHaveLength(3)
  }, 60_000)
})
