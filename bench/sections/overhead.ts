/**
 * Section 1, overhead on healthy clusters: findById and insertOrReplace at concurrency 1, 16 and
 * 256 through (a) the raw driver, (b) a FailoverStore with default options and (c) a FailoverStore
 * with hedging on (default hedge options), all against gateway A (B is the idle secondary). A bare
 * grpc-js no-op unary call (server in its own process, like the gateways) is the physical limit.
 *
 * The machine is shared and noisy, so runs are interleaved: every repetition runs a, b, c (in a
 * rotating order) back to back for each operation and concurrency, and ratios are computed within
 * a repetition. The figure reported is the median of the per-repetition ratios b/a with a
 * distribution-free confidence interval (order statistics, `medianInterval` in bench/stats.ts:
 * 9 repetitions give [2nd, 8th] smallest at 96 % coverage, 5 give [min, max] at 94 %). A row whose
 * interval holds 1 is *within noise*: these repetitions cannot tell the two apart. Beside
 * throughput, each side's client CPU time per operation and event-loop utilisation, which other
 * work on the machine disturbs much less, show whether the FailoverStore costs the client anything.
 */
import type { Observable } from 'rxjs'
import { FailoverStore } from '../../lib/failover/index.js'
import type { DocumentWithId } from '../../lib/ojai/values.js'
import type { Store } from '../../lib/store.js'
import type { BenchContext, SectionOutput } from '../context.js'
import type { GatewayEnv } from '../env.js'
import { ImmediateStore } from '../gated-store.js'
import { closedLoop, type ClosedLoopResult } from '../load.js'
import { NoopGrpc } from '../noop-client.js'
import { latencyFigures, median, medianInterval, type MedianInterval } from '../stats.js'

const VARIANTS = ['raw', 'failover', 'hedged'] as const
type Variant = (typeof VARIANTS)[number]
const OPS = ['findById', 'insertOrReplace'] as const
type OpName = (typeof OPS)[number]
const KEYS = 1000

export interface OverheadRow {
  readonly op: OpName
  readonly concurrency: number
  readonly rawOpsPerSec: number
  readonly failoverOpsPerSec: number
  readonly hedgedOpsPerSec: number
  /** Throughput ratio b/a (FailoverStore defaults / raw driver), median of per-repetition ratios. */
  readonly ratioFailoverToRaw: number
  /** Confidence interval of that median (order statistics; `ratioCoverage` is its exact coverage). */
  readonly ratioLow: number
  readonly ratioHigh: number
  readonly ratioCoverage: number
  /** `within noise` when the interval holds 1; otherwise `faster` or `slower` (b against a). */
  readonly verdict: Verdict
  /** Throughput ratio c/a (FailoverStore with hedging / raw driver), with its interval. */
  readonly ratioHedgedToRaw: number
  readonly hedgedRatioLow: number
  readonly hedgedRatioHigh: number
  readonly rawP50Ms: number
  readonly rawP99Ms: number
  readonly failoverP50Ms: number
  readonly failoverP99Ms: number
  readonly hedgedP50Ms: number
  readonly hedgedP99Ms: number
  readonly errors: number
  /** Client CPU time per operation (us), raw / FailoverStore / hedged, and the ratio b/a. */
  readonly rawCpuUsPerOp: number
  readonly failoverCpuUsPerOp: number
  readonly hedgedCpuUsPerOp: number
  readonly cpuRatioFailoverToRaw: number
  /** Event-loop utilisation of the client during the measured window (0..1), raw / FailoverStore / hedged. */
  readonly rawEventLoopUtilization: number
  readonly failoverEventLoopUtilization: number
  readonly hedgedEventLoopUtilization: number
}

export type Verdict = 'within noise' | 'faster' | 'slower'

