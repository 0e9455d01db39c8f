/**
 * Marble-testing your own code that uses a FailoverStore, in virtual time.
 *
 * Shows: fake cluster stores whose answers are marble diagrams, a FailoverStore on the
 * TestScheduler (`scheduler: m.scheduler`), and exact assertions on WHEN the answer arrives and
 * which cluster was asked: the primary answers in time; the primary is silent and the secondary
 * answers right after `timeoutMs`; a "document exists" answer is final and never fails over.
 * No network, no sleeping: the 500 ms timeout takes no wall-clock time.
 *
 * In your project put each `marbles(...)` in a test: `it('…', marbles((m) => { … }))` with
 * vitest, jest or mocha. Here they run as a plain script: `npx tsx examples/marble-testing.ts`.
 */
import { marbles, type Context } from 'rxjs-marbles'
import { map, throwError, type Observable } from 'rxjs'
import { DocumentExistsError, FailoverStore, type Store } from '../lib/index.js'

// ---- the application code under test ----------------------------------------------------------

/** A user's display name, or 'anonymous' when there is no such user. */
export function displayName(users: Store, id: string): Observable<string> {
  return users.findById(id, { fields: ['name'] }).pipe(map((doc) => (typeof doc?.name === 'string' ? doc.name : 'anonymous')))
}

// ---- test helpers ------------------------------------------------------------------------------

/** A Store whose every operation fails the test unless overridden. */
function fakeStore(overrides: Partial<Store>): Store {
  const unexpected = (op: string) => () => throwError(() => new Error(`unexpected ${op}`))
  return {
    path: '/apps/users',
    findById: unexpected('findById'),
    find: unexpected('find'),
    insertOrReplace: unexpected('insertOrReplace'),
    insert: unexpected('insert'),
    replace: unexpected('replace'),
    update: unexpected('update'),
    increment: unexpected('increment'),
    delete: unexpected('delete'),
    checkAndMutate: unexpected('checkAndMutate'),
    checkAndReplace: unexpected('checkAndReplace'),
    checkAndDelete: unexpected('checkAndDelete'),
    ...overrides,
  }
}

// One dash is one virtual millisecond; the FailoverStore's own timers run on the same clock.
const TIMEOUT_MS = 500

function failoverStore(m: Context, primary: Store, secondary: Store): FailoverStore {
  const store = new FailoverStore(
    [
      { name: 'primary', store: primary },
      { name: 'secondary', store: secondary },
    ],
    { timeoutMs: TIMEOUT_MS, scheduler: m.scheduler },
  )
  // Closed at 1 s of virtual time: long after these operations, before the first failback probe
  // (after the 20 s hold), so the probes do not keep the virtual clock running.
  m.scheduler.schedule(() => store.close(), 1_000)
  return store
}

const tests: [string, () => void][] = [
  [
    'the primary answers in time: its answer, the secondary is never asked',
    marbles((m) => {
      const primary = m.cold('---(a|)', { a: { name: 'Ada' } })
      const secondary = m.cold('(b|)', { b: { name: 'stale Ada' } })
      const store = failoverStore(m, fakeStore({ findById: () => primary }), fakeStore({ findById: () => secondary }))
      m.expect(displayName(store, 'u1')).toBeObservable('---(n|)', { n: 'Ada' })
      m.expect(secondary).toHaveSubscriptions([])
    }),
  ],
  [
    'the primary is silent: cancelled at 500 ms, the secondary answers 2 ms later, cluster$ switches',
    marbles((m) => {
      const primary = m.cold('-') // never answers
      const secondary = m.cold('--(b|)', { b: { name: 'Ada' } })
      const store = failoverStore(m, fakeStore({ findById: () => primary }), fakeStore({ findById: () => secondary }))
      m.expect(displayName(store, 'u1')).toBeObservable('500ms --(n|)', { n: 'Ada' })
      m.expect(primary).toHaveSubscriptions('^ 499ms !')
      m.expect(secondary).toHaveSubscriptions('500ms ^-!')
      m.expect(store.cluster$.pipe(map((s) => s.name))).toBeObservable('p 499ms s 499ms |', { p: 'primary', s: 'secondary' })
    }),
  ],
  [
    'a duplicate insert is an answer, not a fault: the error goes to the caller, no failover',
    marbles((m) => {
      const exists = new DocumentExistsError('document exists: u1')
      const secondary = m.cold('(x|)')
      const store = failoverStore(m, fakeStore({ insert: () => m.cold('--#', undefined, exists) }), fakeStore({ insert: () => secondary }))
      m.expect(store.insert({ _id: 'u1', name: 'Ada' })).toBeObservable('--#', undefined, exists)
      m.expect(secondary).toHaveSubscriptions([])
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
