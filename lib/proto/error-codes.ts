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

/** The typed error for a non-zero `RpcError` from the gateway. */
export function errorFromWire(code: number, message: string): OjaiError {
  const text = message || wireErrorName(code)
  switch (code) {
    case WireErrorCode.TABLE_NOT_FOUND:
      return new TableNotFoundError(text)
    case WireErrorCode.IO_ERROR:
    case WireErrorCode.OUT_OF_MEMORY:
      return new ServerIoError(text)
    case WireErrorCode.ACCESS_DENIED:
      return new AccessDeniedError(text)
    case WireErrorCode.TABLE_ALREADY_EXISTS:
      return new TableExistsError(text)
    case WireErrorCode.INVALID_ARGUMENT:
    case WireErrorCode.UNKNOWN_PAYLOAD_ENCODING:
      return new InvalidArgumentError(text)
    case WireErrorCode.UNSUPPORTED_OPERATION:
      return new UnsupportedOperationError(text)
    case WireErrorCode.CLUSTER_NOT_FOUND:
      return new ClusterNotFoundError(text)
    case WireErrorCode.PATH_NOT_FOUND:
      return new PathNotFoundError(text)
    case WireErrorCode.DOCUMENT_ALREADY_EXISTS:
      return new DocumentExistsError(text)
    case WireErrorCode.DOCUMENT_NOT_FOUND:
      return new DocumentNotFoundError(text)
    case WireErrorCode.DECODING_ERROR:
      return new DecodingError(text)
    case WireErrorCode.ILLEGAL_MUTATION:
      return new IllegalMutationError(text)
    default:
      return new ServerError(`${wireErrorName(code)}: ${text}`, code)
  }
}

/** The wire code for an error raised while serving a request (unknown errors -> UNKNOWN_ERROR). */
export function wireCodeOf(error: unknown): number {
  if (!(error instanceof OjaiError)) return WireErrorCode.UNKNOWN_ERROR
  switch (error.code) {
    case 'TABLE_NOT_FOUND':
      return WireErrorCode.TABLE_NOT_FOUND
    case 'SERVER_IO_ERROR':
      return WireErrorCode.IO_ERROR
    case 'ACCESS_DENIED':
      return WireErrorCode.ACCESS_DENIED
    case 'TABLE_EXISTS':
      return WireErrorCode.TABLE_ALREADY_EXISTS
    case 'UNSUPPORTED_OPERATION':
      return WireErrorCode.UNSUPPORTED_OPERATION
    case 'CLUSTER_NOT_FOUND':
      return WireErrorCode.CLUSTER_NOT_FOUND
    case 'PATH_NOT_FOUND':
      return WireErrorCode.PATH_NOT_FOUND
    case 'DOCUMENT_EXISTS':
      return WireErrorCode.DOCUMENT_ALREADY_EXISTS
    case 'DOCUMENT_NOT_FOUND':
      return WireErrorCode.DOCUMENT_NOT_FOUND
    case 'DECODING_ERROR':
      return WireErrorCode.DECODING_ERROR
    case 'ILLEGAL_MUTATION':
      return WireErrorCode.ILLEGAL_MUTATION
    case 'SERVER_ERROR':
      return error instanceof ServerError && error.serverCode !== undefined ? error.serverCode : WireErrorCode.UNKNOWN_ERROR
    case 'INVALID_VALUE':
    case 'INVALID_DOCUMENT':
    case 'INVALID_ID':
    case 'INVALID_FIELD_PATH':
    case 'INVALID_CONDITION':
    case 'INVALID_MUTATION':
    case 'INVALID_QUERY':
    case 'INVALID_ARGUMENT':
      return WireErrorCode.INVALID_ARGUMENT
    default:
      return WireErrorCode.UNKNOWN_ERROR
  }
}
