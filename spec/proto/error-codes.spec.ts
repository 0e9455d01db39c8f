/**
 * The one mapping between the wire's `ErrorCode` and the library's typed errors: every code of
 * the .proto to its error (the driver's side), every error back to its code (the gateway's side),
 * and both round trips, with the places where the mapping is knowingly many-to-one named.
 */
import { describe, expect, it } from 'vitest'
import {
  AccessDeniedError,
  ClosedError,
  ClusterNotFoundError,
  DecodingError,
  DocumentExistsError,
  DocumentNotFoundError,
  IllegalMutationError,
  InvalidArgumentError,
  InvalidConditionError,
  InvalidDocumentError,
  InvalidFieldPathError,
  InvalidIdError,
  InvalidMutationError,
  InvalidQueryError,
  InvalidValueError,
  type OjaiError,
  PathNotFoundError,
  ServerError,
  ServerIoError,
  TableExistsError,
  TableNotFoundError,
  UnsupportedOperationError,
} from '../../lib/ojai/errors.js'
import { errorFromWire, WireErrorCode, wireCodeOf, wireErrorName } from '../../lib/proto/error-codes.js'
import { packageDefinition } from '../../lib/proto/index.js'

type ErrorClass = abstract new (...args: never[]) => OjaiError
type CodeName = keyof typeof WireErrorCode

/** Every error code of the .proto but NO_ERROR: the typed error the driver raises, and its `code`. */
const FROM_WIRE: Readonly<Record<Exclude<CodeName, 'NO_ERROR'>, readonly [ErrorClass, string]>> = {
  TABLE_NOT_FOUND: [TableNotFoundError, 'TABLE_NOT_FOUND'],
  IO_ERROR: [ServerIoError, 'SERVER_IO_ERROR'],
  OUT_OF_MEMORY: [ServerIoError, 'SERVER_IO_ERROR'],
  ACCESS_DENIED: [AccessDeniedError, 'ACCESS_DENIED'],
  TABLE_ALREADY_EXISTS: [TableExistsError, 'TABLE_EXISTS'],
  INVALID_ARGUMENT: [InvalidArgumentError, 'INVALID_ARGUMENT'],
  UNSUPPORTED_OPERATION: [UnsupportedOperationError, 'UNSUPPORTED_OPERATION'],
  UNKNOWN_ERROR: [ServerError, 'SERVER_ERROR'],
  UNKNOWN_PAYLOAD_ENCODING: [InvalidArgumentError, 'INVALID_ARGUMENT'],
  CLUSTER_NOT_FOUND: [ClusterNotFoundError, 'CLUSTER_NOT_FOUND'],
  PATH_NOT_FOUND: [PathNotFoundError, 'PATH_NOT_FOUND'],
  DOCUMENT_ALREADY_EXISTS: [DocumentExistsError, 'DOCUMENT_EXISTS'],
  DOCUMENT_NOT_FOUND: [DocumentNotFoundError, 'DOCUMENT_NOT_FOUND'],
  ENCODING_ERROR: [ServerError, 'SERVER_ERROR'],
  DECODING_ERROR: [DecodingError, 'DECODING_ERROR'],
  ILLEGAL_MUTATION: [IllegalMutationError, 'ILLEGAL_MUTATION'],
}

/** The codes that share an error with another code, and the code that error goes back as. */
const MANY_TO_ONE: Readonly<Partial<Record<CodeName, CodeName>>> = {
  OUT_OF_MEMORY: 'IO_ERROR',
  UNKNOWN_PAYLOAD_ENCODING: 'INVALID_ARGUMENT',
}

const names = Object.keys(FROM_WIRE) as (keyof typeof FROM_WIRE)[]

describe('WireErrorCode', () => {
  it('is the ErrorCode enum of maprdb-server.proto, name for name and number for number', () => {
    const protoEnum = packageDefinition['com.mapr.data.db.ErrorCode'] as unknown as {
      type: { value: readonly { name: string; number: number }[] }
    }
    expect(Object.fromEntries(protoEnum.type.value.map((v) => [v.name, v.number]))).toEqual(WireErrorCode)
    // And the table below covers every one of them.
    expect(['NO_ERROR', ...names].sort()).toEqual(Object.keys(WireErrorCode).sort())
  })

  it('names a code, and an unknown number as such', () => {
    expect(wireErrorName(281)).toBe('DOCUMENT_NOT_FOUND')
    expect(wireErrorName(999)).toBe('ErrorCode 999')
  })
})

