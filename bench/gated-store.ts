/**
 * A Store whose operations stay in flight until {@link GatedStore.release} answers them all, for
 * the scale section: operations are really pending (subscribed, holding whatever they hold) while
 * the heap is measured, and then all answer at once. No timer per operation, so what is measured
 * is the caller's and the FailoverStore's cost, not the store's.
 */
import { Observable, throwError, type Subscriber } from 'rxjs'
import type { Document } from '../lib/ojai/values.js'
import type { Store } from '../lib/store.js'

const ANSWER: Document = Object.freeze({ _id: 'k', v: 1 }) as Document

export class GatedStore implements Store {
  private waiting: Subscriber<Document | null>[] = []

  constructor(readonly path: string = '/bench/gated') {}

  get pending(): number {
    return this.waiting.length
  }

  /** Answers every pending operation (cancelled ones are skipped by rxjs). Returns how many. */
  release(): number {
    const batch = this.waiting
    this.waiting = []
    for (const s of batch) {
      s.next(ANSWER)
      s.complete()
    }
    return batch.length
  }

  findById(): Observable<Document | null> {
    return new Observable<Document | null>((subscriber) => {
      this.waiting.push(subscriber)
    })
  }

  private unsupported(name: string): Observable<never> {
    return throwError(() => new Error(`GatedStore supports findById only, not ${name}`))
  }

  find(): Observable<Document> {
    return this.unsupported('find')
  }
  insertOrReplace(): Observable<void> {
    return this.unsupported('insertOrReplace')
  }
  insert(): Observable<void> {
    return this.unsupported('insert')
  }
  replace(): Observable<void> {
    return this.unsupported('replace')
  }
  update(): Observable<void> {
    return this.unsupported('update')
  }
  increment(): Observable<void> {
    return this.unsupported('increment')
  }
  delete(): Observable<void> {
    return this.unsupported('delete')
  }
  checkAndMutate(): Observable<boolean> {
    return this.unsupported('checkAndMutate')
  }
  checkAndReplace(): Observable<boolean> {
    return this.unsupported('checkAndReplace')
  }
  checkAndDelete(): Observable<boolean> {
    return this.unsupported('checkAndDelete')
  }
}

/**
 * A store that answers every findById on the next turn of the event loop (setImmediate): an
 * asynchronous answer with no network, to measure the FailoverStore's own CPU cost per operation
 * without gRPC's cost and noise around it.
 */
export class ImmediateStore extends GatedStore {
  override findById(): Observable<Document | null> {
    return new Observable<Document | null>((subscriber) => {
      const t = setImmediate(() => {
        subscriber.next(ANSWER)
        subscriber.complete()
      })
      return () => clearImmediate(t)
    })
  }
}
