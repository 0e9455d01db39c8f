/**
 * Testing your application against the embedded gateway: real gRPC, real failover, no cluster.
 *
 * Shows: `startGateway({ port: 0 })` in a test's set-up (in memory, any free port, one line),
 * two of them replicating to each other as two clusters, the app under test talking to them
 * through a FailoverStore, and the gateway's fault controls (`gw.faults.set(...)`) making the
 * primary hang so the test can assert the app still answers. Close everything in tear-down.
 *
 * In your project these are `beforeAll` / `it` / `afterAll` blocks (vitest, jest, mocha); here
 * a plain script with node:assert: `npx tsx examples/testing-with-embedded-gateway.ts`.
 */
import assert from 'node:assert/strict'
import { firstValueFrom, lastValueFrom, map, catchError, of, type Observable } from 'rxjs'
import { startGateway } from '../lib/gateway/index.js' // in your app: 'ojai-failover/gateway'
import { connect, DocumentExistsError, FailoverStore, type Store } from '../lib/index.js'

// ---- the application code under test ----------------------------------------------------------

/** Registers a user name; 'taken' when someone has it already. */
function register(users: Store, name: string, email: string): Observable<'created' | 'taken'> {
  return users.insert({ _id: name, email }).pipe(
    map(() => 'created' as const),
    catchError((error: unknown) => (error instanceof DocumentExistsError ? of('taken' as const) : Promise.reject(error))),
  )
}

// ---- set-up: two gateways replicating to each other --------------------------------------------

const secondary = await startGateway({ port: 0 })
const primary = await startGateway({ port: 0, replicateTo: [secondary.address] })
const c1 = connect(`${primary.address}?ssl=false`)
const c2 = connect(`${secondary.address}?ssl=false`)
// The secondary first: the primary replicates its own table creation to it.
await firstValueFrom(c2.createStore('/apps/users'))
await firstValueFrom(c1.createStore('/apps/users'))
const users = new FailoverStore(
  [
    { name: 'primary', store: c1.store('/apps/users'), ping: () => c1.ping() },
    { name: 'secondary', store: c2.store('/apps/users'), ping: () => c2.ping() },
  ],
  { timeoutMs: 200 },
)

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
  // Wait until replication has carried 'ada' over, then make every primary call hang.
  for (let i = 0; i < 100 && (await firstValueFrom(c2.store('/apps/users').findById('ada'))) === null; i++) await new Promise((r) => setTimeout(r, 20))
  primary.faults.set('*', { type: 'stall' })
  const started = Date.now()
  const ada = await lastValueFrom(users.findById('ada'))
  assert.equal(ada?.email, 'ada@example.com')
  assert.equal(users.cluster.name, 'secondary')
  assert.ok(Date.now() - started < 2000, 'answered within timeoutMs plus the secondary round trip')
  primary.faults.clear()
})

// ---- tear-down ---------------------------------------------------------------------------------

users.close()
c1.close()
c2.close()
await primary.close()
await secondary.close()
console.log(process.exitCode === 1 ? 'some tests failed' : 'all tests passed')
