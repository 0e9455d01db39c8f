/**
 * The one mapping between the wire's `ErrorCode` numbers and the library's typed errors, used by
 * the driver (code -> error) and the embedded gateway (error -> code). Pure: no grpc here.
 */
import {
  AccessDeniedError,
  ClusterNotFoundError,
  DecodingError,
  DocumentExistsError,
  DocumentNotFoundError,
  IllegalMutationError,
  InvalidArgumentError,
  OjaiError,
  PathNotFoundError,
  ServerError,
  ServerIoError,
  TableExistsError,
  TableNotFoundError,
  UnsupportedOperationError,
} from '../ojai/errors.js'
import { ErrorCode } from './generated/com/mapr/data/db/ErrorCode.js'

/** `ErrorCode` numbers: the object generated from the .proto (plain data, no grpc). */
export const WireErrorCode = ErrorCode

const NAMES = new Map<number, string>(Object.entries(WireErrorCode).map(([k, v]) => [v, k]))

/** The `ErrorCode` name of a number, e.g. 281 -> `DOCUMENT_NOT_FOUND`. */
export function wireErrorName(code: number): string {
  return NAMES.get(code) ?? `ErrorCode ${code}`
}

/**
 * The wire codes that have a typed error, read both ways: a code becomes its error
 * ({@link errorFromWire}); an error goes back as the first code listed with its `code`
 * ({@link wireCodeOf}), so OUT_OF_MEMORY returns as IO_ERROR and UNKNOWN_PAYLOAD_ENCODING as
 * INVALID_ARGUMENT. Every other code is a ServerError that keeps the number.
 */
const TYPED: readonly (readonly [wire: number, type: new (message: string) => OjaiError, code: OjaiError['code']])[] = [
  [WireErrorCode.TABLE_NOT_FOUND, TableNotFoundError, 'TABLE_NOT_FOUND'],
  [WireErrorCode.IO_ERROR, ServerIoError, 'SERVER_IO_ERROR'],
  [WireErrorCode.OUT_OF_MEMORY, ServerIoError, 'SERVER_IO_ERROR'],
  [WireErrorCode.ACCESS_DENIED, AccessDeniedError, 'ACCESS_DENIED'],
  [WireErrorCode.TABLE_ALREADY_EXISTS, TableExistsError, 'TABLE_EXISTS'],
  [WireErrorCode.INVALID_ARGUMENT, InvalidArgumentError, 'INVALID_ARGUMENT'],
  [WireErrorCode.UNKNOWN_PAYLOAD_ENCODING, InvalidArgumentError, 'INVALID_ARGUMENT'],
  [WireErrorCode.UNSUPPORTED_OPERATION, UnsupportedOperationError, 'UNSUPPORTED_OPERATION'],
  [WireErrorCode.CLUSTER_NOT_FOUND, ClusterNotFoundError, 'CLUSTER_NOT_FOUND'],
  [WireErrorCode.PATH_NOT_FOUND, PathNotFoundError, 'PATH_NOT_FOUND'],
  [WireErrorCode.DOCUMENT_ALREADY_EXISTS, DocumentExistsError, 'DOCUMENT_EXISTS'],
  [WireErrorCode.DOCUMENT_NOT_FOUND, DocumentNotFoundError, 'DOCUMENT_NOT_FOUND'],
  [WireErrorCode.DECODING_ERROR, DecodingError, 'DECODING_ERROR'],
  [WireErrorCode.ILLEGAL_MUTATION, IllegalMutationError, 'ILLEGAL_MUTATION'],
]

/** Bad input a request carried: each goes back as INVALID_ARGUMENT. */
const INVALID_INPUT: readonly OjaiError['code'][] = [
  'INVALID_VALUE',
  'INVALID_DOCUMENT',
  'INVALID_ID',
  'INVALID_FIELD_PATH',
  'INVALID_CONDITION',
  'INVALID_MUTATION',
  'INVALID_QUERY',
]

/** The typed error for a non-zero `RpcError` from the gateway. */
export function errorFromWire(code: number, message: string): OjaiError {
  const text = message || wireErrorName(code)
  const type = TYPED.find(([wire]) => wire === code)?.[1]
  return type === undefined ? new ServerError(`${wireErrorName(code)}: ${text}`, code) : new type(text)
}

/** The wire code for an error raised while serving a request (unknown errors -> UNKNOWN_ERROR). */
export function wireCodeOf(error: unknown): number {
  if (!(error instanceof OjaiError)) return WireErrorCode.UNKNOWN_ERROR
  if (error instanceof ServerError) return error.serverCode ?? WireErrorCode.UNKNOWN_ERROR
  if (INVALID_INPUT.includes(error.code)) return WireErrorCode.INVALID_ARGUMENT
  return TYPED.find(([, , code]) => code === error.code)?.[0] ?? WireErrorCode.UNKNOWN_ERROR
}
