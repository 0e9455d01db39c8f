import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runExample } from './run-example.js'

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
      checks: { ok: boolean }[]
      reportPath: string
    }
    expect(result.ok).toBe(true)
    expect(result.phases.map((p) => p.name)).toEqual(['healthy', 'blackhole', 'healed', 'killed', 'restarted', 'slow'])
    expect(result.phases.every((p) => p.ops > 0)).toBe(true)
    expect(result.checks.every((c) => c.ok)).toBe(true)
    expect(result.reportPath).toBe(report)
    expect(existsSync(report)).toBe(true)
    const html = readFileSync(report, 'utf8')
    expect(html.match(/<svg /g)?.length).toBe(3)
    expect(html).toContain('Every check passed.')
  })
})
