/**
 * `npm run bench -- [--quick] [--json <file>] [--only <section>]...`
 *
 * Runs the benchmark sections in order (overhead, failover, baselines, hedging, startup, scale),
 * prints a table per section on stdout (progress on stderr), and with `--json` writes one document
 * with a top-level key per section. SVG pictures go beside the JSON file, or to ./bench-results/
 * without `--json`. Exit code 0 unless the bench itself failed; missed targets are reported, not
 * turned into a failure (timing goals are never pass/fail).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { BenchContext, SectionOutput } from './context.js'
import { GatewayEnv } from './env.js'
import { formatTable, roundDeep } from './report.js'
import { runBaselines } from './sections/baselines.js'
import { runFailover, seedKeys } from './sections/failover.js'
import { runHedging } from './sections/hedging.js'
import { runOverhead } from './sections/overhead.js'
import { runScale } from './sections/scale.js'
import { runStartup } from './sections/startup.js'
import { messageOf } from '../lib/ojai/message-of.js'

export const SECTIONS = ['overhead', 'failover', 'baselines', 'hedging', 'startup', 'scale'] as const
export type SectionName = (typeof SECTIONS)[number]

const USAGE = `usage: npm run bench -- [--quick] [--json <file>] [--only <${SECTIONS.join('|')}>]...`

/** Hard bound on the whole run: a hung section must not keep the process (or CI) waiting. */
const BOUND_MS = { quick: 6 * 60_000, full: 25 * 60_000 }

async function main(): Promise<number> {
  let values
  try {
    values = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'string' },
        only: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }).values
  } catch (error) {
    console.error(`${messageOf(error)}\n${USAGE}`)
    return 2
  }
  if (values.help === true) {
    console.log(USAGE)
    return 0
  }
  const only = values.only ?? []
  const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s))
  if (unknown.length > 0) {
    console.error(`unknown section(s) ${unknown.join(', ')}\n${USAGE}`)
    return 2
  }
  const selected = (s: SectionName) => only.length === 0 || only.includes(s)
  const quick = values.quick === true
  const began = performance.now()
  const ctx: BenchContext = { quick, log: (line) => console.error(`[${((performance.now() - began) / 1000).toFixed(1)}s] ${line}`) }
  const jsonFile = values.json === undefined ? undefined : resolve(values.json)
  const outDir = jsonFile === undefined ? resolve('bench-results') : dirname(jsonFile)

  const bound = setTimeout(() => {
    console.error(`bench: exceeded its ${BOUND_MS[quick ? 'quick' : 'full'] / 60_000} min bound; exiting`)
    process.exit(1)
  }, BOUND_MS[quick ? 'quick' : 'full'])
  bound.unref()

  const document: Record<string, unknown> = {
    meta: { quick, node: process.version, platform: `${process.platform} ${process.arch}`, cpus: cpus().length, loadAverageAtStart: loadavg(), startedAt: new Date().toISOString() },
  }
  const show = (name: SectionName, out: SectionOutput<unknown>) => {
    // Other work on the machine inflates every latency: keep the load next to the figures.
    document[name] = { ...(out.json as object), loadAverage1m: loadavg()[0] }
    console.log(`\n${formatTable(out.title, out.rows)}`)
    for (const note of out.notes ?? []) console.log(`  ${note}`)
    console.log(`  load average (1 min) at the end of the section: ${loadavg()[0]?.toFixed(2)} on ${cpus().length} cores`)
    for (const p of out.pictures ?? []) {
      mkdirSync(outDir, { recursive: true })
      const file = join(outDir, p.file)
      writeFileSync(file, p.svg)
      console.log(`  picture: ${file}`)
    }
  }

  const needsGateways = SECTIONS.some((s) => s !== 'scale' && selected(s))
  let env: GatewayEnv | undefined
  try {
    if (needsGateways) {
      ctx.log('starting two gateways behind fault proxies')
      env = await GatewayEnv.start()
    }
    if (selected('overhead') && env) show('overhead', await runOverhead(ctx, env))
    const path = env && (selected('failover') || selected('baselines') || selected('startup')) ? await seedKeys(env) : undefined
    if (selected('failover') && env && path) show('failover', await runFailover(ctx, env, path))
    if (selected('baselines') && env && path) show('baselines', await runBaselines(ctx, env, path))
    if (selected('hedging') && env) show('hedging', await runHedging(ctx, env))
    if (selected('startup') && env && path) show('startup', await runStartup(ctx, env, path))
  } finally {
    await env?.close()
  }
  if (selected('scale')) show('scale', await runScale(ctx))

  document.meta = { ...(document.meta as object), loadAverageAtEnd: loadavg(), durationS: (performance.now() - began) / 1000 }
  if (jsonFile !== undefined) {
    mkdirSync(dirname(jsonFile), { recursive: true })
    writeFileSync(jsonFile, `${JSON.stringify(roundDeep(document), null, 2)}\n`)
    console.log(`\njson: ${jsonFile}`)
  }
  ctx.log('done')
  clearTimeout(bound)
  return 0
}

main().then(
  (code) => {
    process.exitCode = code
    // Everything should be closed by now; if something still holds the process, say what and leave.
    setTimeout(() => {
      console.error(`bench: still open after the run: ${process.getActiveResourcesInfo().join(', ')}; exiting`)
      process.exit(code)
    }, 3000).unref()
  },
  (error: unknown) => {
    console.error('bench failed:', error)
    process.exitCode = 1
  },
)