/** What a ratio's interval says: it holds 1, or lies wholly above or below it. */
export function verdictOf(ci: Pick<MedianInterval, 'low' | 'high'>): Verdict {
  return ci.low > 1 ? 'faster' : ci.high < 1 ? 'slower' : 'within noise'
}

export interface BareRow {
  readonly concurrency: number
  readonly bareOpsPerSec: number
  readonly bareP50Ms: number
  readonly bareP99Ms: number
  /** Raw-driver findById throughput / bare no-op throughput: the gateway's own cost as a ratio. */
  readonly ratioGatewayToBare: number
}

/** The FailoverStore's own CPU cost, against an in-process store answering on setImmediate. */
export interface IsolatedRow {
  readonly concurrency: number
  readonly rawCpuUsPerOp: number
  readonly failoverCpuUsPerOp: number
  readonly hedgedCpuUsPerOp: number
  /** failover minus raw: what the FailoverStore itself adds per operation (us). */
  readonly failoverAddsUsPerOp: number
  /**
   * The b/a throughput ratio this cost allows when the client's CPU is the bottleneck:
   * gateway raw cpuUsPerOp / (that + failoverAddsUsPerOp).
   */
  readonly impliedRatioFailoverToRaw: number
}

export interface OverheadJson {
  readonly repetitions: number
  /** Coverage of the ratio intervals with this many repetitions (order statistics, see bench/stats.ts). */
  readonly intervalCoverage: number
  readonly measuredMsPerRun: number
  readonly warmupMsPerRun: number
  readonly rows: readonly OverheadRow[]
  readonly bare: readonly BareRow[]
  readonly isolated: readonly IsolatedRow[]
}

export interface OverheadOptions {
  readonly concurrencies?: readonly number[]
  readonly repetitions?: number
  readonly durationMs?: number
  readonly warmupMs?: number
}

function doc(i: number): DocumentWithId {
  return { _id: `k${i % KEYS}`, name: `user ${i % KEYS}`, age: i % 90, tags: ['a', 'b'], score: i * 0.5 }
}

function opFactory(store: Store, op: OpName): (i: number) => Observable<unknown> {
  return op === 'findById' ? (i) => store.findById(`k${i % KEYS}`) : (i) => store.insertOrReplace(doc(i))
}

