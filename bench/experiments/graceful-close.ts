/**
 * close() with N operations in flight (default 1,000) on a slow cluster: two embedded gateways as
 * child processes on real loopback sockets (bench/env.ts), the primary slow (each call waits 50 ms, 500 ms, 2 s or 60 s, a quarter
 * each), a FailoverStore from connectFailover with limits longer than the grace (so nothing fails
 * over: the close is all there is to see). For each grace: how many operations finished, how many
 * were cancelled (ClosedError), any other outcome, and how long close() took against its bound.
 * Then, with every store and connection closed, what is left in this process that could keep
 * Node alive.
 *
 *   npm run build && npx tsx bench/experiments/graceful-close.ts [--ops 1000] [--graces 0,250,1000,3000]
 */
import { parseArgs } from 'node:util'
import { firstValueFrom, type Observable } from 'rxjs'
import type * as Library from '../../lib/index.js'
import { GatewayEnv } from '../env.js'

// The compiled library (`npm run build` first): what the cut-off costs per operation is measured
// on the code users run, not on tsx's source-mapped stack traces.
const { connectFailover, OjaiError } = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof Library

const { values } = parseArgs({
  options: { ops: { type: 'string', default: '1000' }, graces: { type: 'string', default: '0,250,1000,3000' } },
})
const ops = Number(values.ops)
const graces = values.graces.split(',').map(Number)
const SLOW = [50, 500, 2_000, 60_000]

const env = await GatewayEnv.start()
const table = await env.table(Array.from({ length: 100 }, (_, i) => ({ _id: `k${i}`, i })))

interface Row {
  graceMs: number
  inFlight: number
  finished: number
  cancelled: number
  other: Record<string, number>
  /** When the first operation was cut off, ms after close() (the timer's own lateness included). */
  cutOffMs: number | undefined
  closeMs: number
}

async function run(graceMs: number): Promise<Row> {
  await env.clearFaults(env.a)
  const store = connectFailover({
    clusters: [env.a.directConnectionString, env.b.directConnectionString],
    table,
    timeoutMs: 120_000,
    secondaryTimeoutMs: 120_000,
  })
  await firstValueFrom(store.findById('k0'))
  // A quarter of the calls each: 50 ms, 500 ms, 2 s, 60 s (reads, finds and writes alike).
  await env.setFault(env.a, '*', { type: 'latency', distribution: SLOW.map((ms) => ({ p: 1 / SLOW.length, ms })) })
  let finished = 0
  let cancelled = 0
  let cutOffAt: number | undefined
  const other: Record<string, number> = {}
  const track = (op: Observable<unknown>) =>
    op.subscribe({
      error: (error: unknown) => {
        const reason = error instanceof OjaiError ? error.code : String(error)
        if (reason === 'CLOSED') {
          cancelled++
          cutOffAt ??= performance.now()
        } else other[reason] = (other[reason] ?? 0) + 1
      },
      complete: () => finished++,
    })
  for (let i = 0; i < ops; i++) {
    if (i % 10 === 0) track(store.find({ $limit: 10 }))
    else if (i % 10 < 3) track(store.insertOrReplace({ _id: `w${i}`, i }))
    else track(store.findById(`k${i % 100}`))
  }
  // Let the calls reach the gateway before closing.
  await new Promise((resolve) => setTimeout(resolve, 20))
  const inFlight = store.stats().inFlight
  const closedAt = performance.now()
  await store.close({ graceMs })
  const closeMs = performance.now() - closedAt
  return { graceMs, inFlight, finished, cancelled, other, cutOffMs: cutOffAt === undefined ? undefined : cutOffAt - closedAt, closeMs }
}

console.log(
  `close() with ${ops} operations in flight (70 % findById, 20 % insertOrReplace, 10 % find), primary latency ${SLOW.join(' / ')} ms (a quarter each)`,
)
console.log('grace ms | in flight | finished | cancelled | other | cut-off began ms | close() resolved ms | over the bound ms')
for (const graceMs of graces) {
  const r = await run(graceMs)
  const other =
    Object.entries(r.other)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '0'
  const cutOff = r.cutOffMs === undefined ? '-' : r.cutOffMs.toFixed(1)
  console.log(
    `${String(r.graceMs).padStart(8)} | ${String(r.inFlight).padStart(9)} | ${String(r.finished).padStart(8)} | ${String(r.cancelled).padStart(9)} | ${other.padStart(5)} | ${cutOff.padStart(16)} | ${r.closeMs.toFixed(1).padStart(19)} | ${(r.closeMs - r.graceMs).toFixed(1).padStart(17)}`,
  )
}
await env.close()
// What could keep Node alive now (stdout/stderr aside), once the gateway processes' pipes closed.
await new Promise((resolve) => setTimeout(resolve, 500))
const left = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap')
console.log(`left in this process after every store, connection and gateway closed: ${left.length === 0 ? 'nothing' : left.join(', ')}`)
