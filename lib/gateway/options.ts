/**
 * What every {@link GatewayOptions} key accepts, checked by `startGateway` (and by
 * `startClusters` for every gateway) before anything listens: an unknown key is refused with the
 * nearest known one, a wrong value with what it accepts (InvalidOptionsError, check-options.ts).
 *
 * Loads no gRPC and no storage engine, so the testing kit checks gateway options without loading
 * the gateway.
 */
import {
  anObject,
  arrayOf,
  checkedBy,
  checkKeys,
  checkOptions,
  func,
  integerAtLeast,
  integerIn,
  MAX_TIMER_MS,
  mustBe,
  nested,
  nonEmptyString,
  required,
  rule,
  withMethods,
  type Rule,
  type Rules,
} from '../ojai/check-options.js'
import type { AuthOptions } from './auth.js'
import type { FindLimits } from './find-limits.js'
import type { GatewayOptions, TlsOptions } from './gateway.js'
import { MAX_CLOCK_OFFSET_MS } from './hlc.js'
import type { OpLogLimits } from './oplog.js'
import type { ReplicationOptions } from './replication.js'

/**
 * A replication peer's address: `host:port`, an IPv6 host in brackets.
 * @category Internals
 */
export const PEER_ADDRESS = /^(\[[^\]]+\]|[^\s:[\]]+):\d{1,5}$/

const count = integerAtLeast(1)
const ms = integerIn(1, MAX_TIMER_MS)
const msOrZero = integerIn(0, MAX_TIMER_MS)
const pem = rule('PEM text or bytes', (v) => typeof v === 'string' || v instanceof Uint8Array)

/**
 * Credentials the gateway requires (`auth`, `replicationAuth`).
 * @category Internals
 */
export const AUTH: Rule = nested<AuthOptions>({
  user: required(nonEmptyString()),
  password: required(rule('a string', (v) => typeof v === 'string')),
  tokenTtlMs: ms,
})

/**
 * `'memory'` or `{ dir }` (LMDB in that directory): the storage a gateway, or every gateway of
 * `startClusters`, is started with.
 * @category Internals
 */
export const MEMORY_OR_DIR: Rule = checkedBy(`'memory' or { dir: '<directory>' }`, (value, name) => {
  if (value === 'memory') return
  if (typeof value !== 'object' || value === null) mustBe(name, MEMORY_OR_DIR.expects, value)
  checkKeys(name, value, ['dir'])
  nonEmptyString()(value.dir, `${name}.dir`)
})

/** `'memory'`, `{ dir }` or a storage engine (an object with the engine's methods). */
const STORAGE: Rule = checkedBy(`'memory', { dir: '<directory>' } or a storage engine`, (value, name) => {
  if (typeof value === 'object' && value !== null && typeof (value as { tableMeta?: unknown }).tableMeta === 'function') return
  if (value !== 'memory' && (typeof value !== 'object' || value === null)) mustBe(name, STORAGE.expects, value)
  MEMORY_OR_DIR(value, name)
})

const REPLICATION: Rules<Omit<ReplicationOptions, 'lagMs'>> = {
  batchSize: count,
  maxQueue: count,
  retryMinMs: ms,
  retryMaxMs: ms,
  heartbeatMs: ms,
  callTimeoutMs: ms,
  credentials: anObject('grpc ChannelCredentials'),
  channelOptions: anObject('an object of gRPC channel options'),
  authorization: nonEmptyString(),
}

const FIND_LIMITS: Rules<FindLimits> = {
  maxStreams: count,
  maxStreamsPerConnection: count,
  maxWaiting: count,
  maxBufferedBytes: count,
  maxSortBytes: count,
  sliceMs: rule(
    `a number of ms above 0, at most ${MAX_TIMER_MS}`,
    (v) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= MAX_TIMER_MS,
  ),
}

/**
 * The rules of every {@link GatewayOptions} key.
 * @category Internals
 */
export const GATEWAY_OPTIONS: Rules<GatewayOptions> = {
  port: integerIn(0, 65535),
  host: nonEmptyString(),
  storage: STORAGE,
  auth: AUTH,
  replicationAuth: AUTH,
  tls: nested<TlsOptions>({ cert: required(pem), key: required(pem) }),
  replicateTo: arrayOf(rule('a "host:port" address such as "127.0.0.1:5679"', (v) => typeof v === 'string' && PEER_ADDRESS.test(v))),
  replicationLagMs: msOrZero,
  replication: nested(REPLICATION),
  opLog: nested<OpLogLimits>({ retentionMs: ms, maxOps: count }),
  gatewayId: rule('a string of 1 to 255 bytes (UTF-8)', (v) => typeof v === 'string' && v !== '' && Buffer.byteLength(v, 'utf8') <= 255),
  findLimits: nested(FIND_LIMITS),
  maxMessageBytes: integerIn(1, MAX_TIMER_MS),
  closeGraceMs: msOrZero,
  logger: withMethods('a logger with debug, info, warn and error methods (pino fits)', ['debug', 'info', 'warn', 'error']),
  clock: func('a function returning the time in ms'),
  clockOffsetMs: integerIn(-MAX_CLOCK_OFFSET_MS, MAX_CLOCK_OFFSET_MS),
  random: func('a function returning a number in [0, 1)'),
}

/**
 * Checks gateway options; throws InvalidOptionsError. `what` names them in messages
 * (`startGateway options`, `startClusters gateway options`).
 * @category Internals
 */
export function checkGatewayOptions(what: string, options: GatewayOptions | undefined): void {
  checkOptions(what, options, GATEWAY_OPTIONS)
}
