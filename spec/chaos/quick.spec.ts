import { describe, expect, it } from 'vitest'
import { formatTable } from '../../lib/chaos/report.js'
import { QUICK, SCENARIOS } from '../../lib/chaos/scenarios.js'
import { runSuite } from '../../lib/chaos/suite.js'

// The quick failure suite against real gateway processes: every scenario must hold under the
// default policies. The table is printed so a failure shows which scenario and what broke.
describe('chaos quick suite', () => {
  it('every scenario holds: no lost or overtaken writes, no duplicate applies, no caller errors, no hangs, replicas converge', async () => {
    const reports = await runSuite({ scenarios: SCENARIOS, pace: QUICK })
    const table = formatTable(reports)
    console.log(table)
    expect(reports.map((r) => r.name)).toEqual(SCENARIOS.map((s) => s.name))
    for (const r of reports) expect(r.ops).toBeGreaterThan(0)
    const failing = reports
      .filter((r) => !r.holds)
      .map((r) => `${r.name}: ${r.violations.join(', ')} ${JSON.stringify(r.anomalies.slice(0, 5))}`)
    expect(failing).toEqual([])
  }, 180_000)
})
