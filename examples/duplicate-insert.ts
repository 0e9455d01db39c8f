/**
 * A duplicate insert through a FailoverStore fails with "document exists", and does NOT fail over.
 *
 * Shows: `connectFailover` (a FailoverStore from connection strings, primary first); semantic errors (document
 * exists, not found, access denied…) are answers, passed straight to the caller: no retry on the
 * other cluster, no switch. Only availability problems (timeouts, refused connections…) fail over.
 * (The 2017 prototype failed over on these too; a second insert could then land on the replica.)
 *
 *   npx tsx examples/duplicate-insert.ts
 */
import { firstValueFrom } from 'rxjs'
import { connectFailover, DocumentExistsError, type FailoverStoreEvent } from '../lib/index.js'
import { clusters } from './support.js'

const env = await clusters(2)
const path = await env.replicatedTable('users')
const users = connectFailover({
  clusters: [
    { name: 'cluster1', connectionString: env.primary },
    { name: 'cluster2', connectionString: env.secondary },
  ],
  table: path,
})
const events: FailoverStoreEvent[] = []
// Failovers and reroutes only: a loaded machine may also report stalls of this process.
users.events$.subscribe((e) => (e.type === 'failover' || e.type === 'rerouted') && events.push(e))

await firstValueFrom(users.insert({ _id: 'u1', name: 'Ada' }))
console.log('first insert: ok')
try {
  await firstValueFrom(users.insert({ _id: 'u1', name: 'Ada again' }))
  console.log('second insert: ok?! (should not happen)')
  process.exitCode = 1
} catch (error) {
  if (!(error instanceof DocumentExistsError)) throw error
  console.log(`second insert: ${error.code} (${error.message})`)
}
console.log(`active cluster: ${users.cluster.name}; failover events: ${events.length}`)
if (users.cluster.name !== 'cluster1' || events.length > 0) process.exitCode = 1

await users.close() // also closes the connections connectFailover opened
await env.close()
