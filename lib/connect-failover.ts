/**
 * `connectFailover`: a FailoverStore over one table on N >= 2 gateways, from connection strings
 * (usage and what it throws: on {@link connectFailover}).
 *
 * It lives outside lib/failover because it needs the driver (and so grpc); the failover core
 * depends only on the `Store` interface. Each cluster gets one driver `Connection`; its
 * `DocumentStore` for the table is the cluster's store, the store's `ping()` (gateway Ping) is the
 * failback probe's first step, and the connection is closed by `FailoverStore.close()` once its
 * operations have ended (finished within the grace, or cut off): at once, as no call of the store
 * is left on it by then.
 */
import { connect, type Connection } from './driver/connection.js'
import { checkTablePath } from './driver/inputs.js'
import { checkConnectOptions, type ConnectOptions } from './driver/options.js'
import { FailoverStore } from './failover/failover-store.js'
import { FAILOVER_STORE_OPTIONS, resolveOptions, type ClusterConfig, type FailoverStoreOptions } from './failover/options.js'
import { checkKeys } from './ojai/check-options.js'
import { InvalidOptionsError } from './ojai/errors.js'
import type { DocumentShape } from './ojai/values.js'

/**
 * One cluster: its gateway's connection string, and optionally a name and its own connect options.
 * @category Failover
 */
export interface FailoverClusterInput {
  /** Shown in events, logs, stats and errors. Default: the gateway's `host:port`. */
  readonly name?: string
  /** e.g. `gw1:5678?auth=basic;user=mapr;password=…;sslCA=/etc/ca.pem`. */
  readonly connectionString: string
  /** Merged over the shared `connectOptions` for this cluster only (e.g. its own `tls.ca`). */
  readonly connectOptions?: ConnectOptions
}

/** @category Failover */
export interface ConnectFailoverOptions extends FailoverStoreOptions {
  /** Two or more clusters, primary first: connection strings or {@link FailoverClusterInput}s. */
  readonly clusters: readonly (string | FailoverClusterInput)[]
  /** The replicated table, the same path on every cluster, e.g. `/apps/users`. */
  readonly table: string
  /**
   * Options of every connection (auth/TLS overrides, channel options…). `logger` defaults to the
   * FailoverStore's `logger`. `deadlineMs` defaults to {@link FAILOVER_CONNECTION_DEADLINE_MS}.
   */
  readonly connectOptions?: ConnectOptions
}

/**
 * The gRPC deadline connectFailover gives its connections unless `connectOptions.deadlineMs` says
 * otherwise: one hour. Under a FailoverStore every single-answer call is already bounded by
 * `timeoutMs` / `secondaryTimeoutMs`, every probe by `probe.timeoutMs`, and a find by its idle
 * timeout between documents; all of them cancel the gRPC call. The only thing the connection
 * deadline still bounds is the whole length of a find stream, and the driver's 10 s default would
 * cut a healthy long scan of a big table (then resume it on the next cluster, and fail there after
 * another 10 s).
 * @category Internals
 */
export const FAILOVER_CONNECTION_DEADLINE_MS = 3_600_000

const CLUSTER_KEYS: readonly (keyof FailoverClusterInput)[] = ['name', 'connectionString', 'connectOptions']
const OPTION_KEYS: readonly string[] = [...FAILOVER_STORE_OPTIONS, 'clusters', 'table', 'connectOptions']

function clusterInput(input: unknown, index: number): FailoverClusterInput {
  if (typeof input === 'string') return { connectionString: input }
  if (input === null || typeof input !== 'object') {
    throw new InvalidOptionsError(
      `clusters[${index}] must be a connection string or { name?, connectionString, connectOptions? }, got ${input === null ? 'null' : typeof input}`,
    )
  }
  checkKeys(`clusters[${index}]`, input, CLUSTER_KEYS)
  const c = input as unknown as FailoverClusterInput
  if (typeof c.connectionString !== 'string') throw new InvalidOptionsError(`clusters[${index}].connectionString must be a string`)
  if (c.name !== undefined && (typeof c.name !== 'string' || c.name === ''))
    throw new InvalidOptionsError(`clusters[${index}].name must be a non-empty string`)
  return c
}

/**
 * Opens one connection per cluster and returns a FailoverStore over the table on each.
 * `close()` on the result closes the connections after its operations have ended.
 *
 * ```ts
 * const users = connectFailover({
 *   clusters: ['gw1:5678?auth=basic;user=mapr;password=…;sslCA=/etc/ca.pem', 'gw2:5678?…'],
 *   table: '/apps/users',
 *   timeoutMs: 500,
 * })
 * const u = await firstValueFrom(users.findById('u1'))
 * await users.close()   // lets operations in flight finish, then closes the connections it opened
 * ```
 *
 * Returns at once and never touches the network (the driver connects on the first call), so a
 * cluster that is down at startup cannot make it hang or throw: the first operation finds out and
 * fails over. What it does throw, synchronously and typed, is bad input: an invalid connection
 * string ({@link InvalidConnectionStringError}), a bad table path ({@link InvalidArgumentError})
 * or bad options ({@link InvalidOptionsError}). Connections opened before such an error are
 * closed again.
 *
 * `T` types the table's documents (`connectFailover<User>({ … })`); default: untyped
 * `Document`s. It is the caller's compile-time promise, not checked at run time, and is
 * only ever given explicitly: without a type argument the first signature applies, so the type is
 * never guessed from where the result is used.
 * @category Failover
 */
export function connectFailover(options: ConnectFailoverOptions): FailoverStore
export function connectFailover<T extends DocumentShape<T>>(options: ConnectFailoverOptions): FailoverStore<T>
export function connectFailover<T extends DocumentShape<T>>(options: ConnectFailoverOptions): FailoverStore<T> {
  checkKeys('connectFailover options', options, OPTION_KEYS)
  const { clusters, table, connectOptions, ...failoverOptions } = options
  if (!Array.isArray(clusters) || clusters.length < 2) {
    throw new InvalidOptionsError(
      `connectFailover needs at least 2 clusters, got ${Array.isArray(clusters) ? clusters.length : typeof clusters}`,
    )
  }
  if (typeof table !== 'string') throw new InvalidOptionsError(`table must be a table path string, got ${typeof table}`)
  // Every input is checked before any connection is opened: the clusters, the table path, the
  // FailoverStore's and each connection's options (checked again, at no cost, where they are used).
  const inputs = clusters.map(clusterInput)
  checkTablePath(table)
  resolveOptions(failoverOptions)
  const shared: ConnectOptions = {
    deadlineMs: FAILOVER_CONNECTION_DEADLINE_MS,
    ...(failoverOptions.logger === undefined ? {} : { logger: failoverOptions.logger }),
    ...connectOptions,
  }
  for (const input of inputs) checkConnectOptions({ ...shared, ...input.connectOptions })
  const connections: Connection[] = []
  try {
    const configs: ClusterConfig<T>[] = inputs.map((input) => {
      const connection = connect(input.connectionString, { ...shared, ...input.connectOptions })
      connections.push(connection)
      const store = connection.store<T>(table)
      return {
        name: input.name ?? connection.info.target,
        store,
        ping: () => store.ping(),
        close: () => connection.close({ graceMs: 0 }),
      }
    })
    return new FailoverStore<T>(configs, failoverOptions)
  } catch (error) {
    // Nothing ran on them: each closes at once.
    for (const connection of connections) void connection.close({ graceMs: 0 })
    throw error
  }
}
