/**
 * Update documents with mutations, increment a counter, replace and delete documents.
 *
 * Shows: the `mutation()` builder ($set, $increment, $append, $delete…), the same mutation as
 * OJAI JSON, `increment`, `replace` (fails when the document is absent) and `delete` (succeeds
 * when it is absent: deleting twice is safe).
 *
 *   npx tsx examples/update-mutations.ts
 */
import { firstValueFrom } from 'rxjs'
import { connect, DocumentNotFoundError, mutation } from '../lib/index.js'
import { clusters } from './support.js'

const env = await clusters()
const connection = connect(env.primary)
const users = await firstValueFrom(connection.createStore(env.table('users')))

await firstValueFrom(users.insert({ _id: 'u1', name: 'Ada', visits: 0, tags: ['math'], temp: true }))

// Several changes applied atomically to one document.
await firstValueFrom(
  users.update(
    'u1',
    mutation().set('name', 'Ada Lovelace').set('address.city', 'London').increment('visits').append('tags', ['poetry']).delete('temp'),
  ),
)
console.log('after update:', await firstValueFrom(users.findById('u1')))

// The same kind of mutation as OJAI JSON.
await firstValueFrom(users.update('u1', { $increment: { visits: 2 }, $put: { 'address.zip': 'W1' } }))
await firstValueFrom(users.increment('u1', 'visits', 10))
console.log('visits now:', (await firstValueFrom(users.findById('u1', { fields: ['visits'] })))?.visits)

await firstValueFrom(users.replace({ _id: 'u1', name: 'Ada Lovelace', visits: 0 }))
console.log('after replace:', await firstValueFrom(users.findById('u1')))

try {
  await firstValueFrom(users.replace({ _id: 'nobody', name: '?' }))
} catch (error) {
  console.log('replace of a missing document:', error instanceof DocumentNotFoundError ? error.code : error)
}

await firstValueFrom(users.delete('u1'))
await firstValueFrom(users.delete('u1')) // already gone: still fine
console.log('after delete:', await firstValueFrom(users.findById('u1')))

await connection.close()
await env.close()
