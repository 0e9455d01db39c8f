/**
 * `startClusters(n, options?)`: n embedded gateways on free ports, replicating to each other (a
 * full mesh), as n replicated clusters for a test, started and closed in one call each.
 *
 * ```ts
 * const kit = await startClusters(2)                 // in memory, plaintext, no auth
 * await kit.createTable('/apps/users')               // once: replication carries it to the others
 * const users = kit.connectFailover('/apps/users', { timeoutMs: 200 })
 * kit.clusters[0].faults.set('*', { type: 'stall' }) // the primary hangs
 * kit.clusters[0].faults.clear()                     // and recovers
 * await kit.close()                                  // stores opened here, then every gateway
 * ```
 *
 * Each gateway listens on port 0 and learns its peers once all listen
 * (`OjaiGateway.addReplicationPeers`), so no address is guessed and nothing restarts. The embedded
 * gateway replicates table creation, so a table is created on one cluster only (creating it on the
 * others too fails with TableExistsError); on real clusters with table replication the table is
 * created on each.
 *
 * The gateway module (gRPC server, LMDB) is loaded on the first call, so importing
 * `ojai-failover/testing` for fake stores alone does not load it.
 */
import { join } from 'node:path'
import { firstValueFrom } from 'rxjs'
import { connectFailover, type ConnectFailoverOptions } from '../connect-failover.js'
import { connect } from '../driver/connection.js'
import type { FailoverStore } from '../failover/failover-store.js'
import { MAX_CLUSTERS } from '../failover/options.js'
import type { CloseOptions } from '../graceful-close.js'
import type { AuthOptions } from '../gateway/auth.js'
import type { Faults } from '../gateway/faults.js'
import type { GatewayOptions, OjaiGateway } from '../gateway/gateway.js'
import { AUTH, GATEWAY_OPTIONS, MEMORY_OR_DIR } from '../gateway/options.js'
import { arrayOf, checkedBy, checkOptions, integerIn, MAX_TIMER_MS, rule, type Rules } from '../ojai/check-options.js'
import { InvalidOptionsError, TimeoutError } from '../ojai/errors.js'
import type { Document, DocumentShape } from '../ojai/values.js'

/**
 * Gateway options startClusters passes through to every gateway (it sets the port, peers, storage and auth itself).
 * @category Testing
 */
export type ClusterGatewayOptions = Omit<GatewayOptions, 'port' | 'replicateTo' | 'storage' | 'auth'>

/** @category Testing */
export interface StartClustersOptions {
  /** The clusters' names (letters, digits, `.`, `_`, `-`), one per cluster. Default `cluster1`, `cluster2`, … */
  readonly names?: readonly string[]
  /**
   * `'memory'` (default: fast, gone on close) or `{ dir }`: durable LMDB storage, each cluster in
   * the subdirectory of `dir` named after it.
   */
  readonly storage?: 'memory' | { readonly dir: string }
  /** Credentials every gateway requires (and replicates with); the connection strings carry them. Default: no auth. */
  readonly auth?: AuthOptions
  /**
   * More options for every gateway, or per gateway as a function of its index and name (e.g.
   * `replicationLagMs`, `logger`, or `clockOffsetMs` to run one cluster's clock behind the others':
   * `gateway: ({ index }) => (index === 1 ? { clockOffsetMs: -200 } : {})`).
   */
  readonly gateway?: ClusterGatewayOptions | ((cluster: { readonly index: number; readonly name: string }) => ClusterGatewayOptions)
  /** How long `createTable` and `waitForReplication` wait for every cluster. Default 10 000 ms. */
  readonly waitTimeoutMs?: number
}

/**
 * One running cluster.
 * @category Testing
 */
export interface EmbeddedCluster {
  readonly name: string
  /** `host:port` of its gateway. */
  readonly address: string
  /** Connection string of its gateway for `connect` (plaintext, with the credentials when `auth` is on). */
  readonly connectionString: string
  readonly gateway: OjaiGateway
  /** Its gateway's fault controls: `faults.set('*', { type: 'stall' })`, `faults.clear()`. */
  readonly faults: Faults
}

/**
 * What {@link startClusters} returns. Its methods may be destructured.
 * @category Testing
 */
