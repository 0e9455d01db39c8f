/**
 * Step 5 (reads of a document this store wrote less than a window ago, session.ts): a read
 * answered by a cluster other than the one that acknowledged the write (that one was not in good
 * standing) emits `possibly-stale` before the answer reaches the caller.
 *
 * ```
 * write d      --a|            acknowledged by c1 at 2 (the attempt step tells the session)
 * read d       ----b|          c1 down at 4, answered by c2: possibly-stale at 5, then b
 * ```
 *
 * Left out of the pipeline for every other operation: they pay nothing.
 */
import { Observable, Subscriber, type MonoTypeOperatorFunction } from 'rxjs'
import type { Run } from '../run.js'

export function possiblyStale<T>(run: Run<T>): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((out) => {
      const step = new PossiblyStale(run, out)
      source.subscribe(step)
      return step
    })
}

class PossiblyStale<T> extends Subscriber<T> {
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
    this.out.complete()
  }
}
