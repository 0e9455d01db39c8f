/**
 * Which cluster answered each operation a caller starts on a FailoverStore, from the store's
 * diagnostics records (`ojai-failover:operation:start`, published as the operation is subscribed,
 * and its `answeredOn` once it ended): exact where the store's active cluster is not (during a
 * ramped failback, or when an operation moved on before the store switched).
 *
 * ```ts
 * const answers = new AnsweringClusters()
 * const token = {}
 * answers.starting(token, () => store.insertOrReplace(doc).subscribe(observer))
 * // once it ended:
 * answers.clusterOf(token) // 'B'
 * answers.close()
 * ```
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { CHANNELS, type OperationRecord } from '../failover/diagnostics.js'

export class AnsweringClusters {
  private claimant: object | undefined
  private readonly records = new WeakMap<object, OperationRecord>()
  private readonly onStart = (message: unknown): void => {
    if (this.claimant === undefined) return
    this.records.set(this.claimant, message as OperationRecord)
    this.claimant = undefined
  }

  constructor() {
    subscribe(CHANNELS.operationStart, this.onStart)
  }

  /**
   * Runs `subscribe`, which starts one FailoverStore operation (the record is published
   * synchronously as it is subscribed), and keeps that operation's record under `token`.
   */
  starting<T>(token: object, subscribe: () => T): T {
    this.claimant = token
    try {
      return subscribe()
    } finally {
      this.claimant = undefined
    }
  }

  /** The cluster that answered the operation started for `token`; undefined before its end, or when none answered. */
  clusterOf(token: object): string | undefined {
    const record = this.records.get(token)
    if (record === undefined || record.answeredOn < 0) return undefined
    return record.store.clusters[record.answeredOn]?.name
  }

  /** Stops listening (records already kept stay readable). */
  close(): void {
    unsubscribe(CHANNELS.operationStart, this.onStart)
  }
}
