import { describe, expect, it } from 'vitest'
import { formatTable, toJson } from '../../lib/chaos/report.js'
import type { ScenarioReport } from '../../lib/chaos/runner.js'

function report(name: string, over: Partial<ScenarioReport> = {}): ScenarioReport {
  return {
    name,
    ops: 1234,
    lostWrites: 0,
    lostIncrements: 0,
    overtakenWrites: 0,
    duplicateApplies: 0,
    avoidableStaleOwnReads: 0,
    unavoidableStaleOwnReads: 0,
    callerErrors: 0,
    hangs: 0,
    convergenceMs: 40,
    failovers: 1,
    failbacks: 1,
    p50Ms: 1.2,
    p99Ms: 101.5,
    maxMs: 230,
    holds: true,
    violations: [],
    durationMs: 3000,
    phases: [],
    anomalies: [],
    ...over,
  }
}

describe('report', () => {
  it('prints one aligned row per scenario with the verdict', () => {
    const text = formatTable([
      report('blackhole', { avoidableStaleOwnReads: 7, unavoidableStaleOwnReads: 2 }),
      report('reset', { holds: false, violations: ['2 lost writes'], lostWrites: 2, convergenceMs: null }),
    ])
    const lines = text.split('\n')
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(
      /^scenario\s+ops\s+lost\s+dup\s+staleOwn\s+unavoidable\s+callerErr\s+hangs\s+converge ms\s+failovers\s+failbacks\s+p50 ms\s+p99 ms\s+max ms\s+result$/,
    )
    expect(lines[2]).toMatch(/^blackhole\s+1234\s+0\s+0\s+7\s+2\s+0\s+0\s+40\s+1\s+1\s+1\.2\s+101\.5\s+230\.0\s+ok$/)
    expect(lines[3]).toMatch(/never .* FAIL: 2 lost writes$/)
    // Columns line up: every row's "ops" cell ends where the header's does.
    expect(lines[2]?.indexOf('1234')).toBe((lines[0]?.indexOf('ops') ?? 0) + 3 - 4)
  })

  it('writes the JSON contract keys under "scenarios"', () => {
    const doc = JSON.parse(toJson([report('blackhole')], { pace: 'quick' })) as { pace: string; scenarios: Record<string, unknown>[] }
    expect(doc.pace).toBe('quick')
    const row = doc.scenarios[0] ?? {}
    for (const key of [
      'name',
      'ops',
      'lostWrites',
      'duplicateApplies',
      'avoidableStaleOwnReads',
      'unavoidableStaleOwnReads',
      'callerErrors',
      'hangs',
      'convergenceMs',
      'failovers',
      'failbacks',
      'p50Ms',
      'p99Ms',
      'maxMs',
    ]) {
      expect(row).toHaveProperty(key)
    }
  })
})
