/**
 * `npm run chaos -- [--quick] [--scenario <name>]... [--json <file>] [--seed <n>] [--gateway source|dist] [--list]`
 *
 * Runs the failure suite against real gateway processes behind fault proxies, prints one row per
 * scenario and exits 0 only if every scenario holds.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { defaultGatewayLaunch } from './cluster.js'
import { formatTable, toJson } from './report.js'
import { FULL, QUICK, SCENARIOS, findScenario, type Scenario } from './scenarios.js'
import { runSuite } from './suite.js'
import { messageOf } from '../ojai/message-of.js'

function usage(): string {
  return [
    'usage: npm run chaos -- [--quick] [--scenario <name>]... [--json <file>] [--seed <n>] [--gateway source|dist] [--failback-when-caught-up] [--list]',
    '',
    'scenarios:',
    ...SCENARIOS.map((s) => `  ${s.name.padEnd(24)}${s.description}`),
  ].join('\n')
}

async function main(): Promise<number> {
  let values
  try {
    values = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        scenario: { type: 'string', multiple: true },
        json: { type: 'string' },
        seed: { type: 'string' },
        gateway: { type: 'string' },
        list: { type: 'boolean', default: false },
        'failback-when-caught-up': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }).values
  } catch (error) {
    console.error(`${messageOf(error)}\n\n${usage()}`)
    return 2
  }
  if (values.help === true || values.list === true) {
    console.log(usage())
    return 0
  }
  const scenarios: Scenario[] = []
  for (const name of values.scenario ?? []) {
    const s = findScenario(name)
    if (s === undefined) {
      console.error(`unknown scenario ${JSON.stringify(name)}\n\n${usage()}`)
      return 2
    }
    scenarios.push(s)
  }
  const gateway = values.gateway
  if (gateway !== undefined && gateway !== 'source' && gateway !== 'dist') {
    console.error(`--gateway must be source or dist, got ${JSON.stringify(gateway)}`)
    return 2
  }
  const seed = values.seed === undefined ? 1 : Number(values.seed)
  if (!Number.isInteger(seed)) {
    console.error(`--seed must be an integer, got ${JSON.stringify(values.seed)}`)
    return 2
  }
  const pace = values.quick === true ? QUICK : FULL

  // Ctrl-C ends the current scenario early; the harness still closes and children are killed.
  const abort = new AbortController()
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130)
    console.error('interrupted: stopping after cleanup (press again to quit at once)')
    abort.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  const started = Date.now()
  const reports = await runSuite({
    scenarios: scenarios.length > 0 ? scenarios : SCENARIOS,
    pace,
    seed,
    failbackWhenCaughtUp: values['failback-when-caught-up'] === true,
    signal: abort.signal,
    log: (line) => console.error(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`),
    harness: { launch: defaultGatewayLaunch(gateway ?? 'auto') },
  })
  console.log(formatTable(reports))
  if (values.json !== undefined) {
    writeFileSync(values.json, toJson(reports, { pace: pace.name, seed, durationMs: Date.now() - started }))
    console.error(`wrote ${values.json}`)
  }
  if (abort.signal.aborted) return 130
  return reports.length > 0 && reports.every((r) => r.holds) ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error))
    process.exit(1)
  },
)
