/**
 * Section 1, overhead on healthy clusters: findById and insertOrReplace at concurrency 1, 16 and
 * 256 through (a) the raw driver, (b) a FailoverStore with default options and (c) a FailoverStore
 * with hedging on (default hedge options), all against gateway A (B is the idle secondary). A bare
 * grpc-js no-op unary call (server in its own process, like the gateways) is the physical limit.
 *
 * The machine is shared and noisy, so runs are interleaved: every repetition runs a, b, c (in a
 * rotating order) back to back for each operation and concurrency, and ratios are computed within
 * a repetition, then the median across repetitions is reported.
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
import { latencyFigures, median } from '../stats.js'

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
  /** Throughput ratio c/a (FailoverStore with hedging / raw driver). */
  readonly ratioHedgedToRaw: number
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
  const reps = options.repetitions ?? (ctx.quick ? 5 : 9)
  const durationMs = options.durationMs ?? (ctx.quick ? 250 : 700)
  const warmupMs = options.warmupMs ?? (ctx.quick ? 100 : 200)
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
          }
        }
        const ratio = (v: Variant) => median(runs[v].map((x, i) => x.opsPerSec / (runs.raw[i] as ClosedLoopResult).opsPerSec))
        const a = figures('raw')
        const b = figures('failover')
        const c = figures('hedged')
        rows.push({
          op,
          concurrency,
          rawOpsPerSec: a.opsPerSec,
          failoverOpsPerSec: b.opsPerSec,
          hedgedOpsPerSec: c.opsPerSec,
          ratioFailoverToRaw: ratio('failover'),
          ratioHedgedToRaw: ratio('hedged'),
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
    const notes = [
      `${reps} repetitions x ${durationMs} ms measured (+${warmupMs} ms warm-up) per run, a/b/c interleaved in rotating order; medians; ratios are medians of per-repetition ratios.`,
      `hedged variant: default hedge options (delay = A's p95 findById latency, budget 5 %); ${hedgeStats.hedges} hedges sent over the whole section.`,
      ...rows
        .filter((r) => r.concurrency === 16 || r.concurrency === 256)
        .map(
          (r) =>
            `target b/a >= 0.95 at concurrency ${r.concurrency}, ${r.op}: ${r.ratioFailoverToRaw.toFixed(3)} ${r.ratioFailoverToRaw >= 0.95 ? 'met' : 'MISSED'}`,
        ),
      'cpuUsPerOp: CPU time of the client process per operation (less sensitive to other load than ops/s); cpuRatioFailoverToRaw > 1 = FailoverStore costs more CPU.',
      "in-process store: findById answered on setImmediate (no network): the FailoverStore's own CPU per operation; impliedRatio = what that cost alone allows against the gateway figures above.",
      'bare: grpc-js no-op unary (empty messages), server in its own process; ratioGatewayToBare = raw findById ops/s / bare ops/s.',
    ]
    return {
      title: '1. overhead: healthy clusters, raw driver (a) vs FailoverStore defaults (b) vs FailoverStore hedged (c)',
      rows: [
        ...rows.map((r) => ({ ...r })),
        ...bareRows.map((b) => ({
          op: 'bare no-op gRPC',
          concurrency: b.concurrency,
          rawOpsPerSec: b.bareOpsPerSec,
          rawP50Ms: b.bareP50Ms,
          rawP99Ms: b.bareP99Ms,
          ratioGatewayToBare: b.ratioGatewayToBare,
        })),
        ...isolated.map((r) => ({
          op: 'findById, in-process store',
          concurrency: r.concurrency,
          rawCpuUsPerOp: r.rawCpuUsPerOp,
          failoverCpuUsPerOp: r.failoverCpuUsPerOp,
          hedgedCpuUsPerOp: r.hedgedCpuUsPerOp,
          failoverAddsUsPerOp: r.failoverAddsUsPerOp,
          impliedRatioFailoverToRaw: r.impliedRatioFailoverToRaw,
        })),
      ],
      json: { repetitions: reps, measuredMsPerRun: durationMs, warmupMsPerRun: warmupMs, rows, bare: bareRows, isolated },
      notes,
    }
  } finally {
    void (stores.failover as FailoverStore).close({ graceMs: 0 })
    void (stores.hedged as FailoverStore).close({ graceMs: 0 })
    env.release(connA, connB)
    await noop.close()
  }
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
