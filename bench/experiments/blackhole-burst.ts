/**
 * Collapse at scale: N concurrent findById (default 10 000) started at the moment the primary is
 * black-holed, default FailoverStore options, real gateway processes. Prints how many succeed,
 * how they ended, and latency figures; an operation still running after 60 s counts as a hang.
 * The store first answers `--warm` reads (default 200), as a store in use has: with fewer than
 * 16 answers it has learned no latency and cannot suspect silence (`--warm 2`: the old figure).
 *
 *   npx tsx bench/experiments/blackhole-burst.ts [--ops 10000] [--warm 200]
 */
import { parseArgs } from 'node:util'
import { firstValueFrom, timeout } from 'rxjs'
import { connectFailover } from '../../lib/connect-failover.js'
import { FailoverError } from '../../lib/failover/errors.js'
import { reasonOf } from '../../lib/failover/run.js'
import { GatewayEnv } from '../env.js'
import { latencyFigures } from '../stats.js'
import { messageOf } from '../../lib/ojai/message-of.js'

const { values } = parseArgs({ options: { ops: { type: 'string', default: '10000' }, warm: { type: 'string', default: '200' } } })
const ops = Number(values.ops)
const warm = Number(values.warm)
const HANG_MS = 60_000

const env = await GatewayEnv.start()
try {
  const path = await env.table(Array.from({ length: 100 }, (_, i) => ({ _id: `k${i}`, v: i })))
  const store = connectFailover({
    clusters: [
      { name: 'A', connectionString: env.a.connectionString },
      { name: 'B', connectionString: env.b.connectionString },
    ],
    table: path,
  })
  for (let i = 0; i < warm; i++) await firstValueFrom(store.findById(`k${i % 100}`))
  const outcomes = new Map<string, number>()
  const latencies: number[] = []
  const samples: string[] = []
  await env.a.clientProxy.blackhole()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: ops }, (_, i) =>
      firstValueFrom(store.findById(`k${i % 100}`).pipe(timeout({ first: HANG_MS, with: () => Promise.reject(new Error('HANG')) }))).then(
        () => {
          latencies.push(performance.now() - started)
          outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1)
        },
        (error: unknown) => {
          const key = error instanceof FailoverError ? `FAILOVER(${error.causes.map((c) => reasonOf(c.error)).join('+')})` : reasonOf(error)
          if (!outcomes.has(key)) samples.push(messageOf(error))
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
        },
      ),
    ),
  )
  const s = store.stats()
  const ok = outcomes.get('ok') ?? 0
  console.log(`${ops} findById at the moment of a black hole, default options, after ${warm} reads`)
  console.log(`succeeded ${ok} (${((100 * ok) / ops).toFixed(2)} %); outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`)
  console.log(
    `failovers ${s.failovers}, silences ${s.silences}, reroutes ${s.reroutes}, stalls ${s.stalls} (${Math.round(s.stalledMs)} ms), last answer ${Math.round(performance.now() - started)} ms`,
  )
  console.log('latency of successes (ms):', latencyFigures(latencies))
  for (const m of samples) console.log('  e.g.', m.slice(0, 300))
  await store.close({ graceMs: 0 })
} finally {
  await env.close()
}
