/**
 * Queries: select, condition (built or as JSON), select + condition, order by, limit and offset.
 *
 * Shows: the `query()` builder and the `cond` condition builder, which validate as you build
 * them; the same query written as OJAI JSON; and `find` taking either.
 *
 *   npx tsx examples/find-queries.ts
 */
import { firstValueFrom, from, lastValueFrom, mergeMap, toArray } from 'rxjs'
import { cond, connect, query, type QueryInput } from '../lib/index.js'
import { clusters, SAMPLE_USERS } from './support.js'

const env = await clusters()
const connection = connect(env.primary)
const users = await firstValueFrom(connection.createStore(env.table('users')))
await lastValueFrom(from(SAMPLE_USERS).pipe(mergeMap((u) => users.insertOrReplace(u))), { defaultValue: undefined })

async function show(title: string, q: QueryInput): Promise<void> {
  const docs = await firstValueFrom(users.find(q).pipe(toArray()))
  console.log(`${title}:`)
  for (const doc of docs) console.log(`  ${JSON.stringify(doc)}`)
}

// Projection: only these fields (_id only when listed).
await show('select _id, name', query().select('_id', 'name'))

// A condition from the builder...
await show('where age > 80 and "compilers" in tags', query().where(cond.and(cond.gt('age', 80), cond.eq('tags[]', 'compilers'))))

// ...or the same kind of condition as OJAI JSON (an object, or its text).
await show('where as JSON', { $where: { $and: [{ $ge: { age: 80 } }, { $like: { city: 'C%' } }] } })
await show('where as JSON text', '{"$where": {"$in": {"city": ["London", "Nuenen"]}}}')

// Select + condition.
await show('select name, city where tags contains "math"', query().select('name', 'city').where(cond.eq('tags[]', 'math')))

// Order by, then order by + limit + offset (page 2 of size 2, oldest first).
await show('order by age desc', query().select('name', 'age').orderBy('age', 'desc'))
await show('order by age, limit 2, offset 2', query().select('name', 'age').orderBy('age').limit(2).offset(2))

await connection.close()
await env.close()
