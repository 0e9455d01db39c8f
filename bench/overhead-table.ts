/**
 * Prints the README's overhead table from a bench JSON document (`npm run bench -- --only overhead
 * --json <file>`), so the table in the README is exactly what the run measured.
 *
 *   npx tsx bench/overhead-table.ts bench/results/bench.json
 */
import { readFileSync } from 'node:fs'
import { overheadMarkdown, type OverheadJson } from './sections/overhead.js'

const file = process.argv[2]
if (file === undefined) {
  console.error('usage: npx tsx bench/overhead-table.ts <bench.json>')
  process.exit(2)
}
const document = JSON.parse(readFileSync(file, 'utf8')) as { overhead?: OverheadJson; meta?: { startedAt?: string; cpus?: number } }
if (document.overhead === undefined) {
  console.error(`${file} has no overhead section: run npm run bench -- --only overhead --json ${file}`)
  process.exit(1)
}
const o = document.overhead
console.log(
  `Measured with \`npm run bench -- --only overhead --json ${file}\` (${o.repetitions} interleaved repetitions of ${o.measuredMsPerRun} ms per variant; ${document.meta?.cpus ?? '?'} cores${document.meta?.startedAt === undefined ? '' : `, ${document.meta.startedAt}`}):`,
)
console.log()
console.log(overheadMarkdown(o))
