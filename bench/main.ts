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
import { dirname, join } from 'node:path'
import { namesArg, outputsOf, runCli, type Values } from './cli.js'
import type { BenchContext, SectionOutput } from './context.js'
import { GatewayEnv } from './env.js'
import { formatTable, roundDeep } from './report.js'
import { runBaselines } from './sections/baselines.js'
import { runFailover, seedKeys } from './sections/failover.js'
import { runHedging } from './sections/hedging.js'
import { runOverhead } from './sections/overhead.js'
import { runScale } from './sections/scale.js'
import { runStartup } from './sections/startup.js'

export const SECTIONS = ['overhead', 'failover', 'baselines', 'hedging', 'startup', 'scale'] as const
export type SectionName = (typeof SECTIONS)[number]

const USAGE = `usage: npm run bench -- [--quick] [--json <file>] [--only <${SECTIONS.join('|')}>]...`

/** Hard bound on the whole run. */
const BOUND_MS = { quick: 6 * 60_000, full: 25 * 60_000 }

const OPTIONS = {
  quick: { type: 'boolean', default: false },
  json: { type: 'string' },
  only: { type: 'string', multiple: true },
} as const

async function run(values: Values<typeof OPTIONS>): Promise<void> {
  const only = namesArg('section', values.only, SECTIONS)
  const selected = (s: SectionName) => only.length === 0 || only.includes(s)
  const quick = values.quick === true
  const began = performance.now()
  const ctx: BenchContext = { quick, log: (line) => console.error(`[${((performance.now() - began) / 1000).toFixed(1)}s] ${line}`) }
  const { jsonFile, outDir } = outputsOf(values.json)

  const document: Record<string, unknown> = {
    meta: {
      quick,
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      loadAverageAtStart: loadavg(),
      startedAt: new Date().toISOString(),
    },
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
}

runCli({ name: 'bench', usage: USAGE, options: OPTIONS, boundMs: (values) => BOUND_MS[values.quick ? 'quick' : 'full'], run })
