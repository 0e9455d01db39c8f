/**
 * `npm start`: fast failover, live, on one machine.
 *
 * Starts two gateways as child processes (durable LMDB storage, replicating to each other), each
 * behind a TCP fault proxy, runs a steady mixed workload through a FailoverStore and plays a
 * script: healthy -> primary black-holed -> healed, failed back -> primary SIGKILLed and
 * restarted -> primary slow, reads hedged. Prints one line per second and every event, then a
 * per-phase table, a replica convergence check and the path of an HTML report.
 *
 *   npm start -- [--duration <s>] [--json <file>] [--report <file>] [--no-color]
 *
 * Exits 0 when every check passes, 1 when one fails, 2 on bad arguments.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { runDemo, CLUSTERS } from './run.js'
import { renderReport } from './report.js'
import { PHASES } from './timeline.js'
import { checkLines, colorsFor, LiveView, phaseTable } from './view.js'
import { slowPrimaryByGatewayControl } from './slow-primary.js'

const USAGE = `usage: npm start -- [--duration <seconds>] [--json <file>] [--report <file>] [--no-color]

  --duration <s>   length of the scripted timeline (default 50; start-up and checks add a few seconds)
  --json <file>    also write the results as JSON
  --report <file>  where to write the HTML report (default reports/demo-report.html)
  --no-color       plain text even on a terminal (colour is also off when output is not a terminal)`

async function main(): Promise<number> {
  let values
  try {
    values = parseArgs({
      options: {
        duration: { type: 'string', default: '50' },
        json: { type: 'string' },
        report: { type: 'string', default: 'reports/demo-report.html' },
        'no-color': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }).values
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`)
    return 2
  }
  if (values.help === true) {
    console.log(USAGE)
    return 0
  }
  const durationS = Number(values.duration)
  if (!Number.isFinite(durationS) || durationS < 6 || durationS > 3600) {
    console.error(`--duration must be a number of seconds from 6 to 3600, got ${JSON.stringify(values.duration)}\n\n${USAGE}`)
    return 2
  }

  const c = colorsFor(values['no-color'] === true)
  const view = new LiveView(c, CLUSTERS[0])
  view.header([
    'ojai-failover demo: two replicated clusters, one FailoverStore, real faults',
    `timeline (${durationS} s): ${PHASES.map((p) => p.name).join(' -> ')}`,
  ])

  // Ctrl-C ends the timeline early; gateways are still stopped and the report still written.
  const abort = new AbortController()
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130)
    console.error('interrupted: finishing (press Ctrl-C again to quit at once)')
    abort.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  const result = await runDemo({
    durationMs: durationS * 1000,
    log: (line) => view.info(line),
    onEvent: (e) => view.event(e),
    onSecond: (s) => view.second(s),
    signal: abort.signal,
    slowPrimary: slowPrimaryByGatewayControl,
  })

  console.log('')
  console.log(c.bold('Per phase (operations attributed to the phase they started in)'))
  console.log(phaseTable(result.phases))
  console.log('')
  const t = result.totals
  console.log(
    `${t.ops} operations, ${t.errors} errors returned to callers, ${t.failovers} failovers, ${t.failbacks} failbacks, ${t.hedges} hedged reads, ` +
      `${t.lostWrites} lost writes, ${t.duplicateApplies} duplicate applies`,
  )
  const kinds = Object.entries(result.errorsByKind).sort((a, b) => b[1] - a[1])
  if (kinds.length > 0) {
    console.log(`errors by operation: ${kinds.map(([k, n]) => `${k} ${n}`).join(', ')}`)
    console.log(
      c.dim(
        '  (a write that may already have been applied is not repeated elsewhere: it ends in an error when its cluster goes dark mid-call; reads never fail)',
      ),
    )
  }
  for (const line of checkLines(result.checks, c)) console.log(line)

  const reportPath = resolve(values.report ?? 'reports/demo-report.html')
  mkdirSync(dirname(reportPath), { recursive: true })
  writeFileSync(reportPath, renderReport(result))
  console.log(`report: ${reportPath}`)
  if (values.json !== undefined) {
    const jsonPath = resolve(values.json)
    mkdirSync(dirname(jsonPath), { recursive: true })
    writeFileSync(jsonPath, `${JSON.stringify({ ...result, reportPath }, null, 2)}\n`)
    console.log(`json: ${jsonPath}`)
  }
  console.log(result.ok ? c.green('every check passed') : c.red('some checks FAILED'))
  return abort.signal.aborted ? 130 : result.ok ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error))
    process.exit(1)
  },
)
