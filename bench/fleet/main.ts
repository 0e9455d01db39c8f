/**
 * `npm run fleet -- [--clients N] [--quick] [--json <file>] [--only <scenario>]... [--jobs J] [--seed S] [--rate R]`
 *
 * Simulates a fleet of N application instances, each with its own FailoverStore, against two
 * modelled clusters in virtual time (see bench/fleet/README.md), scenario by scenario, and prints
 * a table of the figures. `--quick` runs N = 1,000 (default N = 10,000). `--json` writes
 * `{ clients, scenarios: [...] }` and, beside it, `<name>-<scenario>.svg` (load per cluster over
 * time) and `<name>.detail.json` (every other figure, the configuration and run costs). Without
 * `--json` the pictures go to ./bench-results/. Exit code 0 unless the simulation itself failed:
 * figures are reported, never turned into a failure.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { basename, extname, join } from 'node:path'
import { integerArg, namesArg, outputsOf, runCli, UsageError, type Values } from '../cli.js'
import { formatTable, type Row } from '../report.js'
import { lineSvg, type LineSeries } from '../svg.js'
import { fleetDocument, tidy, type ScenarioDetail, type ScenarioFigures, type ScenarioOutcome } from './figures.js'
import { runScenarios } from './pool.js'
import { SCENARIOS, scenarioNamed } from './scenarios.js'
import { accepts, DEFAULT_CONFIG, type FleetConfig } from './simulate.js'

const NAMES = SCENARIOS.map((s) => s.name)
const USAGE = `usage: npm run fleet -- [--clients N] [--quick] [--json <file>] [--only <${NAMES.join('|')}>]... [--jobs J] [--seed S] [--rate R]`

/** Hard bound on the whole run. */
const BOUND_MS = { quick: 15 * 60_000, full: 120 * 60_000 }

const OPTIONS = {
  clients: { type: 'string' },
  quick: { type: 'boolean', default: false },
  json: { type: 'string' },
  only: { type: 'string', multiple: true },
  jobs: { type: 'string' },
  seed: { type: 'string' },
  rate: { type: 'string' },
} as const

function figureRow(f: ScenarioFigures, d: ScenarioDetail): Row {
  const s = (ms: number | null) => (ms === null ? null : ms / 1000)
  return {
    scenario: f.name,
    'primary peak/steady': f.primaryPeakOverSteady,
    'secondary peak/steady': f.secondaryPeakOverSteady,
    'probes/client/min': f.probesPerClientPerMin,
    'failback spread s': s(f.failbackSpreadMs),
    'failback p99 after heal s': s(d.failbackP99AfterHealMs),
    'primary rise s': s(d.primaryRiseMs),
    'hedge extra': f.hedgeExtraRatio,
    'hedge budget': d.hedgeBudgetRatio,
    'hedge in incident': d.incidentHedgeRatio,
    goodput: f.goodput,
    'error ratio': f.errorRatio,
  }
}

function costRow(d: ScenarioDetail): Row {
  return {
    scenario: d.name,
    operations: d.operations,
    'failovers/client': d.failoversPerClient,
    'silences/client': d.silencesPerClient,
    'failbacks/client': d.failbacksPerClient,
    'steady peak/mean': d.steadyPeakOverMean,
    'incident p99 ms': d.incidentLatencyP99Ms,
    'secondary max queue': d.secondaryMaxQueue,
    errors: Object.entries(d.errorsByCode)
      .map(([code, n]) => `${code} ${n}`)
      .join(', '),
    'wall s': d.wallMs / 1000,
    'heap peak MB': d.heapPeakMB,
  }
}

/** The chart of one scenario; a variant drawn for comparison adds its primary line, dashed. */
function chartOf(o: ScenarioOutcome, variant: ScenarioOutcome | undefined, clients: number): string {
  const c = o.chart
  const series: LineSeries[] = [
    { label: 'primary', values: c.primary },
    { label: 'secondary', values: c.secondary },
  ]
  if (variant !== undefined) series.push({ label: `primary, ${variant.chart.name}`, values: variant.chart.primary, dashed: true })
  series.push({ label: 'probes at the primary', values: c.primaryProbes, faint: true })
  if (c.secondaryProbes.some((v) => v > 0))
    series.push({ label: 'probes at the secondary', values: c.secondaryProbes, faint: true, dashed: true })
  return lineSvg(
    `${c.name}, ${clients.toLocaleString('en-US')} clients: load per cluster / pre-fault steady load`,
    series,
    c.bucketMs,
    c.marks,
    'requests per second / steady',
    1,
  )
}

