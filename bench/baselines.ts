/**
 * What users would run without this library, rebuilt on the raw driver so that only the policy
 * differs from ours:
 *
 * - {@link officialClientFindById}: the official Node client's defaults (protocol notes, section
 *   6): no deadline on unary calls, one cluster, retries 1 s doubling to 18 s, 7 retries. The
 *   official client retries only UNAVAILABLE with the exact details `Connect Failed` (wording of
 *   an old gRPC core); as the notes recommend, this retries every UNAVAILABLE and
 *   RESOURCE_EXHAUSTED, which is the kinder reading. "No deadline" is the driver's largest deadline
 *   (about 24.8 days); the bench's own bound ends such calls.
 * - {@link cockatielFindById}: a generic resilience library: cockatiel `timeout(T, aggressive)`
 *   around the primary call, `fallback` to the same call on the secondary. No stickiness: every
 *   operation tries the primary first.
 */
import { fallback, handleAll, timeout as timeoutPolicy, TimeoutStrategy, type TimeoutPolicy } from 'cockatiel'
import { Observable, retry, throwError, timer } from 'rxjs'
import { MAX_TIMER_MS } from '../lib/ojai/check-options.js'
import { OjaiError } from '../lib/ojai/errors.js'
import type { Document } from '../lib/ojai/values.js'
import type { Store } from '../lib/store.js'

/** Connect options for the official-client baseline: no deadline worth the name. */
export const NO_DEADLINE = { deadlineMs: MAX_TIMER_MS } as const

/** Delay before retry i (0-based): min(1000 x 2^i, 18000) ms, as `retry` with factor 2, no jitter. */
export function officialRetryDelayMs(i: number): number {
  return Math.min(1000 * 2 ** i, 18_000)
}

function retryable(error: unknown): boolean {
  return error instanceof OjaiError && (error.code === 'UNAVAILABLE' || error.code === 'RESOURCE_EXHAUSTED')
}

export function officialClientFindById(store: Store, id: string): Observable<Document | null> {
  return store.findById(id).pipe(
    retry({
      count: 7,
      delay: (error: unknown, n: number) => (retryable(error) ? timer(officialRetryDelayMs(n - 1)) : throwError(() => error)),
    }),
  )
}

/** The shared timeout policy of the cockatiel baseline. */
export function cockatielTimeout(timeoutMs: number): TimeoutPolicy {
  return timeoutPolicy(timeoutMs, TimeoutStrategy.Aggressive)
}

/** Runs an Observable-returning call as a Promise that an AbortSignal cancels (unsubscribes). */
function asPromise<T>(make: () => Observable<T>, signal: AbortSignal): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let last: T | undefined
    const sub = make().subscribe({ next: (v) => (last = v), error: reject, complete: () => resolve(last) })
    const onAbort = () => {
      sub.unsubscribe()
      reject(signal.reason)
    }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
}

export function cockatielFindById(
  primary: Store,
  secondary: Store,
  policy: TimeoutPolicy,
  id: string,
): Observable<Document | null | undefined> {
  return new Observable((subscriber) => {
    const controller = new AbortController()
    const withFallback = fallback(handleAll, () => asPromise(() => secondary.findById(id), controller.signal))
    withFallback
      .execute(() => policy.execute(({ signal }) => asPromise(() => primary.findById(id), signal), controller.signal))
      .then(
        (value) => {
          subscriber.next(value)
          subscriber.complete()
        },
        (error: unknown) => subscriber.error(error),
      )
    return () => controller.abort()
  })
}
