/**
 * An RxJS pipeline over a FailoverStore: `mergeMap` with bounded concurrency, and the primary
 * failing halfway through.
 *
 * Shows: a FailoverStore drops into any pipeline where a DocumentStore did; `mergeMap(fn, 8)`
 * keeps at most 8 operations in flight; when the primary goes dark the operations in flight
 * move on to the secondary after `timeoutMs` and every later one goes straight there, so the
 * pipeline finishes with every item processed and nothing to handle in application code.
 *
 *   npx tsx examples/rxjs-pipeline.ts
 */
import { concatMap, count, defer, lastValueFrom, map, mergeMap, range, tap } from 'rxjs'
import { connect, FailoverStore } from '../lib/index.js'
import { clusters } from './support.js'

const env = await clusters(2)
const path = await env.replicatedTable('profiles')
const c1 = connect(env.primary)
const c2 = connect(env.secondary)
const profiles = new FailoverStore([
  { name: 'cluster1', store: c1.store(path), ping: () => c1.ping() },
  { name: 'cluster2', store: c2.store(path), ping: () => c2.ping() },
])

const ITEMS = 400
let done = 0
const servedBy: Record<string, number> = {}
const started = Date.now()

const processed = await lastValueFrom(
  range(1, ITEMS).pipe(
    // For each event: read the profile, then write it back updated (both idempotent: safe to fail over).
    mergeMap(
      (n) =>
        defer(() => profiles.findById(`p${n % 50}`)).pipe(
          map((doc) => ({ _id: `p${n % 50}`, lastEvent: n, seen: doc === null ? 1 : Number(doc.seen) + 1 })),
          concatMap((doc) => profiles.insertOrReplace(doc)),
          count(),
        ),
      8,
    ),
    tap(() => {
      servedBy[profiles.cluster.name] = (servedBy[profiles.cluster.name] ?? 0) + 1
      if (++done === ITEMS / 2) void env.cutPrimary().then(() => console.log(`after ${done} items: the primary is unreachable`))
    }),
    count(),
  ),
)

console.log(`processed ${processed} of ${ITEMS} items in ${Date.now() - started} ms; completed while active: ${JSON.stringify(servedBy)}`)
console.log(`reroutes: ${profiles.stats().reroutes} operations moved on, ${profiles.stats().failovers} failover(s)`)
if (processed !== ITEMS) process.exitCode = 1

await profiles.close()
await Promise.all([c1.close(), c2.close()])
await env.close()
