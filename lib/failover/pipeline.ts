/**
 * One operation of a FailoverStore, composed from its steps in the one place a reader needs:
 *
 * ```ts
 * attempt(run, first, timeoutMs)           // steps/attempt.ts: the call, raced against its limit
 *   .pipe(
 *     subscribeOn(scheduler, handoffMs),   // a write moving its document waits (session.ts)
 *     retrySameCluster(run, first, …),     // steps/retry-same-cluster.ts: reads, once after a reset
 *     hedge(run),                          // steps/hedge.ts: hedged reads only
 *     failOver(run),                       // steps/fail-over.ts: next cluster, resume, or give up
 *     upToLimit(run, $limit),              // a find's result ends at its $limit-th document
 *     settle(run),                         // steps/settle.ts: writes only
 *     possiblyStale(run),                  // steps/possibly-stale.ts: reads of a document just written
 *   )
 * ```
 *
 * Steps a call does not need are left out, so a plain read is two subscribers deep.
 */
import { subscribeOn, takeWhile, type MonoTypeOperatorFunction, type Observable } from 'rxjs'
import type { Run } from './run.js'
import { attempt } from './steps/attempt.js'
import { failOver } from './steps/fail-over.js'
import { hedge } from './steps/hedge.js'
import { possiblyStale } from './steps/possibly-stale.js'
import { retrySameCluster } from './steps/retry-same-cluster.js'
import { settle } from './steps/settle.js'

export function operation<T>(run: Run<T>, hedged: boolean): Observable<T> {
  // Each step applied as a function rather than through pipe(): the same composition, without the
  // argument array and closure pipe() allocates per call, on a path every operation takes.
  let result = attempt(run, run.first, run.timeoutMs)
  if (run.handoffMs > 0) result = subscribeOn<T>(run.core.clock.scheduler, run.handoffMs)(result)
  if (run.isRead && run.core.o.retrySameCluster) result = retrySameCluster(run, run.first, run.timeoutMs)(result)
  if (hedged) result = hedge(run)(result)
  result = failOver(run)(result)
  if (run.find !== undefined) {
    const limit = findLimit(run)
    if (limit !== undefined && limit > 0) result = upToLimit(run, limit)(result)
  }
  if (run.isWrite) result = settle(run)(result)
  if (run.isRead && run.ownWrite !== undefined) result = possiblyStale(run)(result)
  return result
}

/**
 * Completes a find with the `limit`-th document *of its result*, as counted by the attempts in
 * `run.delivered`: a resume continues that count (so it never asks for "0 more", and the find ends
 * at exactly `limit` documents), a restart starts it again (the documents repeated before it do
 * not use up the limit, so the whole result still arrives). A plain `take(limit)` would count
 * the repeats and cut the tail of a restarted find.
 *
 * ```
 * $limit 4, allowRestart; c1 fails after d c, c2 runs the query again
 * source       -d-c--d-c-b-a-z       (a store that ignores $limit sends z too)
 * result       -d-c--d-c-b-(a|)
 * ```
 */
function upToLimit<T>(run: Run<T>, limit: number): MonoTypeOperatorFunction<T> {
  return takeWhile(() => run.delivered < limit, true)
}

/** A find's `$limit`; undefined when none, or when the query does not parse (the store reports that). */
function findLimit(run: Run<unknown>): number | undefined {
  try {
    return run.find?.limit()
  } catch {
    return undefined
  }
}
