/**
 * Serving one Find stream within the gateway's {@link FindThrottle}: wait for a slot, then produce
 * and write results in turns of work (at most {@link RESULTS_PER_TURN} results, or one slice of
 * time, each), each message counted against the stream's window and the gateway's in-flight
 * budget until it is flushed. A result goes out as its stored text, serialised straight into its
 * message ({@link DocumentResponses}). Cancellation (or a passed deadline) stops the
 * stream where it is and gives back at once its slot, its budget and everything its cursor held.
 * Errors, before or during the stream, are one in-band message followed by a normal end
 * (protocol Section 12); a full waiting line is the gRPC status RESOURCE_EXHAUSTED.
 */
import * as grpc from '@grpc/grpc-js'
import { FindResponseType, PayloadEncoding } from '../proto/constants.js'
import type { FindRequest__Output } from '../proto/generated/com/mapr/data/db/FindRequest.js'
import type { FindResponse } from '../proto/generated/com/mapr/data/db/FindResponse.js'
import type { Database } from './database.js'
import type { DocumentResponse, DocumentResponses } from './document-response.js'
import { NOT_YET } from './find-cursor.js'
import type { FindCursor } from './find-cursor.js'
import { STREAM_WINDOW_BYTES, TooManyFindsError } from './find-limits.js'
import type { FindThrottle } from './find-limits.js'
import { requireValidUtf8 } from './strict-utf8.js'
import { errorOf, findError, NO_ERROR } from './wire.js'

const { JSON_ENCODING } = PayloadEncoding
const { QUERY_PLAN } = FindResponseType

type FindCall = grpc.ServerWritableStream<FindRequest__Output, FindResponse | DocumentResponse>

/**
 * Results one turn of work writes at most: enough that the hop between turns (a promise and a
 * place in the throttle's queue) is paid once for many results, few enough that a turn stays short
 * beside the other streams' and calls'.
 */
export const RESULTS_PER_TURN = 32

/** What one turn of work did. */
type Turn =
  | { readonly kind: 'written' | 'none-yet' | 'done' }
  | { readonly kind: 'held'; readonly response: DocumentResponse; readonly bytes: number }

const WRITTEN: Turn = { kind: 'written' }
const NONE_YET: Turn = { kind: 'none-yet' }
const DONE: Turn = { kind: 'done' }

export async function streamFind(db: Database, throttle: FindThrottle, responses: DocumentResponses, call: FindCall): Promise<void> {
  let cursor: FindCursor
  try {
    requireValidUtf8(call.request)
    cursor = db.openFind(call.request, throttle.limits.maxSortBytes)
  } catch (error) {
    call.write(findError(errorOf(error)))
    call.end()
    return
  }
  const gone = new AbortController()
  const stop = () => gone.abort()
  // Left attached after the stream ends: a late 'close' gives back the budget of unflushed messages.
  call.on('cancelled', stop)
  call.on('close', stop)
  call.on('error', stop)
  /** Groups of messages written and not yet flushed: their byte counts, given back on flush or at the end. */
  const unflushed = new Set<{ bytes: number }>()
  let unflushedBytes = 0
  let wake: (() => void) | undefined
  const flushed = (m: { bytes: number }) => {
    if (!unflushed.delete(m)) return
    unflushedBytes -= m.bytes
    throttle.unreserve(m.bytes)
    wake?.()
  }
  // A stream that went away never flushes what it had pending (grpc-js drops those callbacks):
  // its budget comes back at once. Also after a normal end, for messages still flushing then.
  gone.signal.addEventListener(
    'abort',
    () => {
      for (const m of [...unflushed]) flushed(m)
      wake?.()
    },
    { once: true },
  )

  /**
   * Writes results whose bytes are reserved, counted as one group until grpc-js reports the last
   * of them flushed (a stream flushes its messages in order): one callback per turn, not per result.
   */
  const send = (batch: readonly DocumentResponse[], bytes: number) => {
    const group = { bytes }
    unflushed.add(group)
    unflushedBytes += bytes
    const last = batch.length - 1
    for (let i = 0; i < last; i++) call.write(batch[i] as DocumentResponse)
    call.write(batch[last] as DocumentResponse, () => flushed(group))
  }

  /**
   * One turn: the next results, written together while the budget and the stream's window have
   * room; the first that does not fit is held for the caller. Ends after RESULTS_PER_TURN
   * results, after a slice of time, or when the cursor did a batch of work without a result.
   */
  const turn = (): Turn => {
    if (gone.signal.aborted) return DONE
    const until = performance.now() + throttle.limits.sliceMs
    const batch: DocumentResponse[] = []
    let bytes = 0
    let outcome: Turn = WRITTEN
    while (batch.length < RESULTS_PER_TURN) {
      if (batch.length > 0 && (unflushedBytes + bytes >= STREAM_WINDOW_BYTES || performance.now() >= until)) break
      const text = cursor.next()
      if (text === NOT_YET || text === undefined) {
        outcome = text === undefined ? DONE : batch.length > 0 ? WRITTEN : NONE_YET
        break
      }
      const response = responses.findResult(text)
      const size = response.bytes.length
      if (!throttle.tryReserve(size)) {
        outcome = { kind: 'held', response, bytes: size }
        break
      }
      batch.push(response)
      bytes += size
    }
    if (batch.length > 0) send(batch, bytes)
    return outcome
  }

  let release: (() => void) | undefined
  try {
    release = await throttle.admit(call.getPeer(), gone.signal)
    if (release === undefined) return
    if (call.request.includeQueryPlan)
      call.write({ error: NO_ERROR, payloadEncoding: JSON_ENCODING, type: QUERY_PLAN, jsonResponse: cursor.plan })
    for (;;) {
      // The stream's window: wait for earlier messages to flush (a client that does not read holds only this much).
      while (unflushedBytes >= STREAM_WINDOW_BYTES && !gone.signal.aborted) await new Promise<void>((resolve) => (wake = resolve))
      if (gone.signal.aborted) return
      const done = await throttle.run(turn)
      if (done.kind === 'done') break
      if (done.kind !== 'held') continue
      if (!(await throttle.reserve(done.bytes, gone.signal))) return
      await throttle.run(() => send([done.response], done.bytes))
    }
    if (!gone.signal.aborted) call.end()
  } catch (error) {
    if (gone.signal.aborted) return
    if (error instanceof TooManyFindsError) {
      call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: error.message })
      return
    }
    call.write(findError(errorOf(error)))
    call.end()
  } finally {
    cursor.close()
    release?.()
  }
}
