/**
 * The whole failure suite: one cluster harness, every chosen scenario in turn, the harness always
 * closed at the end.
 */
import { ClusterHarness, type ClusterHarnessOptions } from './cluster.js'
import { runScenario, type RunOptions, type ScenarioReport } from './runner.js'
import type { Scenario } from './scenarios.js'

export interface SuiteOptions extends RunOptions {
  readonly scenarios: readonly Scenario[]
  readonly harness?: ClusterHarnessOptions
}

export async function runSuite(options: SuiteOptions): Promise<ScenarioReport[]> {
  const log = options.log ?? (() => undefined)
  const harness = await ClusterHarness.start(options.harness)
  const reports: ScenarioReport[] = []
  try {
    log(`clusters: ${harness.nodes.map((n) => `${n.name} at ${n.connectionString}`).join(', ')}`)
    for (const scenario of options.scenarios) {
      if (options.signal?.aborted === true) break
      log(`${scenario.name}: ${scenario.description}`)
      const report = await runScenario(harness, scenario, options)
      log(`${scenario.name}: ${report.holds ? 'holds' : `FAILS (${report.violations.join(', ')})`} in ${report.durationMs} ms`)
      reports.push(report)
    }
  } finally {
    await harness.close()
  }
  return reports
}
