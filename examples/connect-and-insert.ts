/**
 * Connect to a gateway, create a table and insert documents.
 *
 * Shows: `connect()` returns at once and sends nothing until the first operation; every
 * operation is a cold Observable (nothing happens until subscribed; `firstValueFrom` /
 * `lastValueFrom` turn one into a Promise); insert many documents with bounded concurrency.
 *
 *   npx tsx examples/connect-and-insert.ts
 */
import { firstValueFrom, from, lastValueFrom, mergeMap, toArray } from 'rxjs'
import { connect, ODate } from '../lib/index.js'
import { clusters } from './support.js'

const env = await clusters() // an embedded gateway, or OJAI_PRIMARY
const connection = connect(env.primary) // e.g. 'gw1:5678?auth=basic;user=mapr;password=…;sslCA=/etc/ca.pem'

const users = await firstValueFrom(connection.createStore(env.table('users')))

// One document: resolves when the gateway has stored it.
await firstValueFrom(users.insert({ _id: 'u1', name: 'Ada Lovelace', born: ODate.parse('1815-12-10'), tags: ['math'] }))

// Many documents, at most 4 in flight.
const more = [
  { _id: 'u2', name: 'Alan Turing', age: 41 },
  { _id: 'u3', name: 'Grace Hopper', age: 85 },
  { _id: 'u4', name: 'Edsger Dijkstra', age: 72 },
]
await lastValueFrom(from(more).pipe(mergeMap((doc) => users.insertOrReplace(doc), 4)), { defaultValue: undefined })

const stored = await firstValueFrom(users.find().pipe(toArray()))
console.log(`inserted ${stored.length} documents into ${users.path}: ${stored.map((d) => d._id).join(', ')}`)

await connection.close()
await env.close()
