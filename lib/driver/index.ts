/**
 * The reactive OJAI driver: one gateway, every operation a cold Observable. The only client code
 * that imports @grpc/grpc-js.
 */
export { connect, Connection, type ConnectionInfo } from './connection.js'
export { DocumentStore, type FindEvent } from './document-store.js'
export {
  parseConnectionString,
  redactConnectionString,
  DEFAULT_GATEWAY_PORT,
  CONNECTION_OPTIONS,
  MAX_CREDENTIALS_BYTES,
  type ConnectionSettings,
  type ParseOptions,
} from './connection-string.js'
export {
  type ConnectOptions,
  type TlsOptions,
  CONNECT_OPTIONS,
  DEFAULT_DEADLINE_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_CHANNEL_OPTIONS,
  GATEWAY_MAX_MESSAGE_BYTES,
} from './options.js'
export { type CancelBudgetOptions, DEFAULT_CANCEL_BUDGET } from './cancel-budget.js'
export {
  errorFromStatus,
  provesUnsent,
  classifyStatus,
  isTransportFailure,
  type FailureKind,
  type StatusContext,
  type StatusLike,
} from './status-errors.js'
export { isAvailabilityError, isUnsent } from '../ojai/errors.js'
