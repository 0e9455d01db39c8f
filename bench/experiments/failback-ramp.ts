/**
 * Read-your-writes across a failback: two gateway processes replicating to each other, a
 * FailoverStore (default options) over their proxies, 64 writers each rewriting its own document in
 * a closed loop (`insertOrReplace({ _id, v: n })`, then `findById` of the same document). The
 * primary's gateway (A) is killed, the store fails over to B, A restarts on its data; after the
 * hold the store fails back to A with the default ramp. From `--ramp-offset-ms` (default 4 000) into
 * the ramp, for `--duration-ms` (default 5 000), it counts:
 *
 * - **stale reads**: a writer's findById that returned an older `v` than its own last acknowledged
 *   write (or nothing), with the cluster that answered;
 * - **when the ramp was cut short**: the store ends a ramp when the cluster failed back from (B)
 *   times out or fails (a suspicion, which a loaded machine causes now and then, does not end it);
 *   from then on every operation starts on A;
 * - **operations that moved on** to the other cluster (timeouts, silence, errors): a read that
 *   moves on from A to B may miss a write A acknowledged and B has not received yet;
 * - **errors by code**, of the operations started in that window;
 * - **acknowledged writes lost**, once the writers stopped and both replicas hold the same
 *   documents: a document whose final `v` on a cluster is older than its writer's last
 *   acknowledged write. A newer `v` is fine only when a write that was not acknowledged (an error,
 *   an UnsettledWriteError) wrote it; otherwise it is counted as unexplained.
 *
 * Prints one row per run, then the medians; exits by itself.
 *
 *   npx tsx bench/experiments/failback-ramp.ts [--runs 10] [--writers 64] [--duration-ms 5000]
 *     [--ramp-offset-ms 4000] [--clock-offset-ms 200] [--no-failback]
 *
 * `--clock-offset-ms n` runs A's clock n ms behind B's (the gateway option `clockOffsetMs`): the
 * cluster writes move back to is the one whose stamps are older. `--no-failback` gives the store
 * `failback: false` (everything moves back at once). Figures from a shared machine are noisy.
 */
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { firstValueFrom, toArray, timeout } from 'rxjs'
import { textTable } from '../../lib/chaos/report.js'
import type { ClusterHealth } from '../../lib/failover/health.js'
import type { FailoverStoreOptions } from '../../lib/failover/options.js'
import { reasonOf } from '../../lib/failover/run.js'
import { messageOf } from '../../lib/ojai/message-of.js'
import type { GatewayNode } from '../../lib/chaos/cluster.js'
import { GatewayEnv } from '../env.js'
import { oursOverProxies } from '../sections/failover.js'
import { sleep } from '../context.js'
import { median } from '../stats.js'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    writers: { type: 'string', default: '64' },
    'duration-ms': { type: 'string', default: '5000' },
    'ramp-offset-ms': { type: 'string', default: '4000' },
    'clock-offset-ms': { type: 'string', default: '0' },
    'no-failback': { type: 'boolean', default: false },
  },
})

