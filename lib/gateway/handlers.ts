/**
 * `com.mapr.data.db.MapRDbServer` over a {@link Database}: the two error channels of protocol
 * Section 4.1. Business outcomes, including every validation failure and any unexpected
 * exception, travel in the response's `error` with gRPC status OK; `error` is always set
 * (NO_ERROR on success) because the official Node client reads it unconditionally. A write whose
 * caller cancelled it or whose deadline passed before it was applied is not applied and answers
 * CANCELLED or DEADLINE_EXCEEDED.
 */
import { wireCodeOf } from '../proto/error-codes.js'
import type { MapRDbServerHandlers } from '../proto/index.js'
import type { FindRequest__Output } from '../proto/generated/com/mapr/data/db/FindRequest.js'
import type { FindResponse } from '../proto/generated/com/mapr/data/db/FindResponse.js'
import type { ErrorCode__Output } from '../proto/generated/com/mapr/data/db/ErrorCode.js'
import * as grpc from '@grpc/grpc-js'
import { CallStatusError } from './call-guard.js'
import type { CallGuard } from './call-guard.js'
import { CallAbandonedError } from './database.js'
import type { AbandonCheck, Database, FindCursor } from './database.js'

const JSON_ENCODING = 1
const RESULT_DOCUMENT = 1
const QUERY_PLAN = 2
const UNKNOWN_TYPE = 0

/** `RpcError` with its fields always present. */
export interface WireError {
  readonly errCode: ErrorCode__Output
  readonly errorMessage: string
  readonly javaStackTrace: string
}

/** Shared and never mutated: serialisation only reads it. */
const NO_ERROR: WireError = Object.freeze({ errCode: 0, errorMessage: '', javaStackTrace: '' })

export function rpcError(errCode: number, message: string): WireError {
  return { errCode: errCode as ErrorCode__Output, errorMessage: message, javaStackTrace: '' }
}

/** The in-band error of any exception: its wire code and message. */
export function errorOf(error: unknown): WireError {
  const message = error instanceof Error ? error.message : String(error)
  return rpcError(wireCodeOf(error), message)
}

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

export function createHandlers(db: Database, guard: CallGuard): MapRDbServerHandlers {
  return {
    Ping: guard.unary('Ping', () => ({}), () => ({})),
    CreateTable: guard.unary('CreateTable', errorOnly, (r) => outcome(() => db.createTable(r.tablePath))),
    DeleteTable: guard.unary('DeleteTable', errorOnly, (r) => outcome(() => db.deleteTable(r.tablePath))),
    TableExists: guard.unary('TableExists', errorOnly, (r) => outcome(() => db.tableExists(r.tablePath))),
    InsertOrReplace: guard.unary('InsertOrReplace', errorOnly, (r, call) => outcome(() => db.insertOrReplace(r, abandonCheck(call)))),
    Update: guard.unary('Update', errorOnly, (r, call) => outcome(() => db.update(r, abandonCheck(call)))),
    Delete: guard.unary('Delete', errorOnly, (r, call) => outcome(() => db.delete(r, abandonCheck(call)))),
    FindById: guard.unary(
      'FindById',
      (errCode, message) => ({ error: rpcError(errCode, message), payloadEncoding: JSON_ENCODING }),
      (r) => {
        try {
          return { error: NO_ERROR, payloadEncoding: JSON_ENCODING, jsonDocument: db.findById(r) }
        } catch (error) {
          return { error: errorOf(error), payloadEncoding: JSON_ENCODING }
        }
      },
    ),
    Find: guard.streaming<FindRequest__Output, FindResponse>('Find', findError, (call) => streamFind(db, call)),
  }
}

function findError(errCode: number, message: string): FindResponse {
  return { error: rpcError(errCode, message), payloadEncoding: JSON_ENCODING, type: UNKNOWN_TYPE }
}

/**
 * Streams one document per message in the cursor's order. Honours backpressure (waits for
 * 'drain' when `write` says the buffer is full) and stops reading the table as soon as the
 * client cancels or the deadline passes. Errors, before or during the stream, are one in-band
 * message followed by a normal end (Section 12).
 */
async function streamFind(db: Database, call: grpc.ServerWritableStream<FindRequest__Output, FindResponse>): Promise<void> {
  let cursor: FindCursor
  try {
    cursor = db.openFind(call.request)
  } catch (error) {
    const e = errorOf(error)
    call.write(findError(e.errCode, e.errorMessage))
    call.end()
    return
  }
  let stopped = false
  const stop = () => {
    stopped = true
  }
  call.on('cancelled', stop)
  call.on('close', stop)
  call.on('error', stop)
  try {
    if (call.request.includeQueryPlan) call.write({ error: NO_ERROR, payloadEncoding: JSON_ENCODING, type: QUERY_PLAN, jsonResponse: cursor.plan })
    for (;;) {
      if (stopped) return
      const batch = cursor.next()
      if (batch === undefined) break
      for (const text of batch) {
        if (stopped) return
        if (!call.write({ error: NO_ERROR, payloadEncoding: JSON_ENCODING, type: RESULT_DOCUMENT, jsonResponse: text })) await drained(call)
      }
      // Let other calls run between batches: one big find must not starve the server.
      await new Promise((resolve) => setImmediate(resolve))
    }
    if (!stopped) call.end()
  } catch (error) {
    if (stopped) return
    const e = errorOf(error)
    call.write(findError(e.errCode, e.errorMessage))
    call.end()
  } finally {
    call.off('cancelled', stop)
    call.off('close', stop)
    call.off('error', stop)
  }
}

/** Resolves on 'drain', or when the call goes away (whatever comes first). */
function drained(call: grpc.ServerWritableStream<FindRequest__Output, FindResponse>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done)
      call.off('cancelled', done)
      call.off('close', done)
      call.off('error', done)
      resolve()
    }
    call.on('drain', done)
    call.on('cancelled', done)
    call.on('close', done)
    call.on('error', done)
  })
}
