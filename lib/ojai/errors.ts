/**
 * One error hierarchy for the whole library. Every error has a stable `code` to switch on and a
 * message that says what to fix.
 *
 * Two families matter to failover:
 * - **answers**: the cluster is up and said no (document exists, not found, invalid argument,
 *   access denied…). Another cluster would say the same; these never switch cluster.
 * - **availability** errors: the cluster may be down or slow (unavailable, deadline exceeded,
 *   resource exhausted, server I/O error, timeout). Only these can trigger failover, and
 *   {@link isAvailabilityError} is the one predicate that says so.
 */

/** @category Errors */
export type ErrorCode =
  // bad input, rejected before anything is sent
  | 'INVALID_VALUE'
  | 'INVALID_DOCUMENT'
  | 'INVALID_ID'
  | 'INVALID_FIELD_PATH'
  | 'INVALID_CONDITION'
  | 'INVALID_MUTATION'
  | 'INVALID_QUERY'
  | 'INVALID_CONNECTION_STRING'
  | 'INVALID_OPTIONS'
  | 'DOCUMENT_TOO_LARGE'
  | 'DECODING_ERROR'
  // set-up: an optional package a feature needs is not installed
  | 'MISSING_DEPENDENCY'
  // answers from a cluster that is up
  | 'DOCUMENT_EXISTS'
  | 'DOCUMENT_NOT_FOUND'
  | 'TABLE_NOT_FOUND'
  | 'TABLE_EXISTS'
  | 'PATH_NOT_FOUND'
  | 'CLUSTER_NOT_FOUND'
  | 'ACCESS_DENIED'
  | 'INVALID_ARGUMENT'
  | 'ILLEGAL_MUTATION'
  | 'UNSUPPORTED_OPERATION'
  | 'SERVER_ERROR'
  | 'AUTHENTICATION_FAILED'
  | 'CLOSED'
  // availability: this cluster may be down or slow
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'RESOURCE_EXHAUSTED'
  | 'SERVER_IO_ERROR'
  | 'TIMEOUT'
  // failover outcome
  | 'FAILOVER'
  | 'RESUME_NOT_POSSIBLE'
  | 'UNSETTLED_WRITE'
  | 'PENDING_WRITE'
  | 'UNKNOWN_CLUSTER'

/** @category Errors */
export interface OjaiErrorOptions {
  cause?: unknown
}

/**
 * Base of every error the library throws.
 * @category Errors
 */
export abstract class OjaiError extends Error {
  abstract readonly code: ErrorCode
  /** True when the error means "this cluster may be down or slow" rather than an answer. */
  readonly availability: boolean = false

  constructor(message: string, options?: OjaiErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
  }
}

// ---------------------------------------------------------------------------------------------
// Bad input

/**
 * A value that is not a legal OJAI value (e.g. an OInt out of range, a function, NaN).
 * @category Errors
 */
export class InvalidValueError extends OjaiError {
  readonly code = 'INVALID_VALUE'
}

/**
 * A document that cannot be stored (not a map, missing `_id`, unsupported field value).
 * @category Errors
 */
export class InvalidDocumentError extends OjaiError {
  readonly code = 'INVALID_DOCUMENT'
}

/**
 * A document key that is neither a non-empty string nor binary.
 * @category Errors
 */
export class InvalidIdError extends OjaiError {
  readonly code = 'INVALID_ID'
}

/**
 * A field path that does not parse. `position` is the 0-based index of the offending character.
 * @category Errors
 */
export class InvalidFieldPathError extends OjaiError {
  readonly code = 'INVALID_FIELD_PATH'
  readonly path: string
  readonly position: number
  constructor(path: string, position: number, reason: string, options?: OjaiErrorOptions) {
    super(
      `invalid field path ${JSON.stringify(path)} at character ${position + 1}: ${reason}\n  ${path}\n  ${' '.repeat(position)}^`,
      options,
    )
    this.path = path
    this.position = position
  }
}

/**
 * A query condition that is not well formed.
 * @category Errors
 */
export class InvalidConditionError extends OjaiError {
  readonly code = 'INVALID_CONDITION'
}

/**
 * A mutation that is not well formed.
 * @category Errors
 */
export class InvalidMutationError extends OjaiError {
  readonly code = 'INVALID_MUTATION'
}

/**
 * A query that is not well formed.
 * @category Errors
 */
export class InvalidQueryError extends OjaiError {
  readonly code = 'INVALID_QUERY'
}

/**
 * A connection string that does not follow the grammar or the official clients' rules.
 * @category Errors
 */
export class InvalidConnectionStringError extends OjaiError {
  readonly code = 'INVALID_CONNECTION_STRING'
}

/**
 * An options object with a value out of its domain.
 * @category Errors
 */
export class InvalidOptionsError extends OjaiError {
  readonly code = 'INVALID_OPTIONS'
}

/**
 * A request or response over a message size limit: the client's own limit (checked before anything
 * is sent), or the gateway's (it refused the request, or could not send the answer). An answer,
 * never an availability error: every cluster has the same limit, so failing over cannot help.
 * @category Errors
 */
export class DocumentTooLargeError extends OjaiError {
  readonly code = 'DOCUMENT_TOO_LARGE'
  /** The encoded size in bytes, when known. */
  readonly bytes: number | undefined
  /** The limit in bytes, when known. */
  readonly limitBytes: number | undefined
  constructor(message: string, sizes: { bytes?: number; limitBytes?: number } = {}, options?: OjaiErrorOptions) {
    super(message, options)
    this.bytes = sizes.bytes
    this.limitBytes = sizes.limitBytes
  }
}