async function run(values: Values<typeof OPTIONS>): Promise<void> {
  const quick = values.quick === true
  const clients = integerArg('clients', values.clients, quick ? 1000 : 10_000, 2)
  const jobs = integerArg('jobs', values.jobs, Math.min(2, availableParallelism()), 1)
  const seed = integerArg('seed', values.seed, DEFAULT_CONFIG.seed, 0)
  const rate = values.rate === undefined ? DEFAULT_CONFIG.ratePerClient : Number(values.rate)
  if (!(Number.isFinite(rate) && rate > 0))
    throw new UsageError(`--rate must be a positive number of operations per second per client, got ${JSON.stringify(values.rate)}`)
  const only = namesArg('scenario', values.only, NAMES)
  const names = only.length === 0 ? NAMES : NAMES.filter((n) => only.includes(n))
  const config: FleetConfig = { ...DEFAULT_CONFIG, clients, seed, ratePerClient: rate }
  const { jsonFile, outDir } = outputsOf(values.json)
  const base = jsonFile === undefined ? 'fleet' : basename(jsonFile, extname(jsonFile))

  // Both runs of heal need the library's ramped failback (on by default, `failback: false` turns it off).
  const ramped = accepts({ failback: {} })
  if (!ramped) console.error('note: this build of the library has no `failback` option: heal and heal-without-ramp cannot differ')
  const began = performance.now()
  const log = (line: string) => console.error(`[${((performance.now() - began) / 1000).toFixed(1)}s] ${line}`)
  log(
    `${names.length} scenario(s), ${clients.toLocaleString('en-US')} clients at ${config.ratePerClient} operation/s each, ${jobs} at a time`,
  )
  const outcomes = await runScenarios(names, config, jobs, (o) =>
    log(`${o.figures.name}: ${(o.detail.wallMs / 1000).toFixed(1)} s, heap peak ${o.detail.heapPeakMB.toFixed(0)} MB`),
  )
  const wallS = (performance.now() - began) / 1000
  const usage = process.resourceUsage()
  const cpuS = (usage.userCPUTime + usage.systemCPUTime) / 1e6
  const maxRssMB = usage.maxRSS / 1024

  console.log(
    `\n${formatTable(
      `Fleet of ${clients.toLocaleString('en-US')} clients: figures`,
      outcomes.map((o) => figureRow(o.figures, o.detail)),
    )}`,
  )
  console.log(
    `\n${formatTable(
      'Run',
      outcomes.map((o) => costRow(o.detail)),
    )}`,
  )
  console.log(
    `  whole run: ${wallS.toFixed(1)} s wall, ${cpuS.toFixed(1)} s CPU, max RSS ${maxRssMB.toFixed(0)} MB (all threads), load average ${loadavg()[0]?.toFixed(2)} on ${cpus().length} cores`,
  )

  mkdirSync(outDir, { recursive: true })
  for (const o of outcomes) {
    const compareWith = scenarioNamed(o.chart.name)?.compareWith
    const variant = compareWith === undefined ? undefined : outcomes.find((v) => v.chart.name === compareWith)
    const file = join(outDir, `${base}-${o.chart.name}.svg`)
    writeFileSync(file, chartOf(o, variant, clients))
    console.log(`  picture: ${file}`)
  }
  if (jsonFile !== undefined) {
    writeFileSync(jsonFile, `${JSON.stringify(fleetDocument(clients, outcomes), null, 2)}\n`)
    const detailFile = join(outDir, `${base}.detail.json`)
    const meta = {
      node: process.version,
      cpus: cpus().length,
      jobs,
      wallS,
      cpuS,
      maxRssMB,
      loadAverageAtEnd: loadavg(),
      library: { rampedFailback: ramped },
      startedAt: new Date(Date.now() - wallS * 1000).toISOString(),
    }
    writeFileSync(detailFile, `${JSON.stringify(tidy({ meta, config, scenarios: outcomes.map((o) => o.detail) }), null, 2)}\n`)
    console.log(`\njson: ${jsonFile}\ndetail: ${detailFile}`)
  }
}

runCli({ name: 'fleet', usage: USAGE, options: OPTIONS, boundMs: (values) => BOUND_MS[values.quick ? 'quick' : 'full'], run })