export async function runOverhead(ctx: BenchContext, env: GatewayEnv, options: OverheadOptions = {}): Promise<SectionOutput<OverheadJson>> {
  const concurrencies = options.concurrencies ?? [1, 16, 256]
  // Many short interleaved runs beat a few long ones on a shared machine: drift hits a, b and c alike.
  // 9 repetitions: the interval of the median is [2nd, 8th] at 96 % (5: [min, max] at 94 %).
  const reps = Math.max(5, options.repetitions ?? (ctx.quick ? 5 : 9))
  const durationMs = options.durationMs ?? (ctx.quick ? 250 : 600)
  const warmupMs = options.warmupMs ?? (ctx.quick ? 100 : 150)
  const path = await env.table(Array.from({ length: KEYS }, (_, i) => doc(i)))
  const connA = env.direct(env.a)
  const connB = env.direct(env.b)
  const rawA = connA.store(path)
  const clusters = [
    { name: 'A', store: rawA, ping: () => connA.ping() },
    { name: 'B', store: connB.store(path), ping: () => connB.ping() },
  ]
  const stores: Record<Variant, Store> = {
    raw: rawA,
    failover: new FailoverStore(clusters),
    hedged: new FailoverStore(clusters, { hedge: {} }),
  }
  const noop = await NoopGrpc.start()
  try {
    // Global warm-up: connections open, JIT compiled on every path.
    for (const v of VARIANTS)
      for (const op of OPS) await closedLoop(opFactory(stores[v], op), { concurrency: 16, durationMs: ctx.quick ? 300 : 800 })
    await closedLoop(() => noop.call(), { concurrency: 16, durationMs: ctx.quick ? 300 : 800 })

    type Runs = Record<Variant, ClosedLoopResult[]>
    const results = new Map<string, Runs>()
    const bare = new Map<number, ClosedLoopResult[]>()
    for (let r = 0; r < reps; r++) {
      for (const concurrency of concurrencies) {
        for (const op of OPS) {
          const key = `${op}/${concurrency}`
          const runs = results.get(key) ?? { raw: [], failover: [], hedged: [] }
          results.set(key, runs)
          // Rotate the order so no variant always runs first (after a pause) or last.
          for (let k = 0; k < VARIANTS.length; k++) {
            const v = VARIANTS[(k + r) % VARIANTS.length] as Variant
            runs[v].push(await closedLoop(opFactory(stores[v], op), { concurrency, durationMs, warmupMs }))
          }
        }
        const list = bare.get(concurrency) ?? []
        bare.set(concurrency, list)
        list.push(await closedLoop(() => noop.call(), { concurrency, durationMs, warmupMs }))
      }
      ctx.log(`overhead: repetition ${r + 1}/${reps} done`)
    }

    const rows: OverheadRow[] = []
    for (const concurrency of concurrencies) {
      for (const op of OPS) {
        const runs = results.get(`${op}/${concurrency}`) as Runs
        const figures = (v: Variant) => {
          const all = runs[v]
          return {
            opsPerSec: median(all.map((x) => x.opsPerSec)),
            p50: median(all.map((x) => latencyFigures(x.latenciesMs).p50Ms)),
            p99: median(all.map((x) => latencyFigures(x.latenciesMs).p99Ms)),
            errors: all.reduce((s, x) => s + x.errors, 0),
            cpu: median(all.map((x) => x.cpuUsPerOp)),
            elu: median(all.map((x) => x.eventLoopUtilization)),
          }
        }
        const ratio = (v: Variant) => medianInterval(runs[v].map((x, i) => x.opsPerSec / (runs.raw[i] as ClosedLoopResult).opsPerSec))
        const a = figures('raw')
        const b = figures('failover')
        const c = figures('hedged')
        const fo = ratio('failover')
        const hedged = ratio('hedged')
        rows.push({
          op,
          concurrency,
          rawOpsPerSec: a.opsPerSec,
          failoverOpsPerSec: b.opsPerSec,
          hedgedOpsPerSec: c.opsPerSec,
          ratioFailoverToRaw: fo.median,
          ratioLow: fo.low,
          ratioHigh: fo.high,
          ratioCoverage: fo.coverage,
          verdict: verdictOf(fo),
          ratioHedgedToRaw: hedged.median,
          hedgedRatioLow: hedged.low,
          hedgedRatioHigh: hedged.high,
          rawP50Ms: a.p50,
          rawP99Ms: a.p99,
          failoverP50Ms: b.p50,
          failoverP99Ms: b.p99,
          hedgedP50Ms: c.p50,
          hedgedP99Ms: c.p99,
          errors: a.errors + b.errors + c.errors,
          rawCpuUsPerOp: a.cpu,
          failoverCpuUsPerOp: b.cpu,
          hedgedCpuUsPerOp: c.cpu,
          cpuRatioFailoverToRaw: median(runs.failover.map((x, i) => x.cpuUsPerOp / (runs.raw[i] as ClosedLoopResult).cpuUsPerOp)),
          rawEventLoopUtilization: a.elu,
          failoverEventLoopUtilization: b.elu,
          hedgedEventLoopUtilization: c.elu,
        })
      }
    }
    const bareRows: BareRow[] = concurrencies.map((concurrency) => {
      const runs = bare.get(concurrency) as ClosedLoopResult[]
      const raw = (results.get(`findById/${concurrency}`) as Runs).raw
      return {
        concurrency,
        bareOpsPerSec: median(runs.map((x) => x.opsPerSec)),
        bareP50Ms: median(runs.map((x) => latencyFigures(x.latenciesMs).p50Ms)),
        bareP99Ms: median(runs.map((x) => latencyFigures(x.latenciesMs).p99Ms)),
        ratioGatewayToBare: median(runs.map((x, i) => (raw[i] as ClosedLoopResult).opsPerSec / x.opsPerSec)),
      }
    })
    const isolated = await isolatedCost(concurrencies, reps, rows)
    const hedgeStats = (stores.hedged as FailoverStore).stats()
    const coverage = rows[0]?.ratioCoverage ?? Number.NaN
    const notes = [
      `${reps} repetitions x ${durationMs} ms measured (+${warmupMs} ms warm-up) per run, a/b/c interleaved in rotating order; figures are medians over repetitions.`,
      `ratio = median of the per-repetition ratios b/a; [ratioLow, ratioHigh] its confidence interval from order statistics (coverage ${(coverage * 100).toFixed(1)} %, no assumption on the distribution); verdict "within noise" when the interval holds 1.`,
      `hedged variant: default hedge options (delay = A's p95 findById latency, budget 5 %); ${hedgeStats.hedges} hedges sent over the whole section.`,
      ...rows.map((r) => `target ${r.op} c=${r.concurrency}: ${targetOf(r)}`),
      'cpuUsPerOp: CPU time of the client process per operation; eventLoopUtilization: share of the window the client loop was busy (perf_hooks). Both are far less disturbed by other work on the machine than ops/s.',
      "in-process store: findById answered on setImmediate (no network): the FailoverStore's own CPU per operation; impliedRatio = what that cost alone allows against the gateway figures above.",
      'bare: grpc-js no-op unary (empty messages), server in its own process; ratioGatewayToBare = raw findById ops/s / bare ops/s.',
    ]
    return {
      title: '1. overhead: healthy clusters, raw driver (a) vs FailoverStore defaults (b) vs FailoverStore hedged (c)',
      rows: [
        ...rows.map((r) => ({
          op: r.op,
          concurrency: r.concurrency,
          rawOpsPerSec: r.rawOpsPerSec,
          failoverOpsPerSec: r.failoverOpsPerSec,
          ratio: r.ratioFailoverToRaw,
          ratioLow: r.ratioLow,
          ratioHigh: r.ratioHigh,
          verdict: r.verdict,
          rawCpuUsPerOp: r.rawCpuUsPerOp,
          failoverCpuUsPerOp: r.failoverCpuUsPerOp,
          rawElu: r.rawEventLoopUtilization,
          failoverElu: r.failoverEventLoopUtilization,
          hedgedRatio: r.ratioHedgedToRaw,
          rawP99Ms: r.rawP99Ms,
          failoverP99Ms: r.failoverP99Ms,
          errors: r.errors,
        })),
        ...bareRows.map((b) => ({
          op: 'bare no-op gRPC',
          concurrency: b.concurrency,
          rawOpsPerSec: b.bareOpsPerSec,
          rawP99Ms: b.bareP99Ms,
          ratioGatewayToBare: b.ratioGatewayToBare,
        })),
        ...isolated.map((r) => ({
          op: 'findById, in-process store',
          concurrency: r.concurrency,
          rawCpuUsPerOp: r.rawCpuUsPerOp,
          failoverCpuUsPerOp: r.failoverCpuUsPerOp,
          failoverAddsUsPerOp: r.failoverAddsUsPerOp,
          impliedRatioFailoverToRaw: r.impliedRatioFailoverToRaw,
        })),
      ],
      json: {
        repetitions: reps,
        intervalCoverage: coverage,
        measuredMsPerRun: durationMs,
        warmupMsPerRun: warmupMs,
        rows,
        bare: bareRows,
        isolated,
      },
      notes,
    }
  } finally {
    void (stores.failover as FailoverStore).close({ graceMs: 0 })
    void (stores.hedged as FailoverStore).close({ graceMs: 0 })
    env.release(connA, connB)
    await noop.close()
  }
}

