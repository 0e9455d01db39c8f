/**
 * One operation of a FailoverStore, composed from its steps in the one place a reader needs:
 *
 * ```ts
 * attempt(run, active, timeoutMs)          // steps/attempt.ts: the call, raced against its limit
 *   .pipe(
 *     retrySameCluster(run, active, …),    // steps/retry-same-cluster.ts: reads, once after a reset
 *     hedge(run),                          // steps/hedge.ts: hedged reads only
 *     failOver(run),                       // steps/fail-over.ts: next cluster, resume, or give up
 *     take($limit),                        // a find stops at its $limit: never ask for "0 more"
 *     settle(run),                         // steps/settle.ts: writes only
 *   )
 * ```
 *
 * Steps a call does not need are left out, so a plain read is two subscribers deep.
 */
import { take, type Observable } from 'rxjs'
import type { Run } from './run.js'
import { attempt } from './steps/attempt.js'
import { failOver } from './steps/fail-over.js'
import { hedge } from './steps/hedge.js'
import { retrySameCluster } from './steps/retry-same-cluster.js'
import { settle } from './steps/settle.js'

export function operation<T>(run: Run<T>, hedged: boolean): Observable<T> {
  let result = attempt(run, run.first, run.timeoutMs)
  if (run.isRead && run.core.o.retrySameCluster) result = result.pipe(retrySameCluster(run, run.first, run.timeoutMs))
  if (hedged) result = result.pipe(hedge(run))
  result = result.pipe(failOver(run))
  const limit = findLimit(run)
  if (limit !== undefined && limit > 0) result = result.pipe(take(limit))
  if (run.isWrite) result = result.pipe(settle(run))
  return result
}

/** A find's `$limit`; undefined when none, or when the query does not parse (the store reports that). */
function findLimit(run: Run<unknown>): number | undefined {
  try {
    return run.find?.limit()
  } catch {
    return undefined
  }
}
