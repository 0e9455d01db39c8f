/**
 * Testing your application against embedded gateways: real gRPC, real replication, real failover,
 * no cluster.
 *
 * Shows: `startClusters(2)` in a test's set-up (two gateways in memory on free ports, replicating
 * to each other, one line), the table created once (the embedded gateways replicate table
 * creation), the app under test talking to them through `connectFailover` over the clusters, the
 * fault controls (`faults.set(...)` makes the primary hang, `faults.clear()` brings it back) so the
 * test can assert the app still answers, `waitForReplication()` before reading on the other
 * cluster, and one `close()` in tear-down.
 *
 * In your project these are `beforeAll` / `it` / `afterAll` blocks (vitest, jest, mocha); here
 * a plain script with node:assert: `npx tsx examples/testing-with-embedded-gateway.ts`.
 */
import assert from 'node:assert/strict'
import { lastValueFrom, map, catchError, of, type Observable } from 'rxjs'
import { DocumentExistsError, type Store } from '../lib/index.js' // in your app: 'ojai-failover'
import { startClusters } from '../lib/testing/index.js' // in your app: 'ojai-failover/testing'

// ---- the application code under test ----------------------------------------------------------

interface Account {
  _id: string
  email: string
}

/** Registers a user name; 'taken' when someone has it already. */
function register(users: Store<Account>, name: string, email: string): Observable<'created' | 'taken'> {
  return users.insert({ _id: name, email }).pipe(
    map(() => 'created' as const),
    catchError((error: unknown) => (error instanceof DocumentExistsError ? of('taken' as const) : Promise.reject(error))),
  )
}

// ---- set-up: two clusters replicating to each other --------------------------------------------

const kit = await startClusters(2, { names: ['primary', 'secondary'] })
await kit.createTable('/apps/users') // once: it reaches the secondary by replication
const users = kit.connectFailover<Account>('/apps/users', { timeoutMs: 200 })

// ---- tests -------------------------------------------------------------------------------------

async function test(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body()
    console.log(`ok   ${name}`)
  } catch (error) {
    process.exitCode = 1
    console.log(`FAIL ${name}\n     ${error instanceof Error ? error.message : String(error)}`)
  }
}

await test('a new name is created, a taken one is reported as taken', async () => {
  assert.equal(await lastValueFrom(register(users, 'ada', 'ada@example.com')), 'created')
  assert.equal(await lastValueFrom(register(users, 'ada', 'someone@example.com')), 'taken')
  assert.equal(users.cluster.name, 'primary') // "taken" is an answer: no failover
})

await test('reads still answer, from the secondary, while the primary hangs', async () => {
  await kit.waitForReplication() // 'ada' is on the secondary too
  const primary = kit.cluster('primary')
  primary.faults.set('*', { type: 'stall' }) // every call to the primary hangs
  const ada = await lastValueFrom(users.findById('ada'))
  assert.equal(ada?.email, 'ada@example.com')
  assert.equal(users.cluster.name, 'secondary')
  primary.faults.clear() // stalled calls are released
})

await test('once the fault is cleared, the primary answers again', async () => {
  const ada = await lastValueFrom(users.findById('ada', { strategy: 'primary-only' }))
  assert.equal(ada?.email, 'ada@example.com')
})

// ---- tear-down ---------------------------------------------------------------------------------

await kit.close() // the store opened by connectFailover, then both gateways
console.log(process.exitCode === 1 ? 'some tests failed' : 'all tests passed')
