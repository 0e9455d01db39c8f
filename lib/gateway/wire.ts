/**
 * The in-band error of protocol Section 4.1, shared by the unary handlers and Find streaming:
 * `RpcError` with its fields always present (the official Node client reads it unconditionally).
 */
import { FindResponseType, PayloadEncoding } from '../proto/constants.js'
import { wireCodeOf } from '../proto/error-codes.js'
import type { ErrorCode__Output } from '../proto/generated/com/mapr/data/db/ErrorCode.js'
import type { FindResponse } from '../proto/generated/com/mapr/data/db/FindResponse.js'
import { messageOf } from '../ojai/message-of.js'

/** `RpcError` with its fields always present. */
export interface WireError {
  readonly errCode: ErrorCode__Output
  readonly errorMessage: string
  readonly javaStackTrace: string
}

/** Shared and never mutated: serialisation only reads it. */
export const NO_ERROR: WireError = Object.freeze({ errCode: 0, errorMessage: '', javaStackTrace: '' })

const { JSON_ENCODING } = PayloadEncoding
const { UNKNOWN_TYPE } = FindResponseType

export function rpcError(errCode: number, message: string): WireError {
  return { errCode: errCode as ErrorCode__Output, errorMessage: message, javaStackTrace: '' }
}

/** The in-band error of any exception: its wire code and message. */
export function errorOf(error: unknown): WireError {
  const message = messageOf(error)
  return rpcError(wireCodeOf(error), message)
}

/** The one Find message that carries an error (type UNKNOWN_TYPE, no result). */
export function findError(error: WireError): FindResponse {
  return { error, payloadEncoding: JSON_ENCODING, type: UNKNOWN_TYPE }
}
