/**
 * Find every document of a table, as a stream.
 *
 * Shows: `find()` emits one document at a time, in `_id` order, as the gateway streams them
 * (memory stays flat however big the table); handle each as it comes, collect them with
 * `toArray()`, fold them with `scan` / `reduce`, or pull them with `for await`.
 *
 *   npx tsx examples/find-all.ts
 */
import { firstValueFrom, from, lastValueFrom, mergeMap, scan, tap, toArray } from 'rxjs'
import { connect, toAsyncIterable } from '../lib/index.js'
import { clusters, SAMPLE_USERS } from './support.js'

const env = await clusters()
const connection = connect(env.primary)
const users = await firstValueFrom(connection.createStore(env.table('users')))
await lastValueFrom(from(SAMPLE_USERS).pipe(mergeMap((u) => users.insertOrReplace(u))), { defaultValue: undefined })

// Streaming: each document as it arrives.
await lastValueFrom(users.find().pipe(tap((doc) => console.log(`  ${String(doc._id)}  ${String(doc.name)}`))), { defaultValue: undefined })

// Or all at once, or folded as they come.
const all = await firstValueFrom(users.find().pipe(toArray()))
const totalAge = await lastValueFrom(users.find().pipe(scan((sum, doc) => sum + Number(doc.age), 0)))
console.log(`found all ${all.length} documents; average age ${(totalAge / all.length).toFixed(1)}`)

// Or pulled with for-await; leaving the loop early cancels the stream on the gateway.
for await (const doc of toAsyncIterable(users.find())) {
  console.log(`first by _id: ${String(doc._id)}`)
  break
}

await connection.close()
await env.close()
