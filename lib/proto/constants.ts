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

// The enums of `maprdb-server.proto`, as numbers (the loader's `enums: Number`): the generated
// objects, plain data like everything here.
export { FindResponseType } from './generated/com/mapr/data/db/FindResponseType.js'
export { InsertMode } from './generated/com/mapr/data/db/InsertMode.js'
export { PayloadEncoding } from './generated/com/mapr/data/db/PayloadEncoding.js'
