/**
 * Section 5, startup with the primary down: A refuses connections, or is black-holed, before the
 * client exists. Each client is created cold (no warm-up call) and issues findById calls one after
 * another; we time the first success (and the fifth) from the client's creation. The 2017
 * prototype took "many seconds" here (table opens serialised behind the unreachable primary).
 */
import { performance } from 'node:perf_hooks'
import type { Subscription } from 'rxjs'
import type { BenchContext, SectionOutput } from '../context.js'
import type { GatewayEnv } from '../env.js'
import { applyFault } from '../fault-run.js'
import { BASELINES, makeClient, type Baseline, type ClientUnderTest } from './baselines.js'

const STARTUP_FAULTS = ['refuse', 'blackhole'] as const
const SUCCESSES = 5

export interface StartupRow {
  readonly primaryDown: (typeof STARTUP_FAULTS)[number]
  readonly client: string
  /** ms from creating the client to its first successful findById; null = none within the bound. */
  readonly firstSuccessMs: number | null
  readonly fifthSuccessMs: number | null
  /** Failed calls before the first success (or before the bound). */
  readonly errorsBefore: number
  readonly boundMs: number
}

export interface StartupJson {
  readonly boundMs: number
  readonly rows: readonly StartupRow[]
}

/** Sequential calls until SUCCESSES answers or the bound; one call at a time, as a starting service would. */
function sequential(c: ClientUnderTest, boundMs: number): Promise<{ times: number[]; errors: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now()
    const times: number[] = []
    let errors = 0
    let sub: Subscription | undefined
    let finished = false
    const finish = () => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      sub?.unsubscribe()
      resolve({ times, errors })
    }
    const timer = setTimeout(finish, boundMs)
    let i = 0
    const next = () => {
      if (finished) return
      if (times.length >= SUCCESSES) return finish()
      sub = c.op(i++).subscribe({
        error: () => {
          errors++
          setImmediate(next)
        },
        complete: () => {
          times.push(performance.now() - t0)
          setImmediate(next)
        },
      })
    }
    next()
  })
}

export async function runStartup(ctx: BenchContext, env: GatewayEnv, path: string): Promise<SectionOutput<StartupJson>> {
  const boundMs = ctx.quick ? 4000 : 10_000
  const variants: { label: string; client: Baseline; timeoutMs: number | undefined }[] = [
    ...BASELINES.map((client) => ({
      label: client === 'ours (FailoverStore)' ? 'ours, timeoutMs 100' : client,
      client,
      timeoutMs: 100 as number | undefined,
    })),
    { label: 'ours, defaults (timeoutMs 500)', client: 'ours (FailoverStore)', timeoutMs: undefined },
  ]
  const rows: StartupRow[] = []
  for (const primaryDown of STARTUP_FAULTS) {
    for (const v of variants) {
      await env.heal()
      await applyFault(env.a, primaryDown)
      const c = await makeClient(env, path, v.client, v.timeoutMs, false)
      try {
        const { times, errors } = await sequential(c, boundMs)
        rows.push({
          primaryDown,
          client: v.label,
          firstSuccessMs: times[0] ?? null,
          fifthSuccessMs: times[SUCCESSES - 1] ?? null,
          errorsBefore: errors,
          boundMs,
        })
      } finally {
        c.dispose()
      }
      ctx.log(`startup: ${v.label} with primary ${primaryDown} done`)
    }
  }
  await env.heal()
  const notes = [
    `each client created cold with A already down; findById one at a time; bound ${boundMs} ms ("-" = no success within it).`,
    'official-client defaults know only A: with A refusing they retry for 67 s and then fail; black-holed, the first call never returns (no deadline).',
  ]
  return {
    title: '5. startup with the primary down: time to first success',
    rows: rows.map((r) => ({ ...r })),
    json: { boundMs, rows },
    notes,
  }
}
