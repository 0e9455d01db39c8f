/**
 * Where a FailoverStore's throughput goes against the raw driver, over real gateway processes, on
 * the compiled library (`npm run build` first): per variant (raw driver, FailoverStore defaults),
 * interleaved, the throughput, client CPU per operation, event-loop utilisation, event-loop delay
 * (perf_hooks `monitorEventLoopDelay`), and, in a separate pass (async_hooks slow the loop), the
 * asynchronous resources created per operation by type: `Timeout` counts every setTimeout and
 * setInterval, `Immediate` every setImmediate.
 *
 *   npm run build && npx tsx bench/experiments/write-overhead.ts [--op insertOrReplace|findById] [--concurrency 16]
 *
 * `--profile <dir>` adds one profiled run per variant (V8 CPU profiler through node:inspector,
 * started and stopped around the run, so start-up and seeding stay out) and writes
 * `<dir>/<variant>.cpuprofile`, with the run's operation count in the file name for
 * bench/experiments/profile-summary.ts to turn sample time into µs per operation:
 *
 *   npm run build && npx tsx bench/experiments/write-overhead.ts --profile prof
 *   npx tsx bench/experiments/profile-summary.ts prof/*.cpuprofile
 */
import { createHook } from 'node:async_hooks'
import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { constants, monitorEventLoopDelay, PerformanceObserver, type NodeGCPerformanceDetail, type PerformanceEntry } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import type { Observable } from 'rxjs'
import type * as Library from '../../lib/index.js'
import type { Store } from '../../lib/index.js'
import { GatewayEnv } from '../env.js'
import { closedLoop, type ClosedLoopResult } from '../load.js'
import { median } from '../stats.js'

// The compiled library, loaded at run time (types from the source, which it is built from).
const lib = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof Library

const { values } = parseArgs({
  options: {
    op: { type: 'string', default: 'insertOrReplace' },
    concurrency: { type: 'string', default: '16' },
    repetitions: { type: 'string', default: '5' },
    durationMs: { type: 'string', default: '1500' },
    only: { type: 'string' },
    profile: { type: 'string' },
  },
})
const op = values.op === 'findById' ? 'findById' : 'insertOrReplace'
const concurrency = Number(values.concurrency)
const reps = Number(values.repetitions)
const durationMs = Number(values.durationMs)
const KEYS = 1000
const doc = (i: number) => ({ _id: `k${i % KEYS}`, name: `user ${i % KEYS}`, age: i % 90, tags: ['a', 'b'], score: i * 0.5 })
const opOf =
  (store: Store) =>
  (i: number): Observable<unknown> =>
    op === 'findById' ? store.findById(`k${i % KEYS}`) : store.insertOrReplace(doc(i))

const env = await GatewayEnv.start()
const path = await env.table(Array.from({ length: KEYS }, (_, i) => doc(i)))
const connA = lib.connect(env.a.directConnectionString)
const connB = lib.connect(env.b.directConnectionString)
const raw = connA.store(path)
const failover = new lib.FailoverStore([
  { name: 'A', store: raw, ping: () => connA.ping() },
  { name: 'B', store: connB.store(path), ping: () => connB.ping() },
])
const variants = { raw, failover } as const
type Variant = keyof typeof variants
const selected = (Object.keys(variants) as Variant[]).filter((v) => values.only === undefined || values.only === v)

interface Sample {
  readonly run: ClosedLoopResult
  readonly delayP50Ms: number
  readonly delayP99Ms: number
  readonly delayMaxMs: number
  /** Garbage collections over the run (warm-up included): minor (scavenges) and major, count and ms. */
  readonly minorGcs: number
  readonly majorGcs: number
  readonly gcMs: number
}

async function measured(v: Variant): Promise<Sample> {
  const delay = monitorEventLoopDelay({ resolution: 1 })
  const gc = { minor: 0, major: 0, ms: 0 }
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: NodeGCPerformanceDetail }).detail?.kind
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minor++
      else gc.major++
      gc.ms += entry.duration
    }
  })
  observer.observe({ entryTypes: ['gc'] })
  const run = closedLoop(opOf(variants[v]), { concurrency, durationMs, warmupMs: 300 })
  // The histogram starts with the measured window (the warm-up is 300 ms).
  const start = setTimeout(() => delay.enable(), 300)
  const result = await run
  clearTimeout(start)
  delay.disable()
  observer.disconnect()
  // Per operation of the whole run, warm-up included (the observer cannot be split at the window).
  const all = result.ops / (durationMs / (durationMs + 300))
  return {
    run: result,
    delayP50Ms: delay.percentile(50) / 1e6,
    delayP99Ms: delay.percentile(99) / 1e6,
    delayMaxMs: delay.max / 1e6,
    minorGcs: gc.minor / all,
    majorGcs: gc.major / all,
    gcMs: gc.ms / all,
  }
}

