/**
 * Step 5 (operations on one document): what the session learns from the answer (session.ts).
 * - A write that is acknowledged records the cluster that acknowledged it, before the caller
 *   hears of it, so the caller's next read of the document already goes there.
 * - A read of a document this store wrote inside the window that is answered by another cluster
 *   (the one that acknowledged the write was not in good standing) emits `possibly-stale` before
 *   the answer reaches the caller.
 *
 * ```
 * write d      --a|            acknowledged by c1 at 2: session remembers (d, c1, 2)
 * read d       ----b|          c1 down at 4, answered by c2: possibly-stale at 5, then b
 * ```
 *
 * Left out of the pipeline for operations without a document, and for reads of documents this
 * store did not write inside the window: they pay nothing.
 */
import { Observable, Subscriber, type MonoTypeOperatorFunction } from 'rxjs'
import type { Run } from '../run.js'

export function ownWrites<T>(run: Run<T>): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((out) => {
      const step = new OwnWrites(run, out)
      source.subscribe(step)
      return step
    })
}

class OwnWrites<T> extends Subscriber<T> {
  constructor(
    private readonly run: Run<T>,
    private readonly out: Subscriber<T>,
  ) {
    super()
  }

  protected override _next(value: T): void {
    const run = this.run
    const ownWrite = run.ownWrite
    if (ownWrite !== undefined && run.answeredOn !== ownWrite.cluster && run.answeredOn >= 0) {
      const core = run.core
      const now = core.clock.scheduler.now()
      core.stats.possiblyStaleReads++
      core.emit({
        type: 'possibly-stale',
        cluster: run.clusterName(run.answeredOn),
        operation: 'findById',
        at: now,
        elapsedMs: now - run.startedAt,
        id: run.document as NonNullable<typeof run.document>,
        acknowledgedBy: run.clusterName(ownWrite.cluster),
        writtenMsAgo: now - ownWrite.at,
      })
    }
    this.out.next(value)
  }

  protected override _error(error: unknown): void {
    this.out.error(error)
  }

  protected override _complete(): void {
    const run = this.run
    if (!run.isRead && run.answeredOn >= 0 && run.documentKey !== undefined)
      run.core.session.acknowledged(run.documentKey, run.answeredOn, run.core.clock.scheduler.now())
    this.out.complete()
  }
}
