/**
 * The errors only a FailoverStore produces. Both extend {@link OjaiError}, so callers can
 * switch on `code` as for every other error of the library.
 */
import { OjaiError, type OjaiErrorOptions } from '../ojai/errors.js'
import { messageOf } from '../ojai/message-of.js'
import type { DocumentId } from '../ojai/values.js'

/**
 * What one cluster answered (or failed to answer) during a failed operation.
 * @category Errors
 */
export interface ClusterCause {
  /** The cluster's configured name. */
  readonly cluster: string
  readonly error: unknown
}

function describe(error: unknown): string {
  if (error instanceof OjaiError) return `${error.code}: ${error.message}`
  return messageOf(error)
}

/**
 * Every cluster the operation was allowed to try failed with an availability error (or timed
 * out). `causes` lists each cluster's cause in the order the clusters were tried; the message
 * names them all, so a log line alone says what happened where.
 * @category Errors
 */
export class FailoverError extends OjaiError {
  readonly code = 'FAILOVER'
  readonly causes: readonly ClusterCause[]
  constructor(operation: string, causes: readonly ClusterCause[], options?: OjaiErrorOptions) {
    super(`${operation} failed on every cluster tried: ${causes.map((c) => `${c.cluster} (${describe(c.error)})`).join('; ')}`, {
      cause: options?.cause ?? causes[causes.length - 1]?.error,
    })
    this.causes = causes
  }
}

/**
 * A `find` failed after delivering documents, and it cannot continue on another cluster without
 * duplicates or gaps: its results are not in `_id` order (an `$orderby` on another field), or the
 * delivered documents carry no `_id` (a `$select` without `_id`). Pass `allowRestart: true` to
 * run the query again from the start instead. `cause` is the failure that interrupted the stream.
 * @category Errors
 */
export class ResumeNotPossibleError extends OjaiError {
  readonly code = 'RESUME_NOT_POSSIBLE'
  /** How many documents were delivered before the failure. */
  readonly delivered: number
  constructor(message: string, delivered: number, options?: OjaiErrorOptions) {
    super(message, options)
    this.delivered = delivered
  }
}

/**
 * A write was applied on `appliedOn`, but an earlier attempt of it on `pending` may still be
 * applied there later: it failed after it may have been sent (a reset or closed connection is not
 * proof that nothing will land), or it had not answered when the settle bound passed. Applied
 * later, it would overwrite writes made after this one, so the FailoverStore does not acknowledge
 * what it cannot vouch for. `reason` says why, for each pending cluster.
 *
 * What to do: treat the write as not acknowledged, and its value as possibly applied everywhere.
 * Writing the same value again is harmless. Before writing a *different* value to the same
 * document, wait until the pending cluster answers again (`health$` shows it `up`), then read the
 * document back and write again if it is not what you want.
 * @category Errors
 */
export class UnsettledWriteError extends OjaiError {
  readonly code = 'UNSETTLED_WRITE'
  readonly appliedOn: string
  readonly pending: readonly string[]
  readonly reason: string
  constructor(operation: string, appliedOn: string, pending: readonly string[], reason: string) {
    super(
      `${operation} was applied on ${appliedOn}, but its earlier attempt on ${pending.join(', ')} may still be applied later, overwriting newer writes (${reason}); not acknowledged`,
    )
    this.appliedOn = appliedOn
    this.pending = pending
    this.reason = reason
  }
}

/**
 * A write of `document` was not sent: an earlier write of the same document from this store ended
 * without an acknowledgment while an attempt of it on `pending` may still be applied there, and
 * applied later it would overwrite this one (see write-fence.ts). Not an availability error: it
 * never fails over. Write again once each pending cluster answers again (`health$` shows it `up`)
 * and `settleMs` has passed since that earlier write ended; reading the document back first tells
 * you whether the earlier value landed.
 * @category Errors
 */
export class PendingWriteError extends OjaiError {
  readonly code = 'PENDING_WRITE'
  readonly document: DocumentId
  readonly pending: readonly string[]
  readonly reason: string
  constructor(operation: string, document: DocumentId, pending: readonly string[], reason: string, settleMs: number) {
    super(
      `${operation} of ${typeof document === 'string' ? JSON.stringify(document) : 'a binary _id'} not sent: an earlier write of this document from this store may still be applied on ${pending.join(', ')} (${reason}) and would overwrite it; write again once ${pending.join(', ')} answers again and ${settleMs} ms have passed since that write ended`,
    )
    this.document = document
    this.pending = pending
    this.reason = reason
  }
}

/**
 * A maintenance call (`pin`, `drain`) named a cluster the store does not have. Nothing changed.
 * `known` lists the configured names, primary first.
 * @category Errors
 */
export class UnknownClusterError extends OjaiError {
  readonly code = 'UNKNOWN_CLUSTER'
  readonly cluster: string
  readonly known: readonly string[]
  constructor(cluster: string, known: readonly string[]) {
    super(`unknown cluster ${JSON.stringify(cluster)}; the clusters of this store are ${known.map((k) => JSON.stringify(k)).join(', ')}`)
    this.cluster = cluster
    this.known = known
  }
}
