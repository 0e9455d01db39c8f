/**
 * The answers that carry one stored document (a FindById hit, a Find result), serialised straight
 * from the document's extended-JSON text: no protobufjs object, no writer, one UTF-8 pass.
 *
 * The stored text is already the wire form (the canonical extended JSON the driver decodes,
 * `$date`, `$numberLong` and the other tags included), so when no projection applies it goes out
 * as stored. Such an answer's message is a prefix, computed once with the service's own serialiser
 * (so it cannot drift from it): the bytes protobufjs writes for
 * `{ error: NO_ERROR, payloadEncoding: JSON_ENCODING[, type: RESULT_DOCUMENT] }`; then field 30,
 * the document, the last field in field-number order, where protobufjs writes it too. The result is
 * byte for byte what the service's serialiser would produce for the same answer
 * (spec/gateway/document-response.spec.ts). Every other answer goes through that serialiser.
 *
 * ```
 * stored text ──► [ prefix | 0xF2 0x01 | varint length | UTF-8 of the text ] ──► grpc-js framing
 * ```
 */
import type * as grpc from '@grpc/grpc-js'
import { FindResponseType, PayloadEncoding } from '../proto/constants.js'
import { NO_ERROR } from './wire.js'

/** One answer carrying a document, already serialised: grpc-js sends its bytes as they are. */
export class DocumentResponse {
  private constructor(readonly bytes: Buffer) {}

  /** The message `prefix` + field 30 = `text` (wire type 2: tag byte 0xF2 0x01, then its length). */
  static of(prefix: Buffer, text: string): DocumentResponse {
    const length = Buffer.byteLength(text, 'utf8')
    const bytes = Buffer.allocUnsafe(prefix.length + 2 + varintLength(length) + length)
    prefix.copy(bytes, 0)
    let at = prefix.length
    bytes[at++] = 0xf2
    bytes[at++] = 0x01
    for (let v = length; ; v = Math.floor(v / 128)) {
      if (v < 0x80) {
        bytes[at++] = v
        break
      }
      bytes[at++] = (v % 128) | 0x80
    }
    bytes.write(text, at, 'utf8')
    return new DocumentResponse(bytes)
  }
}

function varintLength(n: number): number {
  let length = 1
  for (let v = n; v >= 0x80; v = Math.floor(v / 128)) length++
  return length
}

const { JSON_ENCODING } = PayloadEncoding
const { RESULT_DOCUMENT } = FindResponseType

/** The RPCs whose answers may be a {@link DocumentResponse}. */
const DOCUMENT_RPCS = ['FindById', 'Find'] as const

/** Builds the answers carrying a document, for one service definition (the gateway's `MapRDbServer`). */
export class DocumentResponses {
  private readonly findByIdPrefix: Buffer
  private readonly findPrefix: Buffer

  constructor(service: grpc.ServiceDefinition) {
    const serialize = (rpc: (typeof DOCUMENT_RPCS)[number], value: object) =>
      (service[rpc] as grpc.MethodDefinition<object, object>).responseSerialize(value)
    this.findByIdPrefix = serialize('FindById', { error: NO_ERROR, payloadEncoding: JSON_ENCODING })
    this.findPrefix = serialize('Find', { error: NO_ERROR, payloadEncoding: JSON_ENCODING, type: RESULT_DOCUMENT })
  }

  /** A FindById hit: NO_ERROR, JSON encoding, the document. */
  findById(text: string): DocumentResponse {
    return DocumentResponse.of(this.findByIdPrefix, text)
  }

  /** A Find result: NO_ERROR, JSON encoding, RESULT_DOCUMENT, the document. */
  findResult(text: string): DocumentResponse {
    return DocumentResponse.of(this.findPrefix, text)
  }
}

/**
 * `service` with the FindById and Find response serialisers passing a {@link DocumentResponse}'s
 * bytes through as they are; every other answer is serialised as before.
 */
export function acceptingDocumentResponses<S extends grpc.ServiceDefinition>(service: S): S {
  const wrapped: Record<string, grpc.MethodDefinition<object, object>> = { ...service }
  for (const rpc of DOCUMENT_RPCS) {
    const method = service[rpc] as grpc.MethodDefinition<object, object>
    const serialize = method.responseSerialize
    wrapped[rpc] = {
      ...method,
      responseSerialize: (value: object) => (value instanceof DocumentResponse ? value.bytes : serialize(value)),
    }
  }
  return wrapped as S
}