/**
 * Extended JSON that cannot be decoded (syntax error, bad tag payload).
 * @category Errors
 */
export class DecodingError extends OjaiError {
  readonly code = 'DECODING_ERROR'
}

/**
 * A feature needs an optional package that is not installed, e.g. the embedded gateway's durable
 * storage needs `lmdb`. The message says what to install; nothing was started.
 * @category Errors
 */
export class MissingDependencyError extends OjaiError {
  readonly code = 'MISSING_DEPENDENCY'
  /** @param packageName The npm package to install. */
  constructor(
    message: string,
    readonly packageName: string,
    options?: OjaiErrorOptions,
  ) {
    super(message, options)
  }
}

// ---------------------------------------------------------------------------------------------
// Answers from a cluster that is up

/** @category Errors */
export class DocumentExistsError extends OjaiError {
  readonly code = 'DOCUMENT_EXISTS'
}

/** @category Errors */
export class DocumentNotFoundError extends OjaiError {
  readonly code = 'DOCUMENT_NOT_FOUND'
}

/** @category Errors */
export class TableNotFoundError extends OjaiError {
  readonly code = 'TABLE_NOT_FOUND'
}

/** @category Errors */
export class TableExistsError extends OjaiError {
  readonly code = 'TABLE_EXISTS'
}

/** @category Errors */
export class PathNotFoundError extends OjaiError {
  readonly code = 'PATH_NOT_FOUND'
}

/** @category Errors */
export class ClusterNotFoundError extends OjaiError {
  readonly code = 'CLUSTER_NOT_FOUND'
}

/** @category Errors */
export class AccessDeniedError extends OjaiError {
  readonly code = 'ACCESS_DENIED'
}

/**
 * The server rejected a request parameter.
 * @category Errors
 */
export class InvalidArgumentError extends OjaiError {
  readonly code = 'INVALID_ARGUMENT'
}

/**
 * A well-formed mutation that cannot be applied to the stored document (e.g. incrementing a string).
 * @category Errors
 */
export class IllegalMutationError extends OjaiError {
  readonly code = 'ILLEGAL_MUTATION'
}

/** @category Errors */
export class UnsupportedOperationError extends OjaiError {
  readonly code = 'UNSUPPORTED_OPERATION'
}

/**
 * An unexpected server-side failure reported as an answer (UNKNOWN_ERROR, ENCODING_ERROR…).
 * @category Errors
 */
export class ServerError extends OjaiError {
  readonly code = 'SERVER_ERROR'
  /** The gateway's numeric error code, when there was one. */
  readonly serverCode: number | undefined
  constructor(message: string, serverCode?: number, options?: OjaiErrorOptions) {
    super(message, options)
    this.serverCode = serverCode
  }
}

/**
 * Wrong credentials, or a token the server no longer accepts after re-authentication.
 * @category Errors
 */
export class AuthenticationError extends OjaiError {
  readonly code = 'AUTHENTICATION_FAILED'
}

/**
 * The connection or store was closed by the application.
 * @category Errors
 */
export class ClosedError extends OjaiError {
  readonly code = 'CLOSED'
}

// ---------------------------------------------------------------------------------------------
// Availability: this cluster may be down or slow

/** @category Errors */
export interface UnavailableErrorOptions extends OjaiErrorOptions {
  /**
   * True when the request provably never reached the server (connection refused, no connection
   * established). Only then may a non-idempotent write be repeated on another cluster.
   */
  unsent?: boolean
}

/** @category Errors */
export class UnavailableError extends OjaiError {
  readonly code = 'UNAVAILABLE'
  override readonly availability = true
  readonly unsent: boolean
  constructor(message: string, options?: UnavailableErrorOptions) {
    super(message, options)
    this.unsent = options?.unsent ?? false
  }
}

/** @category Errors */
export class DeadlineExceededError extends OjaiError {
  readonly code = 'DEADLINE_EXCEEDED'
  override readonly availability = true
}

/** @category Errors */
export class ResourceExhaustedError extends OjaiError {
  readonly code = 'RESOURCE_EXHAUSTED'
  override readonly availability = true
}

/**
 * The gateway answered IO_ERROR or OUT_OF_MEMORY: the cluster behind it is in trouble.
 * @category Errors
 */
export class ServerIoError extends OjaiError {
  readonly code = 'SERVER_IO_ERROR'
  override readonly availability = true
}

/**
 * No answer within the time the caller allowed.
 * @category Errors
 */
export class TimeoutError extends OjaiError {
  readonly code = 'TIMEOUT'
  override readonly availability = true
  readonly timeoutMs: number
  constructor(message: string, timeoutMs: number, options?: OjaiErrorOptions) {
    super(message, options)
    this.timeoutMs = timeoutMs
  }
}

/**
 * True when `error` means "this cluster may be down or slow": the only errors that may fail over.
 * @category Errors
 */
export function isAvailabilityError(error: unknown): boolean {
  return error instanceof OjaiError && error.availability
}

/**
 * True when `error` proves the request never reached the server.
 * @category Errors
 */
export function isUnsent(error: unknown): boolean {
  return error instanceof UnavailableError && error.unsent
}