export interface EmbeddedClusters {
  /** The clusters, primary first. */
  readonly clusters: readonly EmbeddedCluster[]
  /** One cluster, by its index or name; throws InvalidOptionsError for one that does not exist. */
  cluster(which: number | string): EmbeddedCluster
  /**
   * Creates the table on the first cluster and resolves once it exists on every cluster (the
   * gateways replicate table creation). Rejects with TimeoutError after `waitTimeoutMs`.
   */
  createTable(path: string): Promise<void>
  /**
   * Resolves once every gateway has shipped every write it acknowledged so far to every other
   * (each replication link connected, its queue empty, no resync due): then a read on any cluster
   * sees them. Rejects with TimeoutError after `waitTimeoutMs`, naming a link still behind.
   */
  waitForReplication(): Promise<void>
  /** `connectFailover` over every cluster, primary first, named after them; `close()` closes it too. */
  connectFailover<T extends DocumentShape<T> = Document>(
    table: string,
    options?: Omit<ConnectFailoverOptions, 'clusters' | 'table'>,
  ): FailoverStore<T>
  /** Closes the stores opened by `connectFailover`, then every gateway. Idempotent; nothing is left keeping Node alive. */
  close(): Promise<void>
}

const DEFAULT_WAIT_TIMEOUT_MS = 10_000
const MANAGED_GATEWAY_KEYS: Readonly<Record<string, string>> = {
  port: 'every gateway listens on a free port',
  replicateTo: 'every gateway replicates to all the others',
  storage: 'use the storage option',
  auth: 'use the auth option',
}
const NAME = /^[A-Za-z0-9._-]{1,64}$/

/** What each gateway option startClusters passes through accepts: as startGateway. */
const CLUSTER_GATEWAY_OPTIONS = Object.fromEntries(
  Object.entries(GATEWAY_OPTIONS).filter(([key]) => !(key in MANAGED_GATEWAY_KEYS)),
) as Rules<ClusterGatewayOptions>

/** Gateway options given to startClusters: none of the keys it sets, the others as startGateway takes them. */
function checkClusterGatewayOptions(what: string, options: unknown): void {
  if (typeof options === 'object' && options !== null) {
    for (const key of Object.keys(options)) {
      const why = MANAGED_GATEWAY_KEYS[key]
      if (why !== undefined) throw new InvalidOptionsError(`${what}: ${key} is set by startClusters (${why})`)
    }
  }
  checkOptions(what, options as ClusterGatewayOptions, CLUSTER_GATEWAY_OPTIONS)
}

const OPTIONS: Rules<StartClustersOptions> = {
  names: arrayOf(rule('1 to 64 letters, digits, ".", "_" or "-"', (v) => typeof v === 'string' && NAME.test(v))),
  storage: MEMORY_OR_DIR,
  auth: AUTH,
  gateway: checkedBy('gateway options, or a function of { index, name } returning them', (value, name) => {
    if (typeof value !== 'function') checkClusterGatewayOptions(`startClusters ${name}`, value)
  }),
  waitTimeoutMs: integerIn(1, MAX_TIMER_MS),
}

function validate(n: unknown, options: StartClustersOptions): string[] {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_CLUSTERS) {
    throw new InvalidOptionsError(
      `startClusters needs a whole number of clusters from 1 to ${MAX_CLUSTERS}, got ${typeof n === 'number' ? String(n) : typeof n}`,
    )
  }
  checkOptions('startClusters options', options, OPTIONS)
  const names = options.names ?? Array.from({ length: n }, (_, i) => `cluster${i + 1}`)
  if (names.length !== n) throw new InvalidOptionsError(`startClusters: names must list one name per cluster (${n}), got ${names.length}`)
  if (new Set(names).size !== names.length)
    throw new InvalidOptionsError(`startClusters: cluster names must be unique, got ${names.join(', ')}`)
  return [...names]
}

/** The options of every gateway, all checked before any starts (a function's answers included). */
function gatewayOptionsOf(options: StartClustersOptions, index: number, name: string): GatewayOptions {
  const extra = typeof options.gateway === 'function' ? options.gateway({ index, name }) : (options.gateway ?? {})
  if (typeof options.gateway === 'function')
    checkClusterGatewayOptions(`startClusters gateway options of ${name} (from the gateway function)`, extra)
  const storage = options.storage === undefined || options.storage === 'memory' ? 'memory' : { dir: join(options.storage.dir, name) }
  return { ...extra, port: 0, storage, ...(options.auth === undefined ? {} : { auth: options.auth }) }
}

