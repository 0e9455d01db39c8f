/**
 * Read your own write across a failover.
 *
 * Shows: a write acknowledged by the primary, then the primary's network fails; the next read
 * times out on the primary (500 ms) and is answered by the secondary. Replication between
 * clusters is asynchronous, so the secondary may briefly lag behind your last write: ask for a
 * version at least as new as yours (a `condition` on findById answers `null` when the replica
 * has an older one) and retry shortly until it has caught up. That is "asymptotic consistency":
 * a short window of staleness, closed by replication with no action from anyone.
 *
 *   npx tsx examples/read-your-own-write.ts
 */
import { defer, firstValueFrom, map, retry } from 'rxjs'
import { cond, connect, FailoverStore, type Document } from '../lib/index.js'
import { clusters } from './support.js'

const env = await clusters(2)
const path = await env.replicatedTable('carts')
const c1 = connect(env.primary)
const c2 = connect(env.secondary)
const carts = new FailoverStore([
  { name: 'cluster1', store: c1.store(path), ping: () => c1.ping() },
  { name: 'cluster2', store: c2.store(path), ping: () => c2.ping() },
])

/** The cart, once the cluster answering has at least `version` of it. */
function readAtLeast(id: string, version: number): Promise<Document> {
  return firstValueFrom(
    defer(() => carts.findById(id, { condition: cond.ge('version', version) })).pipe(
      map((doc) => {
        if (doc === null) throw new Error(`the replica does not have version ${version} yet`)
        return doc
      }),
      retry({ count: 50, delay: 20 }), // up to ~1 s of replication lag
    ),
  )
}

await firstValueFrom(carts.insertOrReplace({ _id: 'cart-42', items: ['book'], version: 1 }))
console.log(`wrote version 1 on ${carts.cluster.name}`)

await env.cutPrimary()
console.log('the primary is unreachable now (every byte dropped)')

const started = Date.now()
const cart = await readAtLeast('cart-42', 1)
console.log(
  `read back version ${String(cart.version)} with items ${JSON.stringify(cart.items)} from ${carts.cluster.name} after ${Date.now() - started} ms`,
)

// Writes go on, to the cluster now active; the primary catches up by replication once healed.
await firstValueFrom(carts.insertOrReplace({ _id: 'cart-42', items: ['book', 'pen'], version: 2 }))
console.log(`read your own write: version ${String((await readAtLeast('cart-42', 2)).version)} on ${carts.cluster.name}`)

await carts.close()
await Promise.all([c1.close(), c2.close()])
await env.close()
