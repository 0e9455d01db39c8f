/**
 * `ojai-failover/testing`: the kit for testing code that uses ojai-failover.
 *
 * - {@link fakeStore}: a Store whose 11 methods answer as scripted (marble diagrams, one frame =
 *   one millisecond, in virtual or real time, or functions of the call's arguments), with a log
 *   of every call.
 * - {@link testFailoverStore}: a FailoverStore over fake (or any) stores with defaults that make
 *   marble timelines exact; a marble test with finite operations ends without `close()`.
 * - {@link startClusters}: n embedded gateways replicating to each other on free ports, with their
 *   fault controls, a table created once, a `connectFailover` over them, closed in one call.
 *
 * @module ojai-failover/testing
 * @categoryDescription Testing
 * Fake stores, a FailoverStore for marble tests, and embedded clusters in one call.
 * @categoryDescription Errors
 * What a fake store throws when a test calls a method it did not script.
 * @categoryDescription Internals
 * The kit's defaults and bounds.
 */
export { fakeStore, UnscriptedCallError } from './fake-store.js'
export type {
  Answer,
  ArgsOf,
  CallEnding,
  FakeCall,
  FakeScript,
  FakeStore,
  FakeStoreOptions,
  MethodScript,
  ResultOf,
  StoreMethod,
} from './fake-store.js'
export { marble, Marble } from './marble.js'
export { testFailoverStore, TEST_DEFAULTS } from './test-failover-store.js'
export type { TestStoreCluster } from './test-failover-store.js'
export { startClusters } from './start-clusters.js'
export { MAX_CLUSTERS } from '../failover/options.js'
export type { ClusterGatewayOptions, EmbeddedCluster, EmbeddedClusters, StartClustersOptions } from './start-clusters.js'
