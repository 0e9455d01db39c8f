/**
 * `ojai-failover/gateway`: an embedded OJAI gateway (a real gRPC server speaking the Data Access
 * Gateway protocol) with memory or durable LMDB storage, auth, TLS, replication between gateways
 * and fault controls, for demos and tests. Start with {@link startGateway}.
 *
 * Durable storage (`storage: { dir }`, CLI `--data`) needs the optional package `lmdb`
 * (`npm install lmdb`); memory storage needs nothing more.
 *
 * @module ojai-failover/gateway
 * @categoryDescription Gateway
 * {@link startGateway}, the running {@link OjaiGateway} and its options.
 * @categoryDescription Faults
 * Faults to inject per RPC: in process through {@link OjaiGateway.faults}, or in a gateway
 * started by the CLI through {@link GatewayControlClient}.
 * @categoryDescription Storage
 * The storage seam: the memory and LMDB engines, and the interfaces an engine implements.
 * @categoryDescription Internals
 * Defaults, exported for tools and tests.
 */
export { startGateway } from './gateway.js'
export type { GatewayOptions, OjaiGateway, TlsOptions } from './gateway.js'
export { Faults, RPC_NAMES } from './faults.js'
export type { Fault, FaultCommonOptions, FaultTarget, RpcName } from './faults.js'
export type { AuthOptions } from './auth.js'
export { DEFAULT_FIND_LIMITS } from './find-limits.js'
export type { FindLimits } from './find-limits.js'
export type { ReplicationOptions, PeerStats } from './replication.js'
export type { GatewayStats } from './stats.js'
export type { RequestCounts } from './call-guard.js'
export type { GatewayLogger } from './logger.js'
export { GatewayControlClient } from './control-client.js'
export type { ControlClientOptions } from './control-client.js'
export type { StorageEngine, TableStore, StoredRecord, TableMeta, ScanEntry, Decision } from './storage/engine.js'
export type { DocHistory, LoggedOp, OpLogLimits } from './oplog.js'
export { MemoryEngine } from './storage/memory.js'
export { LmdbEngine } from './storage/lmdb.js'
export type { LmdbEngineOptions } from './storage/lmdb.js'