/**
 * The target for a row: at concurrency 16 or less, b/a at or above 0.97 or within noise of
 * 1; above, at or above 0.95.
 */
export function targetOf(row: Pick<OverheadRow, 'concurrency' | 'ratioFailoverToRaw' | 'verdict'>): string {
  const floor = row.concurrency <= 16 ? 0.97 : 0.95
  const met = row.ratioFailoverToRaw >= floor || (row.concurrency <= 16 && row.verdict === 'within noise')
  return `b/a >= ${floor}${row.concurrency <= 16 ? ' or within noise' : ''}: ${row.ratioFailoverToRaw.toFixed(3)} (${row.verdict}) ${met ? 'met' : 'MISSED'}`
}

const fixed = (digits: number) => (value: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-')

/**
 * The README's overhead table (Markdown) from the section's JSON, e.g. `bench.json`'s `overhead`
 * key: `npx tsx bench/overhead-table.ts <bench.json>` prints it.
 */
export function overheadMarkdown(json: OverheadJson): string {
  const f3 = fixed(3)
  const f0 = fixed(0)
  const f2 = fixed(2)
  const lines = [
    `| operation | concurrency | FailoverStore / raw driver, ops/s (median) | ${(json.intervalCoverage * 100).toFixed(0)} % interval | verdict | client CPU µs/op, raw / FailoverStore | event-loop utilisation, raw / FailoverStore |`,
    '|---|---:|---:|---|---|---|---|',
    ...json.rows.map(
      (r) =>
        `| ${r.op} | ${r.concurrency} | ${f3(r.ratioFailoverToRaw)} | ${f3(r.ratioLow)} – ${f3(r.ratioHigh)} | ${r.verdict} | ${f0(r.rawCpuUsPerOp)} / ${f0(r.failoverCpuUsPerOp)} | ${f2(r.rawEventLoopUtilization)} / ${f2(r.failoverEventLoopUtilization)} |`,
    ),
  ]
  return lines.join('\n')
}

async function isolatedCost(concurrencies: readonly number[], reps: number, gatewayRows: readonly OverheadRow[]): Promise<IsolatedRow[]> {
  const a = new ImmediateStore()
  const b = new ImmediateStore()
  const clusters = [
    { name: 'A', store: a },
    { name: 'B', store: b },
  ]
  const stores: Record<Variant, Store> = {
    raw: a,
    failover: new FailoverStore(clusters),
    hedged: new FailoverStore(clusters, { hedge: {} }),
  }
  try {
    const out: IsolatedRow[] = []
    for (const concurrency of concurrencies) {
      const cpu: Record<Variant, number[]> = { raw: [], failover: [], hedged: [] }
      for (let r = 0; r < reps; r++) {
        for (let k = 0; k < VARIANTS.length; k++) {
          const v = VARIANTS[(k + r) % VARIANTS.length] as Variant
          cpu[v].push(
            (await closedLoop((i) => stores[v].findById(`k${i % KEYS}`), { concurrency, durationMs: 150, warmupMs: 50 })).cpuUsPerOp,
          )
        }
      }
      const raw = median(cpu.raw)
      const fo = median(cpu.failover)
      const gateway = gatewayRows.find((g) => g.op === 'findById' && g.concurrency === concurrency)?.rawCpuUsPerOp ?? Number.NaN
      out.push({
        concurrency,
        rawCpuUsPerOp: raw,
        failoverCpuUsPerOp: fo,
        hedgedCpuUsPerOp: median(cpu.hedged),
        failoverAddsUsPerOp: fo - raw,
        impliedRatioFailoverToRaw: gateway / (gateway + Math.max(0, fo - raw)),
      })
    }
    return out
  } finally {
    void (stores.failover as FailoverStore).close({ graceMs: 0 })
    void (stores.hedged as FailoverStore).close({ graceMs: 0 })
  }
}
