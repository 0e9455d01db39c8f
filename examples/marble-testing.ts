/**
 * Marble-testing your own code that uses a FailoverStore, in virtual time, with the testing kit.
 *
 * Shows: fake cluster stores scripted with marble diagrams (`fakeStore`, `marble`), a FailoverStore
 * over them with exact timelines (`testFailoverStore`), and exact assertions on WHEN the answer
 * arrives, which cluster was asked and which attempt was abandoned (the fakes' call log): the
 * primary answers in time; the primary is silent and the secondary answers right after
 * `timeoutMs`; a "document exists" answer is final and never fails over; the primary comes back
 * and the store fails back after its 20 s hold, at an exact virtual time.
 * No network, no sleeping, no close(): the 20 s hold takes no wall-clock time, and each test ends
 * when the store has nothing left to do.
 *
 * In your project put each `marbles(...)` in a test: `it('…', marbles((m) => { … }))` with
 * vitest (import `marbles` from 'rxjs-marbles'), jest or mocha. Here they run as a plain script:
 * `npx tsx examples/marble-testing.ts`.
 */
import assert from 'node:assert/strict'
import { marbles } from 'rxjs-marbles'
import { map, type Observable } from 'rxjs'
import { DEFAULT_PROBE_ID, DocumentExistsError, type Store } from '../lib/index.js' // in your app: 'ojai-failover'
import { fakeStore, marble, testFailoverStore } from '../lib/testing/index.js' // in your app: 'ojai-failover/testing'

// ---- the application code under test ----------------------------------------------------------

export interface User {
  _id: string
  name: string
}

/** A user's display name, or 'anonymous' when there is no such user. */
export function displayName(users: Store<User>, id: string): Observable<string> {
  return users.findById(id, { fields: ['name'] }).pipe(map((user) => user?.name ?? 'anonymous'))
}

// ---- tests -------------------------------------------------------------------------------------

const ada: User = { _id: 'u1', name: 'Ada' }

// One dash is one virtual millisecond; the FailoverStore's timers (timeoutMs 500 by default) run
// on the same clock.
const tests: [string, () => void][] = [
  [
    'the primary answers in time: its answer, the secondary is never asked',
    marbles((m) => {
      const primary = fakeStore<User>({ findById: marble('---(a|)', { a: ada }) })
      const secondary = fakeStore<User>({ findById: marble('(b|)', { b: { _id: 'u1', name: 'stale Ada' } }) })
      const users = testFailoverStore({ primary, secondary })
      m.expect(displayName(users, 'u1')).toBeObservable('---(n|)', { n: 'Ada' })
      m.flush()
      assert.deepEqual(primary.callsOf('findById')[0]?.args, ['u1', { fields: ['name'] }])
      assert.equal(secondary.calls.length, 0)
    }),
  ],
  [
    'the primary is silent: abandoned at 500 ms, the secondary answers 2 ms later, cluster$ switches',
    marbles((m) => {
      const primary = fakeStore<User>({ findById: '-' }) // never answers
      const secondary = fakeStore<User>({ findById: marble('--(b|)', { b: ada }) })
      const users = testFailoverStore({ primary, secondary })
      m.expect(displayName(users, 'u1')).toBeObservable('500ms --(n|)', { n: 'Ada' })
      m.expect(users.cluster$.pipe(map((s) => s.name))).toBeObservable('p 499ms s', { p: 'primary', s: 'secondary' })
      m.flush()
      assert.deepEqual(
        primary
          .callsOf('findById')
          .filter((c) => c.args[0] === 'u1')
          .map((c) => [c.subscribedAt, c.endedAt, c.ending]),
        [[0, 500, 'cancelled']],
      )
      assert.deepEqual(
        secondary.callsOf('findById').map((c) => [c.subscribedAt, c.endedAt, c.ending]),
        [[500, 502, 'completed']],
      )
    }),
  ],
  [
    'a duplicate insert is an answer, not a fault: the error goes to the caller, no failover',
    marbles((m) => {
      const exists = new DocumentExistsError('document exists: u1')
      const primary = fakeStore<User>({ insert: marble('--#', {}, exists) })
      const secondary = fakeStore<User>({ insert: '(x|)' })
      const users = testFailoverStore({ primary, secondary })
      m.expect(users.insert({ _id: 'u1', name: 'Ada' })).toBeObservable('--#', undefined, exists)
      m.flush()
      assert.equal(secondary.calls.length, 0)
      assert.equal(users.cluster.name, 'primary')
    }),
  ],
  [
    'the primary comes back at 5 s: probed when its 20 s hold ends, failed back at that moment',
    marbles((m) => {
      // A function of the arguments: silent until 5 s, then answering (the probe's key too).
      const primary = fakeStore<User>({
        findById: (id) => (m.scheduler.now() < 5_000 ? '-' : marble('-(a|)', { a: id === DEFAULT_PROBE_ID ? null : ada })),
      })
      const secondary = fakeStore<User>({ findById: marble('-(a|)', { a: ada }) })
      const users = testFailoverStore({ primary, secondary })
      // Failover at 500 ms; the hold ends at 20 500 ms; the probe's read answers 1 ms later.
      m.expect(users.cluster$.pipe(map((s) => s.name))).toBeObservable('p 499ms s 20000ms p', { p: 'primary', s: 'secondary' })
      // The application keeps reading every 10 s (a store probes only while it is in use).
      for (const at of [0, 10_000, 20_000, 30_000]) m.scheduler.schedule(() => displayName(users, 'u1').subscribe(), at)
      m.flush()
      const reads = primary.callsOf('findById').filter((c) => c.args[0] === 'u1')
      assert.deepEqual(
        reads.map((c) => [c.subscribedAt, c.ending]),
        [
          [0, 'cancelled'],
          [30_000, 'completed'],
        ],
      )
    }),
  ],
]

let failed = 0
for (const [name, test] of tests) {
  try {
    test()
    console.log(`ok   ${name}`)
  } catch (error) {
    failed++
    console.log(`FAIL ${name}\n${error instanceof Error ? error.message : String(error)}`)
  }
}
console.log(`${tests.length - failed} of ${tests.length} marble tests passed`)
process.exitCode = failed === 0 ? 0 : 1