function whole(name: string, min: number): number {
  const n = Number(values[name as keyof typeof values])
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} needs an integer of at least ${min}, got ${JSON.stringify(values[name as keyof typeof values])}`)
  return n
}
const runs = whole('runs', 1)
const writers = whole('writers', 1)
const durationMs = whole('duration-ms', 1)
const rampOffsetMs = whole('ramp-offset-ms', 0)
const clockOffsetMs = whole('clock-offset-ms', 0)
const options: FailoverStoreOptions = values['no-failback'] ? { failback: false } : {}
/** Healthy traffic before the primary is killed, and how long it stays dead. */
const HEALTHY_MS = 2000
const DEAD_MS = 3000
/** Bound on waiting for the failback (the default hold is 20 s) and for replicas to converge. */
const FAILBACK_TIMEOUT_MS = 60_000
const CONVERGE_TIMEOUT_MS = 30_000

interface Writer {
  readonly id: string
  /** The last value written (acknowledged or not). */
  n: number
  lastAcked: number
  /** Values written without an acknowledgment (they may still have landed, or may still land). */
  readonly unacknowledged: Set<number>
}

/** What the writers saw in the window. */
interface WindowCounts {
  reads: number
  /** Reads by the cluster that answered (`unknown`: no document came back). */
  readonly readsOn: Record<string, number>
  stale: number
  readonly staleOn: Record<string, number>
  /** Writes acknowledged. */
  writes: number
  /** Operations that ended in an error, by operation and code. */
  readonly errors: Record<string, number>
  /** Operations that moved on to another cluster (`rerouted` events: timeouts, suspicion, errors). */
  movedOn: number
  /** Failovers and failbacks after the first failback, until the window's end: each failback starts a new ramp. */
  switchesAfterFailback: number
}

interface Figures extends WindowCounts {
  /**
   * When B, the cluster failed back from, first left good standing (silent, suspect or down) after
   * the failback, in ms from it: the ramp ends there and every operation starts on A (NaN: never
   * before the window's end, or no ramp).
   */
  readonly rampCutAtMs: number
  readonly lost: number
  readonly unexplained: number
  readonly failbackAfterFailoverMs: number
}

const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1)
const byKey = (r: Record<string, number>) =>
  Object.keys(r).length === 0
    ? '-'
    : Object.entries(r)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')

/** Every document of `path` on one cluster, read straight from its gateway: `_id` to `v`. */
async function finalValues(env: GatewayEnv, node: GatewayNode, path: string): Promise<Map<string, unknown>> {
  const connection = env.direct(node)
  try {
    const docs = await firstValueFrom(connection.store(path).find().pipe(toArray(), timeout(10_000)))
    return new Map(docs.map((d) => [String(d._id), d.v]))
  } finally {
    env.release(connection)
  }
}

async function run(env: GatewayEnv, path: string, runNumber: number): Promise<Figures> {
  const { store, tags, dispose } = await oursOverProxies(env, path, options)
  const crew: Writer[] = Array.from({ length: writers }, (_, i) => ({
    id: `r${runNumber}-w${i}`,
    n: 0,
    lastAcked: 0,
    unacknowledged: new Set(),
  }))
  let windowFrom = Infinity
  let windowTo = Infinity
  const inWindow = (t: number) => t >= windowFrom && t < windowTo
  const f: WindowCounts = { reads: 0, readsOn: {}, stale: 0, staleOn: {}, writes: 0, errors: {}, movedOn: 0, switchesAfterFailback: 0 }
  let failoverAt = NaN
  let failbackAt = NaN
  let failedBack: () => void = () => {}
  const failback = new Promise<void>((resolve) => (failedBack = resolve))
  let rampCutAtMs = NaN
  let standing: readonly ClusterHealth[] = []
  /** Notes the first moment after the failback, within the window, that B timed out or failed (which ends the ramp; a suspicion does not). */
  const watchRamp = () => {
    const now = performance.now()
    if (options.failback === false || !Number.isNaN(rampCutAtMs) || !(now >= failbackAt && now < windowTo)) return
    if (standing.some((c) => c.name === 'B' && (c.state === 'suspect' || c.state === 'down'))) rampCutAtMs = now - failbackAt
  }
  const health = store.health$.subscribe((clusters) => {
    standing = clusters
    watchRamp()
  })
  const events = store.events$.subscribe((e) => {
    if (e.type === 'rerouted' && inWindow(performance.now())) f.movedOn++
    if (e.type === 'failover' && Number.isNaN(failoverAt)) failoverAt = performance.now()
    else if ((e.type === 'failover' || e.type === 'failback') && !Number.isNaN(failbackAt) && performance.now() < windowTo)
      f.switchesAfterFailback++
    if (e.type === 'failback' && Number.isNaN(failbackAt)) {
      failbackAt = performance.now()
      windowFrom = failbackAt + rampOffsetMs
      windowTo = windowFrom + durationMs
      watchRamp()
      failedBack()
    }
  })

  let stopping = false
  const loop = async (w: Writer) => {
    while (!stopping) {
      const v = ++w.n
      w.unacknowledged.add(v)
      const wroteAt = performance.now()
      try {
        await firstValueFrom(store.insertOrReplace({ _id: w.id, v }), { defaultValue: undefined })
        w.unacknowledged.delete(v)
        w.lastAcked = v
        if (inWindow(wroteAt)) f.writes++
      } catch (error) {
        if (inWindow(wroteAt)) count(f.errors, `write ${reasonOf(error)}`)
      }
      const readAt = performance.now()
      try {
        const doc = await firstValueFrom(store.findById(w.id))
        if (!inWindow(readAt)) continue
        f.reads++
        const on = tags.of(doc) ?? 'unknown'
        count(f.readsOn, on)
        const read = typeof doc?.v === 'number' ? doc.v : -1
        if (read < w.lastAcked) {
          f.stale++
          count(f.staleOn, on)
        }
      } catch (error) {
        if (inWindow(readAt)) count(f.errors, `read ${reasonOf(error)}`)
      }
    }
  }
  const loops = Promise.all(crew.map(loop))
  try {
    await sleep(HEALTHY_MS)
    await env.a.kill()
    await sleep(DEAD_MS)
    await env.a.start()
    const bound = sleep(FAILBACK_TIMEOUT_MS).then(() => {
      throw new Error(`no failback within ${FAILBACK_TIMEOUT_MS} ms of the primary's restart`)
    })
    await Promise.race([failback, bound])
    await sleep(rampOffsetMs + durationMs)
  } finally {
    stopping = true
    // Every operation is bounded by the store's own limits; this bounds the wait for them anyway.
    await Promise.race([loops, sleep(15_000)])
    events.unsubscribe()
    health.unsubscribe()
    dispose()
  }

  // Lost writes: once both replicas hold the same documents, each must be at its writer's last
  // acknowledged value, or at a newer value that an unacknowledged write explains.
  let finals: Map<string, unknown>[]
  const until = performance.now() + CONVERGE_TIMEOUT_MS
  for (;;) {
    finals = await Promise.all([finalValues(env, env.a, path), finalValues(env, env.b, path)])
    const [a, b] = finals as [Map<string, unknown>, Map<string, unknown>]
    if (crew.every((w) => a.get(w.id) === b.get(w.id)) || performance.now() > until) break
    await sleep(100)
  }
  let lost = 0
  let unexplained = 0
  for (const w of crew) {
    const values = finals.map((m) => m.get(w.id))
    if (values.some((v) => typeof v !== 'number' || v < w.lastAcked)) lost++
    else if (values.some((v) => v !== w.lastAcked && !w.unacknowledged.has(v as number))) unexplained++
  }
  return { ...f, rampCutAtMs, lost, unexplained, failbackAfterFailoverMs: failbackAt - failoverAt }
}

