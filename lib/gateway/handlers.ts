/**
 * `com.mapr.data.db.MapRDbServer` over a {@link Database}: the two error channels of protocol
 * Section 4.1. Business outcomes, including every validation failure and any unexpected
 * exception, travel in the response's `error` with gRPC status OK; `error` is always set
 * (NO_ERROR on success) because the official Node client reads it unconditionally. A write whose
 * caller cancelled it or whose deadline passed before it was applied is not applied and answers
 * CANCELLED or DEADLINE_EXCEEDED.
 */
import { PayloadEncoding } from '../proto/constants.js'
import type { MapRDbServerHandlers } from '../proto/index.js'
import type { FindByIdRequest__Output } from '../proto/generated/com/mapr/data/db/FindByIdRequest.js'
import type { FindByIdResponse } from '../proto/generated/com/mapr/data/db/FindByIdResponse.js'
import type { FindRequest__Output } from '../proto/generated/com/mapr/data/db/FindRequest.js'
import type { FindResponse } from '../proto/generated/com/mapr/data/db/FindResponse.js'
import * as grpc from '@grpc/grpc-js'
import { CallStatusError } from './call-guard.js'
import type { CallGuard } from './call-guard.js'
import { CallAbandonedError } from './database.js'
import type { AbandonCheck, Database } from './database.js'
import type { DocumentResponse, DocumentResponses } from './document-response.js'
import type { FindThrottle } from './find-limits.js'
import { streamFind } from './find-stream.js'
import { requireValidUtf8 } from './strict-utf8.js'
import { errorOf, findError, NO_ERROR, rpcError } from './wire.js'
import type { WireError } from './wire.js'

const { JSON_ENCODING } = PayloadEncoding

const errorOnly = (errCode: number, message: string) => ({ error: rpcError(errCode, message) })

/** Runs an operation that answers only `{ error }`. */
function outcome(run: () => Promise<void> | void): { error: WireError } | Promise<{ error: WireError }> {
  try {
    const done = run()
    if (done === undefined) return { error: NO_ERROR }
    return done.then(
      () => ({ error: NO_ERROR }),
      (error: unknown) => {
        // Not a business outcome: the caller is gone (or about to be told by grpc-js); a status.
        if (error instanceof CallAbandonedError) {
          throw new CallStatusError(error.reason === 'cancelled' ? grpc.status.CANCELLED : grpc.status.DEADLINE_EXCEEDED, error.message)
        }
        return { error: errorOf(error) }
      },
    )
  } catch (error) {
    return { error: errorOf(error) }
  }
}

/**
 * Whether the client gave up on a call: it cancelled it, or its deadline passed. Checked right
 * before a write commits, so a request held up in the network or in a paused process, whose
 * client already timed out (and maybe wrote elsewhere), is not applied late.
 */
function abandonCheck(call: grpc.ServerUnaryCall<unknown, unknown>): AbandonCheck {
  return () => {
    if (call.cancelled) return 'cancelled'
    const deadline = call.getDeadline()
    const ms = deadline instanceof Date ? deadline.getTime() : deadline
    return Number.isFinite(ms) && Date.now() >= ms ? 'deadline' : undefined
  }
}

/** The request, once its text is known to have been valid UTF-8 on the wire (else INVALID_ARGUMENT). */
function valid<R>(request: R): R {
  requireValidUtf8(request)
  return request
}

/**
 * The service's handlers. FindById and Find answer a found document with a {@link DocumentResponse}
 * (already serialised), so the service they serve must pass those through
 * (`acceptingDocumentResponses`).
 */
export type GatewayHandlers = Omit<MapRDbServerHandlers, 'FindById' | 'Find'> & {
  readonly FindById: grpc.handleUnaryCall<FindByIdRequest__Output, FindByIdResponse | DocumentResponse>
  readonly Find: grpc.handleServerStreamingCall<FindRequest__Output, FindResponse | DocumentResponse>
}

export function createHandlers(db: Database, guard: CallGuard, throttle: FindThrottle, responses: DocumentResponses): GatewayHandlers {
  return {
    Ping: guard.unary(
      'Ping',
      () => ({}),
      () => ({}),
    ),
    CreateTable: guard.unary('CreateTable', errorOnly, (r) => outcome(() => db.createTable(valid(r).tablePath))),
    DeleteTable: guard.unary('DeleteTable', errorOnly, (r) => outcome(() => db.deleteTable(valid(r).tablePath))),
    TableExists: guard.unary('TableExists', errorOnly, (r) => outcome(() => db.tableExists(valid(r).tablePath))),
    InsertOrReplace: guard.unary('InsertOrReplace', errorOnly, (r, call) =>
      outcome(() => db.insertOrReplace(valid(r), abandonCheck(call))),
    ),
    Update: guard.unary('Update', errorOnly, (r, call) => outcome(() => db.update(valid(r), abandonCheck(call)))),
    Delete: guard.unary('Delete', errorOnly, (r, call) => outcome(() => db.delete(valid(r), abandonCheck(call)))),
    FindById: guard.unary<FindByIdRequest__Output, FindByIdResponse | DocumentResponse>(
      'FindById',
      (errCode, message) => ({ error: rpcError(errCode, message), payloadEncoding: JSON_ENCODING }),
      (r) => {
        try {
          return responses.findById(db.findById(valid(r)))
        } catch (error) {
          return { error: errorOf(error), payloadEncoding: JSON_ENCODING }
        }
      },
    ),
    Find: guard.streaming<FindRequest__Output, FindResponse | DocumentResponse>(
      'Find',
      (errCode, message) => findError(rpcError(errCode, message)),
      (call) => streamFind(db, throttle, responses, call),
    ),
  }
}
