/**
 * Names and numbers of the gateway protocol, in a module of their own, free of the proto
 * loading of `index.ts`: a parser or a handler uses them without loading the definition.
 */

/** Metadata key of the credentials (basic, or the bearer token). */
export const AUTHORIZATION = 'authorization'
/** Response header carrying the bearer token. */
export const BEARER_TOKEN = 'bearer-token'
/** Status details of an UNAUTHENTICATED status that means "re-authenticate with basic credentials". */
export const TOKEN_EXPIRED = 'STATUS_TOKEN_EXPIRED'
/** The gateway's default port. */
export const DEFAULT_PORT = 5678

/** The enums of `maprdb-server.proto`, as numbers (the loader's `enums: Number`). */
export const PayloadEncoding = { UNKNOWN_ENCODING: 0, JSON_ENCODING: 1 } as const
export const InsertMode = { UNKNOWN_MODE: 0, INSERT_OR_REPLACE: 1, INSERT: 2, REPLACE: 3 } as const
export const FindResponseType = { UNKNOWN_TYPE: 0, RESULT_DOCUMENT: 1, QUERY_PLAN: 2 } as const
