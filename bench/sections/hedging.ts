/**
 * Section 4, hedged tail: gateway A delays 1 % of its FindById calls by 1 s (a gateway latency
 * distribution fault); open-loop findById through a FailoverStore without hedging, with a fixed
 * hedge delay and with a percentile-based delay. The hedge goes to B (healthy). All three use
 * `timeoutMs` 2 000 so a 1 s call is slow, not a failover: only hedging differs.
 *
 * Reference: Dean & Barroso, "The Tail at Scale" (CACM 2013): hedged BigTable reads cut p99.9
 * from 1,800 ms to 74 ms for 2 % extra requests.
 */
import { FailoverStore, type HedgeOptions } from '../../lib/failover/index.js'
import type { BenchContext, SectionOutput } from '../context.js'
import type { GatewayEnv } from '../env.js'
import { openLoop } from '../load.js'
import { latencyFigures } from '../stats.js'
import { cdfSvg } from '../svg.js'
import { AnswerTags, tagged } from '../tagged-store.js'
import { KEYS, warmUp } from './failover.js'

export const SLOW = { p: 0.01, ms: 1000 } as const
export const FIXED_HEDGE_MS = 10
export const HEDGE_PERCENTILE = 99

export interface HedgingRow {
  readonly hedging: string
  readonly ops: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly p999Ms: number
  readonly maxMs: number
  /** Hedged requests sent / operations. */
  readonly extraRequestsShare: number
  readonly hedgeWins: number
  readonly hedgesDeniedByBudget: number
  /** p99.9 without hedging / p99.9 with this hedging. */
  readonly p999Ratio: number
  readonly callerErrors: number
  readonly unfinished: number
}

export interface HedgingJson {
  readonly slowShare: number
  readonly slowMs: number
  readonly ratePerSec: number
  readonly opsPerVariant: number
  readonly rows: readonly HedgingRow[]
  readonly cdfSvg: string
}

const VARIANTS: readonly { label: string; hedge: HedgeOptions | false }[] = [
  { label: 'none', hedge: false },
  { label: `fixed ${FIXED_HEDGE_MS} ms`, hedge: { delayMs: FIXED_HEDGE_MS } },
  { label: `p${HEDGE_PERCENTILE} of A's latency`, hedge: { delayMs: { percentile: HEDGE_PERCENTILE } } },
]

export async function runHedging(ctx: BenchContext, env: GatewayEnv): Promise<SectionOutput<HedgingJson>> {
  const rate = ctx.quick ? 400 : 500
  const durationMs = ctx.quick ? 6000 : 30_000
  const path = await env.table(Array.from({ length: KEYS }, (_, i) => ({ _id: `k${i}`, v: i })))
  const rows: HedgingRow[] = []
  const series: { label: string; latenciesMs: number[] }[] = []
  try {
    await env.setFault(env.a, 'FindById', { type: 'latency', distribution: [SLOW] })
    for (const variant of VARIANTS) {
      const tags = new AnswerTags()
      const connA = env.direct(env.a)
      const connB = env.direct(env.b)
      await Promise.all([warmUp(connA, path), warmUp(connB, path)])
      const store = new FailoverStore(
        [
          { name: 'A', store: tagged(connA.store(path), 'A', tags), ping: () => connA.ping() },
          { name: 'B', store: tagged(connB.store(path), 'B', tags), ping: () => connB.ping() },
        ],
        { timeoutMs: 2000, hedge: variant.hedge },
      )
      try {
        const run = openLoop((i) => store.findById(`k${i % KEYS}`), { rate, durationMs, drainMs: 5000, tagOf: tags.of })
        const { unfinished } = await run.done
        const ok = run.records.filter((r) => r.ok)
        const latencies = ok.map((r) => r.end - r.start)
        const f = latencyFigures(latencies)
        const s = store.stats()
        series.push({ label: `hedging: ${variant.label}`, latenciesMs: latencies })
        rows.push({
          hedging: variant.label,
          ops: run.records.length,
          p50Ms: f.p50Ms,
          p99Ms: f.p99Ms,
          p999Ms: f.p999Ms,
          maxMs: f.maxMs,
          extraRequestsShare: s.hedges / run.records.length,
          hedgeWins: s.hedgeWins,
          hedgesDeniedByBudget: s.hedgesDeniedByBudget,
          p999Ratio: Number.NaN,
          callerErrors: run.records.filter((r) => !r.ok && !Number.isNaN(r.end)).length,
          unfinished,
        })
      } finally {
        void store.close({ graceMs: 0 })
        env.release(connA, connB)
      }
      ctx.log(`hedging: ${variant.label} done`)
    }
  } finally {
    await env.clearFaults(env.a)
  }
  const base = rows[0]?.p999Ms ?? Number.NaN
  const withRatio = rows.map((r) => ({ ...r, p999Ratio: base / r.p999Ms }))
  const notes = [
    `A delays ${SLOW.p * 100} % of FindById calls by ${SLOW.ms} ms; open-loop findById at ${rate}/s for ${durationMs / 1000} s per variant; timeoutMs 2000 (no failover); hedge budget default (5 %, burst 10).`,
    'reference: "The Tail at Scale" (2013): BigTable p99.9 1,800 ms -> 74 ms (24x) for 2 % extra requests.',
    ...withRatio.slice(1).map((r) => {
      const met = r.p999Ratio >= 20 && r.extraRequestsShare <= 0.03
      return `target p99.9 >= 20x lower with <= 3 % extra, ${r.hedging}: ${r.p999Ratio.toFixed(1)}x with ${(r.extraRequestsShare * 100).toFixed(2)} % extra ${met ? 'met' : 'MISSED'}`
    }),
  ]
  const svg = cdfSvg(`findById latency CDF, A slow on ${SLOW.p * 100} % of calls (${SLOW.ms} ms)`, series)
  return {
    title: "4. hedged tail: 1 % of A's calls take 1 s",
    rows: withRatio,
    json: {
      slowShare: SLOW.p,
      slowMs: SLOW.ms,
      ratePerSec: rate,
      opsPerVariant: Math.round((rate * durationMs) / 1000),
      rows: withRatio,
      cdfSvg: 'hedging-cdf.svg',
    },
    pictures: [{ file: 'hedging-cdf.svg', svg }],
    notes,
  }
}
