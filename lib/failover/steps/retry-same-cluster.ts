/**
 * Step 1b (reads only): a read whose attempt failed with a transport error (a reset or closed
 * connection: an UnavailableError that does not prove the request unsent) on a cluster otherwise
 * in good standing (up, not held) is tried once more on that cluster before it moves on. One reset
 * connection is usually that connection's fate, not the cluster's: the retry goes out on a fresh
 * connection (grpc-js reconnects), and the store does not fail over for a hold on one reset.
 *
 * ```
 * c1 attempt   ---#                 reset at 3; c1 up and not held
 * c1 retry        --a|              subscribed at 3, answers at 5
 * result       -----a|              no failover, nothing moved
 *
 * c1 attempt   ---#                 reset at 3
 * c1 retry        ---#              reset again at 6: the failure goes on to fail-over.ts,
 * result       ------#              which marks c1 down and moves the read on
 * ```
 *
 * Not retried here: a refused connection (provably unsent: the cluster is not there), an
 * overloaded or slow cluster (other codes, timeouts), a cluster already suspect, down or held,
 * a find that delivered documents (fail-over.ts resumes it), and writes.
 */
import { Observable, Subscriber, type MonoTypeOperatorFunction, type Subscription } from 'rxjs'
import { UnavailableError } from '../../ojai/errors.js'
import { isUpAndFree } from '../routing.js'
import { AttemptFailure, type Run } from '../run.js'
import { attempt } from './attempt.js'

/**
 * The first attempt of `run` (on `cluster`, limited to `limitMs`) gets one retry there after a
 * transport error. Like `catchError` with the retry as the selector, hand-written (one Subscriber)
 * because every read runs it.
 */
export function retrySameCluster<T>(run: Run<T>, cluster: number, limitMs: number): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((out) => {
      const step = new RetryOnce(run, cluster, limitMs, out)
      source.subscribe(step)
      return step
    })
}

class RetryOnce<T> extends Subscriber<T> {
  private retry: Subscription | null = null

  constructor(
    private readonly run: Run<T>,
    private readonly cluster: number,
    private readonly limitMs: number,
    private readonly out: Subscriber<T>,
  ) {
    super()
  }

  protected override _next(value: T): void {
    this.out.next(value)
  }

  protected override _error(error: unknown): void {
    if (!isWorthRetrying(this.run, error)) return this.out.error(error)
    this.run.core.stats.sameClusterRetries++
    this.retry = attempt(this.run, this.cluster, this.limitMs).subscribe(this.out)
  }

  protected override _complete(): void {
    this.out.complete()
  }

  override unsubscribe(): void {
    this.retry?.unsubscribe()
    super.unsubscribe()
  }
}

function isWorthRetrying(run: Run<unknown>, failure: unknown): boolean {
  if (!(failure instanceof AttemptFailure) || failure.failure !== 'error' || run.delivered > 0) return false
  const error = failure.error
  if (!(error instanceof UnavailableError) || error.unsent) return false
  return isUpAndFree(run.core.health.of(failure.cluster), run.core.clock.scheduler.now())
}
