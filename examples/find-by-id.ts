/**
 * Find a document by its `_id`: whole, projected to some fields, or only if it matches a condition.
 *
 * Shows: `findById` emits the document, or `null` when there is none (not an error);
 * `fields` projects; `condition` returns the document only when it satisfies the condition.
 *
 *   npx tsx examples/find-by-id.ts
 */
import { firstValueFrom, from, lastValueFrom, mergeMap } from 'rxjs'
import { cond, connect } from '../lib/index.js'
import { clusters, SAMPLE_USERS } from './support.js'

const env = await clusters()
const connection = connect(env.primary)
const users = await firstValueFrom(connection.createStore(env.table('users')))
await lastValueFrom(from(SAMPLE_USERS).pipe(mergeMap((u) => users.insertOrReplace(u))), { defaultValue: undefined })

const ada = await firstValueFrom(users.findById('u1'))
console.log('whole document:', ada)

const nameOnly = await firstValueFrom(users.findById('u1', { fields: ['name', 'tags[0]'] }))
console.log('fields name, tags[0]:', nameOnly)

const missing = await firstValueFrom(users.findById('nobody'))
console.log('missing id:', missing)

const ifOlder = await firstValueFrom(users.findById('u1', { condition: cond.gt('age', 40) }))
console.log('u1 only if age > 40:', ifOlder)

await connection.close()
await env.close()