function connectionStringOf(address: string, auth: AuthOptions | undefined): string {
  const credentials =
    auth === undefined ? '' : `;auth=basic;user=${encodeURIComponent(auth.user)};password=${encodeURIComponent(auth.password)}`
  return `${address}?ssl=false${credentials}`
}

/**
 * Starts `n` embedded gateways replicating to each other; see the module doc. Throws
 * InvalidOptionsError for bad input before starting anything; if a gateway fails to start, those
 * already started are closed and the error is thrown.
 * @category Testing
 */
export async function startClusters(n: number, options: StartClustersOptions = {}): Promise<EmbeddedClusters> {
  const names = validate(n, options)
  const perGateway = names.map((name, index) => gatewayOptionsOf(options, index, name))
  const [{ startGateway }, { isCaughtUp }] = await Promise.all([import('../gateway/gateway.js'), import('../gateway/replication.js')])
  const started = await Promise.allSettled(perGateway.map((o) => startGateway(o)))
  const gateways = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed !== undefined) {
    await Promise.all(gateways.map((g) => g.close()))
    throw failed.reason
  }
  for (const g of gateways) g.addReplicationPeers(gateways.filter((o) => o !== g).map((o) => o.address))
  const clusters: EmbeddedCluster[] = gateways.map((gateway, i) => ({
    name: names[i] as string,
    address: gateway.address,
    connectionString: connectionStringOf(gateway.address, options.auth),
    gateway,
    faults: gateway.faults,
  }))
  const stores: { close(options?: CloseOptions): unknown }[] = []
  const waitTimeoutMs = options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS
  let closing: Promise<void> | undefined
  const open = () => {
    if (closing !== undefined) throw new InvalidOptionsError('startClusters: the clusters are closed')
  }

  /** Polls `behind` (what is not there yet, or undefined) every 10 ms until it is undefined, within waitTimeoutMs. */
  async function until(behind: () => Promise<string | undefined> | string | undefined): Promise<void> {
    const deadline = Date.now() + waitTimeoutMs
    for (;;) {
      const missing = await behind()
      if (missing === undefined) return
      if (Date.now() >= deadline)
        throw new TimeoutError(`${missing} within ${waitTimeoutMs} ms: is replication between the gateways failing?`, waitTimeoutMs)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  function cluster(which: number | string): EmbeddedCluster {
    const found = typeof which === 'number' ? clusters[which] : clusters.find((c) => c.name === which)
    if (found === undefined)
      throw new InvalidOptionsError(
        `startClusters: no cluster ${JSON.stringify(which)}; the clusters are ${clusters.map((c, i) => `${i}: ${c.name}`).join(', ')}`,
      )
    return found
  }

  async function createTable(path: string): Promise<void> {
    open()
    const connections = clusters.map((c) => connect(c.connectionString))
    try {
      const [first, ...others] = connections
      await firstValueFrom((first as (typeof connections)[number]).createStore(path))
      for (const [i, connection] of others.entries()) {
        await until(async () =>
          (await firstValueFrom(connection.storeExists(path)))
            ? undefined
            : `table ${path} was created on ${clusters[0]?.name} but did not reach ${clusters[i + 1]?.name}`,
        )
      }
    } finally {
      for (const connection of connections) await connection.close()
    }
  }

  function waitForReplication(): Promise<void> {
    open()
    return until(() => {
      for (const c of clusters) {
        const link = c.gateway.stats().replication.peers.find((p) => !isCaughtUp(p))
        if (link !== undefined)
          return `${c.name} has not shipped everything to ${clusters.find((o) => o.address === link.address)?.name ?? link.address} (queue ${link.queueDepth}, resync due ${link.resyncPending}, connected ${link.connected})`
      }
      return undefined
    })
  }

  function connectOver<T extends DocumentShape<T> = Document>(
    table: string,
    storeOptions: Omit<ConnectFailoverOptions, 'clusters' | 'table'> = {},
  ): FailoverStore<T> {
    open()
    const store = connectFailover<T>({
      ...storeOptions,
      clusters: clusters.map((c) => ({ name: c.name, connectionString: c.connectionString })),
      table,
    })
    stores.push(store)
    return store
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      // A teardown: whatever a test left running is cut off at once (a store closed earlier keeps its own close).
      for (const store of stores.splice(0)) await store.close({ graceMs: 0 })
      await Promise.all(gateways.map((g) => g.close()))
    })()
    return closing
  }

  return { clusters, cluster, createTable, waitForReplication, connectFailover: connectOver, close }
}