/**
 * Per operation, over a short run: asynchronous resources created, by type (an async_hooks init
 * hook), and timer calls and timer callbacks run (setTimeout / setInterval wrapped for the run:
 * RxJS and grpc-js look them up at call time).
 */
async function resourcesPerOp(v: Variant): Promise<Record<string, number>> {
  const counts = new Map<string, number>()
  const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1)
  const hook = createHook({ init: (_id, type) => count(type) })
  const real = { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval }
  const wrap = (name: 'setTimeout' | 'setInterval') =>
    ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      count(`${name} calls`)
      return (real[name] as (f: (...a: unknown[]) => void, ms?: number, ...a: unknown[]) => NodeJS.Timeout)(
        (...a: unknown[]) => {
          count(`${name} callbacks`)
          fn(...a)
        },
        ms,
        ...args,
      )
    }) as typeof setTimeout
  hook.enable()
  globalThis.setTimeout = wrap('setTimeout')
  globalThis.setInterval = wrap('setInterval') as unknown as typeof setInterval
  let result: ClosedLoopResult
  try {
    result = await closedLoop(opOf(variants[v]), { concurrency, durationMs: 500 })
  } finally {
    globalThis.setTimeout = real.setTimeout
    globalThis.setInterval = real.setInterval
    hook.disable()
  }
  const ops = result.ops + result.errors
  return Object.fromEntries(
    [...counts].sort((a, b) => a[0].localeCompare(b[0])).map(([what, n]) => [what, Math.round((n / ops) * 1000) / 1000]),
  )
}

/** One run of `v` under the CPU profiler; the profile goes to `<dir>/<variant>.<ops>ops.cpuprofile`. */
async function profiled(v: Variant, dir: string): Promise<void> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  const result = await closedLoop(opOf(variants[v]), { concurrency, durationMs: 3000 })
  const { profile } = await session.post('Profiler.stop')
  session.disconnect()
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}/${v}.${result.ops + result.errors}ops.cpuprofile`, JSON.stringify(profile))
}

try {
  // Warm-up: connections open, JIT compiled on both paths.
  for (const v of selected) await closedLoop(opOf(variants[v]), { concurrency, durationMs: 1000 })
  const samples: Record<Variant, Sample[]> = { raw: [], failover: [] }
  for (let r = 0; r < reps; r++)
    for (let k = 0; k < selected.length; k++) {
      const v = selected[(k + r) % selected.length] as Variant
      samples[v].push(await measured(v))
    }
  const table: Record<string, Record<string, number>> = {}
  for (const v of selected) {
    const s = samples[v]
    table[v] = {
      'ops/s': Math.round(median(s.map((x) => x.run.opsPerSec))),
      'CPU us/op': median(s.map((x) => x.run.cpuUsPerOp)),
      'event-loop utilisation': median(s.map((x) => x.run.eventLoopUtilization)),
      'loop delay p50 ms': median(s.map((x) => x.delayP50Ms)),
      'loop delay p99 ms': median(s.map((x) => x.delayP99Ms)),
      'loop delay max ms': median(s.map((x) => x.delayMaxMs)),
      'GC µs/op': median(s.map((x) => x.gcMs * 1000)),
      'scavenges per 1000 ops': median(s.map((x) => x.minorGcs * 1000)),
      'major GCs per 1000 ops': median(s.map((x) => x.majorGcs * 1000)),
      errors: s.reduce((n, x) => n + x.run.errors, 0),
    }
  }
  console.log(`${op}, concurrency ${concurrency}: medians of ${reps} interleaved runs of ${durationMs} ms (compiled library)`)
  console.table(table)
  const resources: Record<string, Record<string, number>> = {}
  for (const v of selected) resources[v] = await resourcesPerOp(v)
  console.log('per operation: asynchronous resources created (async_hooks init, by type), timer calls and timer callbacks run')
  console.table(resources)
  if (values.profile !== undefined) for (const v of selected) await profiled(v, values.profile)
  const { clusters, ...stats } = failover.stats()
  console.log('FailoverStore stats over the whole run', JSON.stringify(stats))
  for (const [name, ops] of Object.entries(clusters))
    for (const [o, x] of Object.entries(ops))
      console.log(`  ${name} ${o}: ${x.ok} ok, ${x.timeouts} timeouts, ${x.availabilityErrors} availability errors`)
} finally {
  await failover.close({ graceMs: 0 })
  await Promise.all([connA.close({ graceMs: 0 }), connB.close({ graceMs: 0 })])
  await env.close()
}
