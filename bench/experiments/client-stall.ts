/**
 * The client's own stall, against real gateway processes: 50 operations in flight, then this
 * process's event loop blocked for `stallMs` (as a GC pause or a CPU-bound handler would), with
 * `timeoutMs` shorter than the stall. Prints, per case, timeouts, failovers, reroutes and caller
 * errors, and for the black-hole case the time of the first success after the stall began.
 *
 *   npx tsx bench/experiments/client-stall.ts [--stall 250] [--timeout 100] [--ops 50]
 *
 * Figures only; nothing here passes or fails.
 */
import { parseArgs } from 'node:util'
import { firstValueFrom, type Observable } from 'rxjs'
import { connectFailover } from '../../lib/connect-failover.js'
import type { FailoverStore } from '../../lib/failover/failover-store.js'
import { reasonOf } from '../../lib/failover/run.js'
import { GatewayEnv } from '../env.js'

const { values } = parseArgs({
  options: {
    stall: { type: 'string', default: '250' },
    timeout: { type: 'string', default: '100' },
    ops: { type: 'string', default: '50' },
  },
})
const stallMs = Number(values.stall)
const timeoutMs = Number(values.timeout)
const ops = Number(values.ops)

function block(ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) {
    // the client's own CPU-bound work
  }
}

interface CaseResult {
  readonly name: string
  readonly timeouts: number
  readonly failovers: number
  readonly silences: number
  readonly reroutes: number
  readonly callerErrors: number
  readonly stalls: number
  readonly errors: string
  readonly firstSuccessMs?: number
}

async function runCase(
  env: GatewayEnv,
  path: string,
  name: string,
  kind: 'read' | 'increment',
  setup: () => Promise<void>,
): Promise<CaseResult> {
  const store: FailoverStore = connectFailover({
    clusters: [
      { name: 'A', connectionString: env.a.connectionString },
      { name: 'B', connectionString: env.b.connectionString },
    ],
    table: path,
    timeoutMs,
  })
  let timeouts = 0
  store.events$.subscribe((e) => e.type === 'timeout' && timeouts++)
  try {
    // Warm the connection and let the store learn the primary's latency (silence needs 16
    // answers), so a false suspicion after the stall would show here too.
    for (let i = 0; i < 50; i++) await firstValueFrom(store.findById(`k${i % 10}`))
    await setup()
    const started = performance.now()
    let firstSuccess: number | undefined
    const errors = new Map<string, number>()
    const results = Array.from({ length: ops }, (_, i) => {
      const op = kind === 'read' ? store.findById(`k${i % 10}`) : store.increment(`c${i % 10}`, 'n', 1)
      return firstValueFrom(op as Observable<unknown>, { defaultValue: undefined }).then(
        () => {
          firstSuccess ??= performance.now() - started
          return true
        },
        (error: unknown) => {
          errors.set(reasonOf(error), (errors.get(reasonOf(error)) ?? 0) + 1)
          return false
        },
      )
    })
    block(stallMs)
    const ok = await Promise.all(results)
    const s = store.stats()
    return {
      name,
      timeouts,
      failovers: s.failovers,
      silences: s.silences,
      reroutes: s.reroutes,
      callerErrors: ok.filter((x) => !x).length,
      stalls: s.stalls,
      errors: [...errors].map(([code, n]) => `${code} x${n}`).join(', '),
      ...(firstSuccess !== undefined ? { firstSuccessMs: Math.round(firstSuccess) } : {}),
    }
  } finally {
    await store.close({ graceMs: 0 })
    await env.heal()
  }
}

const env = await GatewayEnv.start()
try {
  const path = await env.table([
    ...Array.from({ length: 10 }, (_, i) => ({ _id: `k${i}`, v: i })),
    ...Array.from({ length: 10 }, (_, i) => ({ _id: `c${i}`, n: 0 })),
  ])
  const rows: CaseResult[] = []
  for (const kind of ['read', 'increment'] as const) {
    rows.push(await runCase(env, path, `${kind}, both healthy`, kind, async () => {}))
    rows.push(await runCase(env, path, `${kind}, secondary down`, kind, () => env.b.kill()))
  }
  rows.push(await runCase(env, path, 'read, primary black-holed during the stall', 'read', () => env.a.clientProxy.blackhole()))
  console.log(
    `client stall ${stallMs} ms, timeoutMs ${timeoutMs}, ${ops} operations in flight (bound for the black-hole case: ${stallMs + timeoutMs + 20} ms)`,
  )
  console.table(rows)
} finally {
  await env.close()
}
