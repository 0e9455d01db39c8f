/**
 * Records which cluster answered each findById: the answer object (a fresh decoded document per
 * call) is mapped to the cluster's name in a WeakMap, and the FailoverStore passes that same
 * object on to the caller. Only findById is wrapped; other operations go straight through.
 */
import { tap, type Observable } from 'rxjs'
import type { Document, DocumentId } from '../lib/ojai/values.js'
import type { FindByIdOptions, Store } from '../lib/store.js'

export class AnswerTags {
  private readonly tags = new WeakMap<object, string>()

  set(value: unknown, name: string): void {
    if (value !== null && typeof value === 'object') this.tags.set(value, name)
  }

  /** The cluster that answered with `value`, if it was tagged. */
  of = (value: unknown): string | undefined => (value !== null && typeof value === 'object' ? this.tags.get(value) : undefined)
}

/** `store` with every findById answer tagged as coming from `name`. */
export function tagged(store: Store, name: string, tags: AnswerTags): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'findById') {
        return (id: DocumentId, options?: FindByIdOptions): Observable<Document | null> =>
          target.findById(id, options).pipe(tap((v) => tags.set(v, name)))
      }
      const value: unknown = Reflect.get(target, key, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
