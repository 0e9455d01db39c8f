/**
 * The reactive OJAI driver: one gateway, every operation a cold Observable. The only client code
 * that imports @grpc/grpc-js.
 */
export { connect, Connection, type ConnectionInfo } from './connection.js'
export { DocumentStore, type FindEvent } from './document-store.js'
export { parseConnectionString, redactConnectionString, DEFAULT_GATEWAY_PORT, CONNECTION_OPTIONS, type ConnectionSettings } from './connection-string.js'
export { type ConnectOptions, type TlsOptions, DEFAULT_DEADLINE_MS, DEFAULT_CHANNEL_OPTIONS } from './options.js'
export { errorFromStatus, provesUnsent } from './status-errors.js'
export { isAvailabilityError, isUnsent } from '../ojai/errors.js'
