/**
 * The write guarantee when a connection fails after send: each case of
 * lib/chaos/write-guarantee.ts run N times (default 5) against two gateway processes replicating
 * to each other, the primary behind a fault proxy. Prints per case how many writes were
 * acknowledged, the errors by code, and how many acknowledged writes were lost (overwritten on the
 * converged replicas by an earlier write). `--caller` says what the caller does after v1's outcome
 * (see WriteGuaranteeCaller: `at-once`, default, or `documented`, which follows UnsettledWriteError's
 * advice); `--hold-ms` sets the store's hold after a switch. `--verbose` prints each run's timeline.
 *
 *   npx tsx bench/experiments/write-guarantee.ts [--runs 5] [--case reset-straggler]... [--caller at-once|documented] [--hold-ms 20000] [--verbose]
 */
import { parseArgs } from 'node:util'
import { ClusterHarness } from '../../lib/chaos/cluster.js'
import { messageOf } from '../../lib/ojai/message-of.js'
import { runWriteGuaranteeCase, WRITE_GUARANTEE_CASES, type WriteGuaranteeCase } from '../../lib/chaos/write-guarantee.js'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    case: { type: 'string', multiple: true },
    caller: { type: 'string', default: 'at-once' },
    'hold-ms': { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
})
const caller = values.caller
if (caller !== 'at-once' && caller !== 'documented') throw new Error(`--caller is at-once or documented, got ${JSON.stringify(caller)}`)
const holdMs = values['hold-ms'] === undefined ? undefined : Number(values['hold-ms'])
if (holdMs !== undefined && !(Number.isInteger(holdMs) && holdMs > 0))
  throw new Error(`--hold-ms needs a positive integer, got ${JSON.stringify(values['hold-ms'])}`)
const runs = Number(values.runs)
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs needs a positive integer, got ${JSON.stringify(values.runs)}`)
const cases = (values.case ?? [...WRITE_GUARANTEE_CASES]).map((c) => {
  if (!(WRITE_GUARANTEE_CASES as readonly string[]).includes(c))
    throw new Error(`unknown --case ${JSON.stringify(c)}; the cases are ${WRITE_GUARANTEE_CASES.join(', ')}`)
  return c as WriteGuaranteeCase
})

interface Row {
  case: string
  runs: number
  acknowledged: number
  errors: Map<string, number>
  lost: number
  unexpected: number
  diverged: number
  /** Runs that could not be carried out (a bound passed in the harness); not counted in the rest. */
  failedRuns: number
}

const rows: Row[] = []
const harness = await ClusterHarness.start({ clusters: ['A', 'B'] })
try {
  for (const kase of cases) {
    const row: Row = { case: kase, runs: 0, acknowledged: 0, errors: new Map(), lost: 0, unexpected: 0, diverged: 0, failedRuns: 0 }
    rows.push(row)
    for (let run = 1; run <= runs; run++) {
      let result
      try {
        result = await runWriteGuaranteeCase(harness, kase, { key: `w${run}`, caller, ...(holdMs === undefined ? {} : { holdMs }) })
      } catch (error) {
        row.failedRuns++
        console.log(`${kase} run ${run}: could not run: ${messageOf(error)}`)
        continue
      }
      row.runs++
      row.lost += result.lost
      row.unexpected += result.unexpectedErrors.length
      if (!result.converged) row.diverged++
      for (const w of result.writes) {
        if (w.acknowledged) row.acknowledged++
        else row.errors.set(w.code ?? '?', (row.errors.get(w.code ?? '?') ?? 0) + 1)
      }
      const verdict = result.lost === 0 ? 'ok' : `${result.lost} acknowledged write(s) lost`
      console.log(
        `${kase} run ${run}: ${result.writes.map((w) => `${w.label} ${w.acknowledged ? 'acknowledged' : w.code} at ${w.endedAtMs} ms`).join(', ')}; final ${JSON.stringify(result.final)}; ${verdict}`,
      )
      if (values.verbose) for (const line of result.timeline) console.log(`    ${line}`)
      for (const e of result.unexpectedErrors) console.log(`    unexpected error: ${e.slice(0, 300)}`)
    }
  }
} finally {
  await harness.close()
}

console.log()
console.log(`caller ${caller}, hold ${holdMs === undefined ? 'default' : `${holdMs} ms`}`)
console.log('case               runs  acknowledged  errors by code                 acknowledged writes lost')
for (const r of rows) {
  const errors = r.errors.size === 0 ? '-' : [...r.errors].map(([code, n]) => `${code} ${n}`).join(', ')
  const notes = [
    r.unexpected > 0 ? `${r.unexpected} unexpected errors` : '',
    r.diverged > 0 ? `${r.diverged} runs diverged` : '',
    r.failedRuns > 0 ? `${r.failedRuns} runs could not run` : '',
  ]
    .filter((x) => x !== '')
    .join('; ')
  console.log(
    `${r.case.padEnd(18)} ${String(r.runs).padStart(4)}  ${String(r.acknowledged).padStart(12)}  ${errors.padEnd(30)} ${String(r.lost).padStart(4)}${notes === '' ? '' : `  (${notes})`}`,
  )
}
