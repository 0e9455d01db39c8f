/**
 * Check-and-mutate: change a document only if it is in the state you expect (optimistic
 * concurrency), plus checkAndReplace and checkAndDelete.
 *
 * Shows: each emits `true` when the condition held and the change was applied, `false` when it
 * did not (or the document is absent): a compare-and-set for seat booking, without locks.
 *
 *   npx tsx examples/check-and-mutate.ts
 */
import { firstValueFrom } from 'rxjs'
import { cond, connect, mutation } from '../lib/index.js'
import { clusters } from './support.js'

const env = await clusters()
const connection = connect(env.primary)
const seats = await firstValueFrom(connection.createStore(env.table('seats')))
await firstValueFrom(seats.insert({ _id: '12A', free: true }))

/** Books a seat for `who` if it is still free. */
const book = (seat: string, who: string) =>
  seats.checkAndMutate(seat, cond.eq('free', true), mutation().set('free', false).set('holder', who))

console.log('Ada books 12A:', await firstValueFrom(book('12A', 'ada')))
console.log('Alan books 12A:', await firstValueFrom(book('12A', 'alan')))
console.log('12A is now:', await firstValueFrom(seats.findById('12A')))

// Give it back only if Ada holds it (condition as JSON this time).
console.log('Ada releases 12A:', await firstValueFrom(seats.checkAndReplace({ _id: '12A', free: true }, { $eq: { holder: 'ada' } })))
console.log('delete 12A if held by alan:', await firstValueFrom(seats.checkAndDelete('12A', cond.eq('holder', 'alan'))))
console.log('delete 12A if free:', await firstValueFrom(seats.checkAndDelete('12A', cond.eq('free', true))))

await connection.close()
await env.close()
