/**
 * `testFailoverStore(clusters, options?)`: a FailoverStore for marble tests, with defaults that
 * make timelines exact.
 *
 * ```ts
 * it('answers from the secondary right after the timeout', marbles((m) => {
 *   const store = testFailoverStore({
 *     primary: fakeStore({ findById: '-' }),                                 // never answers
 *     secondary: fakeStore({ findById: marble('--(a|)', { a: ada }) }),
 *   })
 *   m.expect(store.findById('u1')).toBeObservable('500ms --(a|)', { a: ada })
 * }))
 * ```
 *
 * Clusters are named by their keys, primary first. Its timers run on `options.scheduler`, by
 * default the `asyncScheduler`, which `TestScheduler.run` (and rxjs-marbles' `marbles()`) turns
 * into virtual time; outside `run`, pass a scheduler or expect real timers. Every option of a
 * FailoverStore may be passed and wins over these defaults.
 *
 * What it changes from the FailoverStore's own defaults ({@link TEST_DEFAULTS}), and why:
 *
 * | option | here | production default | why |
 * |---|---|---|---|
 * | `random` | `() => 0` | `Math.random` | no jitter: each hold is exactly `hold.holdsMs` (20 s, 60 s, 120 s) and each probe delay exactly 1 s, 2 s, 4 s… up to 35 s, so probe times and failbacks are written in a diagram |
 * | `failback` | `false` | a 30 s ramp, 5 % / 25 % / 100 % | the ramp routes each operation by a random draw; without it every operation goes to the recovered cluster from the failback on |
 *
 * What it keeps, and why that is safe in a marble test: `timeoutMs` 500, `secondaryTimeoutMs`
 * 2 000 and `settleMs` 5 000 (the timings the code under test meets in production); the holds
 * and the probe backoff (exact once jitter is gone); `lingerMs` 60 000 (probes run only while
 * operations are in flight or ended less than 60 to 120 s of virtual time ago, so the scheduler
 * runs out of work and `run()` ends without `close()`; virtual time costs nothing, and a shorter
 * linger would stop the probes a failback test relies on); the stall heartbeat (in virtual time
 * every wake is on time, so no stall is ever seen and every limit is exact); hedging off.
 *
 * Probes call `findById` of a cluster with the probe key (`probe.id`): script `findById` as a
 * function of the id when a test needs probes to answer, and expect those calls in the log.
 */
import type { FailoverStoreOptions } from '../failover/options.js'
import type { ClusterConfig } from '../failover/options.js'
import { FailoverStore } from '../failover/failover-store.js'
import { InvalidOptionsError } from '../ojai/errors.js'
import type { Document, DocumentShape } from '../ojai/values.js'
import type { Store } from '../store.js'

/**
 * A cluster of a test store: its store, or its store with a `ping` for the failback probes.
 * @category Testing
 */
export type TestStoreCluster<T extends DocumentShape<T> = Document> = Store<T> | Omit<ClusterConfig<T>, 'name'>

/**
 * The defaults testFailoverStore sets over the FailoverStore's own (see the module doc).
 * @category Internals
 */
export const TEST_DEFAULTS: Readonly<Pick<FailoverStoreOptions, 'random' | 'failback'>> = Object.freeze({
  random: () => 0,
  failback: false,
})

function isStore<T extends DocumentShape<T>>(cluster: TestStoreCluster<T>): cluster is Store<T> {
  return typeof (cluster as Store<T>).findById === 'function'
}

/**
 * A FailoverStore over `clusters` (name: store, primary first) with {@link TEST_DEFAULTS} under
 * `options`. Throws InvalidOptionsError for fewer than 2 clusters or a cluster that is not a
 * Store, and whatever the FailoverStore throws for bad options.
 * @category Testing
 */
export function testFailoverStore<T extends DocumentShape<T> = Document>(
  clusters: Readonly<Record<string, TestStoreCluster<T>>>,
  options: FailoverStoreOptions = {},
): FailoverStore<T> {
  if (clusters === null || typeof clusters !== 'object' || Array.isArray(clusters)) {
    throw new InvalidOptionsError(
      'testFailoverStore takes its clusters as an object, primary first: { primary: fakeStore(…), secondary: fakeStore(…) }',
    )
  }
  const configs: ClusterConfig<T>[] = Object.entries(clusters).map(([name, cluster]) => {
    if (cluster === null || typeof cluster !== 'object')
      throw new InvalidOptionsError(
        `testFailoverStore: cluster ${name} must be a Store (e.g. fakeStore(…)) or { store, ping? }, got ${cluster === null ? 'null' : typeof cluster}`,
      )
    if (isStore(cluster)) return { name, store: cluster }
    if (typeof cluster.store !== 'object' || cluster.store === null)
      throw new InvalidOptionsError(`testFailoverStore: cluster ${name} has no store`)
    return { ...cluster, name }
  })
  return new FailoverStore<T>(configs, { ...TEST_DEFAULTS, ...options })
}
