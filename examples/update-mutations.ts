/**
 * Update documents with mutations, increment a counter, replace and delete documents.
 *
 * Shows: the `mutation()` builder ($set, $increment, $append, $delete…), the same mutation as
 * OJAI JSON, `increment`, `replace` (fails when the document is absent) and `delete` (succeeds
 * when it is absent: deleting twice is safe).
 *
 *   npx tsx examples/update-mutations.ts
 */
import { firstValueFrom, lastValueFrom } from 'rxjs'
import { connect, DocumentNotFoundError, mutation } from '../lib/index.js'
import { clusters } from './support.js'

const env = await clusters()
const connection = connect(env.primary)
const users = await firstValueFrom(connection.createStore(env.table('users')))
const done = { defaultValue: undefined }

await lastValueFrom(users.insert({ _id: 'u1', name: 'Ada', visits: 0, tags: ['math'], temp: true }), done)

// Several changes applied atomically to one document.
await lastValueFrom(users.update('u1', mutation().set('name', 'Ada Lovelace').set('address.city', 'London').increment('visits').append('tags', ['poetry']).delete('temp')), done)
console.log('after update:', await firstValueFrom(users.findById('u1')))

// The same kind of mutation as OJAI JSON.
await lastValueFrom(users.update('u1', { $increment: { visits: 2 }, $put: { 'address.zip': 'W1' } }), done)
await lastValueFrom(users.increment('u1', 'visits', 10), done)
console.log('visits now:', (await firstValueFrom(users.findById('u1', { fields: ['visits'] })))?.visits)

await lastValueFrom(users.replace({ _id: 'u1', name: 'Ada Lovelace', visits: 0 }), done)
console.log('after replace:', await firstValueFrom(users.findById('u1')))

try {
  await lastValueFrom(users.replace({ _id: 'nobody', name: '?' }), done)
} catch (error) {
  console.log('replace of a missing document:', error instanceof DocumentNotFoundError ? error.code : error)
}

await lastValueFrom(users.delete('u1'), done)
await lastValueFrom(users.delete('u1'), done) // already gone: still fine
console.log('after delete:', await firstValueFrom(users.findById('u1')))

connection.close()
await env.close()