const env = await GatewayEnv.start({
  replicate: true,
  gatewayArgs: (cluster) => (cluster === 'A' && clockOffsetMs > 0 ? [`--clock-offset-ms=-${clockOffsetMs}`] : []),
})
const rows: Figures[] = []
let failedRuns = 0
try {
  const path = await env.table([])
  for (let r = 1; r <= runs; r++) {
    let figures: Figures
    try {
      figures = await run(env, path, r)
    } catch (error) {
      // A bound passed in the harness (a gateway slow to restart on a loaded machine): not a figure.
      failedRuns++
      console.log(`run ${r}: could not run: ${messageOf(error)}`)
      await env.heal().catch((e: unknown) => console.log(`  heal failed: ${messageOf(e)}`))
      continue
    }
    rows.push(figures)
    console.log(
      `run ${r}: ${figures.stale} stale of ${figures.reads} reads (${pct(figures.stale, figures.reads)}; on ${byKey(figures.staleOn)}), ` +
        `reads on ${byKey(figures.readsOn)}, ${figures.movedOn} operations moved on, ${figures.writes} writes acknowledged, ${figures.lost} lost, ${figures.unexplained} unexplained, ` +
        `errors: ${byKey(figures.errors)}; failback ${(figures.failbackAfterFailoverMs / 1000).toFixed(1)} s after the failover` +
        (Number.isNaN(figures.rampCutAtMs)
          ? ''
          : `; ramp cut short ${(figures.rampCutAtMs / 1000).toFixed(1)} s into it (B timed out or failed)`),
    )
    await env.heal()
    await sleep(500)
  }
} finally {
  await env.close()
}

function pct(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(2)} %`
}

console.log(
  `\nfailback ramp: ${writers} writers, window ${rampOffsetMs}-${rampOffsetMs + durationMs} ms into the ramp, ${runs} runs, ` +
    `options ${JSON.stringify(options)}, A's clock ${clockOffsetMs} ms behind B's` +
    (failedRuns > 0 ? `; ${failedRuns} runs could not run` : ''),
)
console.log(
  textTable(
    [
      'run',
      'reads',
      'stale',
      'stale %',
      'stale on',
      'acked writes',
      'lost',
      'unexplained',
      'moved on',
      'ramp cut s',
      'switches',
      'errors by code',
    ],
    rows.map((f, i) => [
      String(i + 1),
      String(f.reads),
      String(f.stale),
      pct(f.stale, f.reads),
      byKey(f.staleOn),
      String(f.writes),
      String(f.lost),
      String(f.unexplained),
      String(f.movedOn),
      Number.isNaN(f.rampCutAtMs) ? '-' : (f.rampCutAtMs / 1000).toFixed(1),
      String(f.switchesAfterFailback),
      byKey(f.errors),
    ]),
  ),
)
const med = (pick: (f: Figures) => number) => median(rows.map(pick))
console.log(
  `median: ${med((f) => f.stale)} stale of ${med((f) => f.reads)} reads (${(100 * med((f) => (f.reads === 0 ? NaN : f.stale / f.reads))).toFixed(2)} %), ` +
    `${med((f) => f.lost)} acknowledged writes lost; totals: ${rows.reduce((s, f) => s + f.stale, 0)} stale of ${rows.reduce((s, f) => s + f.reads, 0)} reads, ` +
    `${rows.reduce((s, f) => s + f.lost, 0)} lost`,
)
