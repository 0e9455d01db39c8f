/**
 * Section 3, side-by-side baselines: the same open-loop findById workload and the same fault on
 * A, through (i) the official client's defaults, (ii) cockatiel timeout + fallback, (iii) ours
 * (FailoverStore, timeoutMs = the cockatiel timeout), in one table. See ../baselines.ts.
 */
import type { Observable } from 'rxjs'
import type { BenchContext, SectionOutput } from '../context.js'
import type { GatewayEnv } from '../env.js'
import { analyse, faultRun, type FaultFigures, type FaultKind } from '../fault-run.js'
import { cockatielFindById, cockatielTimeout, NO_DEADLINE, officialClientFindById } from '../baselines.js'
import { AnswerTags, tagged } from '../tagged-store.js'
import { KEYS, oursOverProxies, warmUp } from './failover.js'

export const BASELINES = ['official-client defaults', 'cockatiel timeout+fallback', 'ours (FailoverStore)'] as const
export type Baseline = (typeof BASELINES)[number]

export interface BaselineRow extends FaultFigures {
  readonly client: Baseline
  readonly fault: FaultKind
  readonly timeoutMs: number
}

export interface BaselinesJson {
  readonly ratePerSec: number
  readonly healthyMs: number
  readonly afterFaultMs: number
  readonly drainMs: number
  readonly rows: readonly BaselineRow[]
}

export interface ClientUnderTest {
  readonly op: (i: number) => Observable<unknown>
  readonly tagOf: (value: unknown) => string | undefined
  dispose(): void
}

/** Builds one of the three clients over fresh proxied connections. */
export async function makeClient(
  env: GatewayEnv,
  path: string,
  client: Baseline,
  timeoutMs: number | undefined,
  warm = true,
): Promise<ClientUnderTest> {
  if (client === 'ours (FailoverStore)') {
    const ours = await oursOverProxies(env, path, timeoutMs === undefined ? {} : { timeoutMs }, warm)
    return { op: (i) => ours.store.findById(`k${i % KEYS}`), tagOf: ours.tags.of, dispose: ours.dispose }
  }
  const tags = new AnswerTags()
  if (client === 'official-client defaults') {
    const conn = env.proxied(env.a, NO_DEADLINE)
    if (warm) await warmUp(conn, path)
    const store = tagged(conn.store(path), 'A', tags)
    return { op: (i) => officialClientFindById(store, `k${i % KEYS}`), tagOf: tags.of, dispose: () => env.release(conn) }
  }
  const connA = env.proxied(env.a)
  const connB = env.proxied(env.b)
  if (warm) await Promise.all([warmUp(connA, path), warmUp(connB, path)])
  const a = tagged(connA.store(path), 'A', tags)
  const b = tagged(connB.store(path), 'B', tags)
  const policy = cockatielTimeout(timeoutMs ?? 100)
  return { op: (i) => cockatielFindById(a, b, policy, `k${i % KEYS}`), tagOf: tags.of, dispose: () => env.release(connA, connB) }
}

export async function runBaselines(ctx: BenchContext, env: GatewayEnv, path: string): Promise<SectionOutput<BaselinesJson>> {
  const rate = ctx.quick ? 300 : 400
  const healthyMs = ctx.quick ? 800 : 1500
  const afterMs = ctx.quick ? 1500 : 3000
  const drainMs = ctx.quick ? 1500 : 3000
  const timeoutMs = 100
  const faults: FaultKind[] = ctx.quick ? ['blackhole', 'refuse'] : ['blackhole', 'refuse', 'SIGKILL']
  const rows: BaselineRow[] = []
  for (const fault of faults) {
    for (const client of BASELINES) {
      await env.heal()
      const c = await makeClient(env, path, client, timeoutMs)
      try {
        const run = await faultRun({ env, op: c.op, tagOf: c.tagOf, fault, rate, healthyMs, afterMs, drainMs })
        rows.push({ client, fault, timeoutMs, ...analyse(run) })
      } finally {
        c.dispose()
      }
      ctx.log(`baselines: ${client} under ${fault} done`)
    }
  }
  await env.heal()
  const notes = [
    `same workload (open-loop findById at ${rate}/s) and fault for each client; timeout ${timeoutMs} ms for cockatiel and ours; the run ends ${afterMs} ms after the fault,`,
    `then waits at most ${drainMs} ms: "unfinished" operations were still waiting then (the official client has no deadline) and were cancelled; their latency counts up to that point (a lower bound).`,
    'official-client defaults retry UNAVAILABLE after 1, 2, 4, 8, 16, 18, 18 s (67 s in all) on the one cluster it knows; it has no secondary.',
  ]
  return {
    title: '3. baselines: same workload, same fault, one table',
    rows: rows.map((r) => ({ ...r })),
    json: { ratePerSec: rate, healthyMs, afterFaultMs: afterMs, drainMs, rows },
    notes,
  }
}
