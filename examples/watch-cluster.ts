/**
 * Watching `cluster$` and `events$`: which cluster serves, and why it changed.
 *
 * Shows: `cluster$` replays the active cluster on subscribe and emits on every failover and
 * failback (with the cause and the hold); `events$` reports timeouts, failovers, probes and
 * failbacks as they happen. Holds and probes are shortened here (defaults: 20 s hold, 1 s first
 * probe delay) so the failback happens within a few seconds.
 *
 *   npx tsx examples/watch-cluster.ts
 */
import { filter, firstValueFrom, timeout } from 'rxjs'
import { connect, FailoverStore } from '../lib/index.js'
import { clusters } from './support.js'

const env = await clusters(2)
const path = await env.replicatedTable('users')
const c1 = connect(env.primary)
const c2 = connect(env.secondary)
const users = new FailoverStore(
  [
    { name: 'cluster1', store: c1.store(path), ping: () => c1.ping() },
    { name: 'cluster2', store: c2.store(path), ping: () => c2.ping() },
  ],
  { timeoutMs: 300, hold: { holdsMs: [1000] }, probe: { backoff: { initialMs: 200, maxMs: 500 } } },
)
const t0 = Date.now()
const at = () => `${String(Date.now() - t0).padStart(5)} ms`

users.cluster$.subscribe((s) => {
  const why = s.reason === 'failover' ? ` (cause ${s.cause}; primary not probed for ${(s.holdUntil ?? s.since) - s.since} ms)` : ''
  console.log(`${at()}  cluster$: ${s.name} [${s.reason}]${why}`)
})
users.events$.subscribe((e) => {
  const detail = 'to' in e ? ` -> ${e.to}` : 'reason' in e ? ` (${e.reason})` : ''
  console.log(`${at()}  events$:  ${e.type} ${e.operation} on ${e.cluster}${detail}`)
})

await firstValueFrom(users.insertOrReplace({ _id: 'u1', name: 'Ada' }))
await env.cutPrimary()
console.log(`${at()}  -- primary cut`)
await firstValueFrom(users.findById('u1')) // times out on cluster1, answered by cluster2

await new Promise((resolve) => setTimeout(resolve, 1800)) // long enough for a failed probe or two
await env.healPrimary()
console.log(`${at()}  -- primary healed; waiting for the failback`)
await firstValueFrom(
  users.cluster$.pipe(
    filter((s) => s.reason === 'failback'),
    timeout(10_000),
  ),
)

await users.close() // completes cluster$ and events$
await Promise.all([c1.close(), c2.close()])
await env.close()