describe('errorFromWire (the driver: code -> typed error)', () => {
  it.each(names)('%s -> its typed error, with the gateway message', (name) => {
    const [type, code] = FROM_WIRE[name]
    const error = errorFromWire(WireErrorCode[name], `gateway says ${name}`)
    expect(error).toBeInstanceOf(type)
    expect(error.code).toBe(code)
    expect(error.message).toContain(`gateway says ${name}`)
  })

  it('CLUSTER_NOT_FOUND -> ClusterNotFoundError and PATH_NOT_FOUND -> PathNotFoundError, not a generic ServerError', () => {
    expect(errorFromWire(270, 'no cluster c9')).toEqual(new ClusterNotFoundError('no cluster c9'))
    expect(errorFromWire(271, 'no path /a/b')).toEqual(new PathNotFoundError('no path /a/b'))
  })

  it('an empty message is replaced by the code name', () => {
    for (const name of names) expect(errorFromWire(WireErrorCode[name], '').message).toContain(name)
  })

  it('a code without a typed error is a ServerError that keeps the number', () => {
    const encoding = errorFromWire(WireErrorCode.ENCODING_ERROR, 'bad bytes')
    expect(encoding).toBeInstanceOf(ServerError)
    expect((encoding as ServerError).serverCode).toBe(290)
    expect(encoding.message).toBe('ENCODING_ERROR: bad bytes')
    const unknown = errorFromWire(999, 'from a newer gateway')
    expect(unknown).toBeInstanceOf(ServerError)
    expect((unknown as ServerError).serverCode).toBe(999)
    expect(unknown.message).toBe('ErrorCode 999: from a newer gateway')
  })
})

describe('wireCodeOf (the gateway: error -> code)', () => {
  it.each<[string, unknown, CodeName]>([
    ['TableNotFoundError', new TableNotFoundError('t'), 'TABLE_NOT_FOUND'],
    ['ServerIoError', new ServerIoError('io'), 'IO_ERROR'],
    ['AccessDeniedError', new AccessDeniedError('no'), 'ACCESS_DENIED'],
    ['TableExistsError', new TableExistsError('t'), 'TABLE_ALREADY_EXISTS'],
    ['UnsupportedOperationError', new UnsupportedOperationError('u'), 'UNSUPPORTED_OPERATION'],
    ['ClusterNotFoundError', new ClusterNotFoundError('c'), 'CLUSTER_NOT_FOUND'],
    ['PathNotFoundError', new PathNotFoundError('p'), 'PATH_NOT_FOUND'],
    ['DocumentExistsError', new DocumentExistsError('d'), 'DOCUMENT_ALREADY_EXISTS'],
    ['DocumentNotFoundError', new DocumentNotFoundError('d'), 'DOCUMENT_NOT_FOUND'],
    ['DecodingError', new DecodingError('d'), 'DECODING_ERROR'],
    ['IllegalMutationError', new IllegalMutationError('m'), 'ILLEGAL_MUTATION'],
    ['InvalidArgumentError', new InvalidArgumentError('a'), 'INVALID_ARGUMENT'],
    ['InvalidValueError', new InvalidValueError('v'), 'INVALID_ARGUMENT'],
    ['InvalidDocumentError', new InvalidDocumentError('d'), 'INVALID_ARGUMENT'],
    ['InvalidIdError', new InvalidIdError('i'), 'INVALID_ARGUMENT'],
    ['InvalidFieldPathError', new InvalidFieldPathError('a..b', 2, 'empty segment'), 'INVALID_ARGUMENT'],
    ['InvalidConditionError', new InvalidConditionError('c'), 'INVALID_ARGUMENT'],
    ['InvalidMutationError', new InvalidMutationError('m'), 'INVALID_ARGUMENT'],
    ['InvalidQueryError', new InvalidQueryError('q'), 'INVALID_ARGUMENT'],
    ['ServerError without a code', new ServerError('s'), 'UNKNOWN_ERROR'],
    ['ServerError with ENCODING_ERROR', new ServerError('s', 290), 'ENCODING_ERROR'],
    ['an OjaiError with no wire code (ClosedError)', new ClosedError('closed'), 'UNKNOWN_ERROR'],
    ['a plain Error', new Error('boom'), 'UNKNOWN_ERROR'],
    ['a thrown string', 'boom', 'UNKNOWN_ERROR'],
  ])('%s -> %s', (_, error, name) => {
    expect(wireCodeOf(error)).toBe(WireErrorCode[name])
  })
})

describe('round trips', () => {
  it.each(names)('code %s -> error -> the same code (or the one it shares an error with)', (name) => {
    const back = wireCodeOf(errorFromWire(WireErrorCode[name], 'm'))
    expect(back).toBe(WireErrorCode[MANY_TO_ONE[name] ?? name])
  })

  it('an unknown code survives the round trip', () => {
    expect(wireCodeOf(errorFromWire(999, 'm'))).toBe(999)
  })

  it.each(names.filter((name) => MANY_TO_ONE[name] === undefined))(
    'error of %s -> code -> an error of the same class and code, with the same message',
    (name) => {
      const original = errorFromWire(WireErrorCode[name], `message of ${name}`)
      const again = errorFromWire(wireCodeOf(original), original.message)
      expect(again.constructor).toBe(original.constructor)
      expect(again.code).toBe(original.code)
      expect(again.message).toBe(name === 'UNKNOWN_ERROR' || name === 'ENCODING_ERROR' ? `${name}: ${original.message}` : original.message)
    },
  )
})
