import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { RecordedTrace } from '../../examples/demo/trace.js'
import { runExample } from './run-example.js'
import { drawnWaterfall, msBetween, xOf } from './waterfall-rows.js'

const dir = mkdtempSync(join(tmpdir(), 'ojai-demo-spec-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('npm start (the demo)', () => {
  it('rejects a bad --duration with exit code 2 and the usage', async () => {
    const run = await runExample('examples/demo/main.ts', ['--duration', 'soon'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('usage: npm start')
  })

  it('a short run plays every phase, passes its checks, exits 0 and writes the report and the JSON', { timeout: 150_000 }, async () => {
    const json = join(dir, 'demo.json')
    const report = join(dir, 'report.html')
    const run = await runExample('examples/demo/main.ts', ['--duration', '12', '--json', json, '--report', report, '--no-color'], 140_000)
    expect({ code: run.code, tail: run.code === 0 ? '' : `${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}` }).toEqual({
      code: 0,
      tail: '',
    })
    expect(run.stdout).toContain(`report: ${report}`)
    expect(run.stdout).toMatch(/^every check passed$/m)
    // eslint-disable-next-line no-control-regex
    expect(run.stdout).not.toMatch(/\u001b\[/)
    expect(run.stdout).toMatch(/>> failover east -> west/)
    expect(run.stdout).toMatch(/<< failback west -> east/)

    const result = JSON.parse(readFileSync(json, 'utf8')) as {
      ok: boolean
      phases: { name: string; ops: number }[]
      checks: { name: string; ok: boolean; detail: string }[]
      reportPath: string
      trace: RecordedTrace | null
    }
    expect(result.ok).toBe(true)
    expect(result.phases.map((p) => p.name)).toEqual(['healthy', 'blackhole', 'healed', 'killed', 'restarted', 'slow'])
    expect(result.phases.every((p) => p.ops > 0)).toBe(true)
    expect(result.checks.every((c) => c.ok)).toBe(true)
    expect(result.reportPath).toBe(report)
    expect(existsSync(report)).toBe(true)
    const html = readFileSync(report, 'utf8')
    expect(html.match(/<svg /g)?.length).toBe(4)
    expect(html).toContain('Every check passed.')

    // The waterfall: one failover as ojai-failover/otel recorded it during this run, drawn from its spans.
    expect(result.checks.find((c) => c.name.startsWith('one failover traced by OpenTelemetry'))).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^\w+: attempt on east .* after .* ms, attempt on west answered in .* ms$/),
    })
    const trace = result.trace as RecordedTrace
    const [op, ...attempts] = trace.spans
    if (op === undefined) throw new Error('no span in the trace')
    expect(attempts.map((a) => a.parentSpanId)).toEqual(attempts.map(() => op.spanId))
    const missed = attempts.find((a) => a.attributes['ojai.cluster.name'] === 'east' && a.attributes['ojai.attempt.outcome'] !== 'answered')
    const answered = attempts.find(
      (a) => a.attributes['ojai.cluster.name'] === 'west' && a.attributes['ojai.attempt.outcome'] === 'answered',
    )
    expect(msBetween(missed?.startTime ?? [0, 0], answered?.startTime ?? [0, 0])).toBeGreaterThanOrEqual(0)
    const drawn = drawnWaterfall(html)
    expect(drawn.traceId).toBe(trace.traceId)
    expect(drawn.rows.map((r) => [r.traceId, r.spanId, r.parentSpanId])).toEqual(
      trace.spans.map((s) => [s.traceId, s.spanId, s.parentSpanId ?? '']),
    )
    drawn.rows.forEach((row, i) => {
      const span = trace.spans[i] as RecordedTrace['spans'][number]
      expect(row.startMs).toBeCloseTo(msBetween(op.startTime, span.startTime), 3)
      expect(row.endMs).toBeCloseTo(msBetween(op.startTime, span.endTime), 3)
      expect(Math.abs(row.x - xOf(drawn, row.startMs))).toBeLessThan(0.06)
    })
    expect(drawn.events.map((e) => e.name)).toEqual(op.events.map((e) => e.name))
  })
})
