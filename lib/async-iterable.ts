/**
 * `for await` over an Observable, for code that prefers pulling to subscribing:
 *
 * ```ts
 * for await (const doc of toAsyncIterable(store.find(query().where(cond.gt('age', 21))))) { … }
 * ```
 *
 * Subscribes when iteration starts; leaving the loop early (`break`, `return`, a throw)
 * unsubscribes, which cancels the underlying call. Values that arrive faster than the loop takes
 * them are buffered: an Observable cannot be paused, so a consumer much slower than its source
 * should bound the source (`$limit`, `take`) instead.
 */
import type { Observable, Subscription } from 'rxjs'

/** @category Client */
export function toAsyncIterable<T>(source: Observable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const buffer: T[] = []
      let done = false
      let failure: { error: unknown } | undefined
      let wake: (() => void) | undefined
      let subscription: Subscription | undefined

      const notify = () => {
        const resume = wake
        wake = undefined
        resume?.()
      }
      const stop = (): IteratorResult<T> => {
        done = true
        subscription?.unsubscribe()
        buffer.length = 0
        return { value: undefined, done: true }
      }

      return {
        async next(): Promise<IteratorResult<T>> {
          subscription ??= source.subscribe({
            next: (value) => {
              buffer.push(value)
              notify()
            },
            error: (error: unknown) => {
              failure = { error }
              notify()
            },
            complete: () => {
              done = true
              notify()
            },
          })
          while (buffer.length === 0 && !done && failure === undefined) {
            await new Promise<void>((resolve) => (wake = resolve))
          }
          if (buffer.length > 0) return { value: buffer.shift() as T, done: false }
          if (failure !== undefined) {
            const { error } = failure
            stop()
            throw error
          }
          return stop()
        },
        async return(): Promise<IteratorResult<T>> {
          return stop()
        },
      }
    },
  }
}
