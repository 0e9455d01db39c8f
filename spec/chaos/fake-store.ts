/**
 * An in-memory stand-in for one cluster's store, with just what the workload and the final-state
 * reader use, and knobs to misbehave. Answers asynchronously, like a network store.
 */
import { Observable } from 'rxjs'
import { DocumentExistsError, DocumentNotFoundError, UnavailableError } from '../../lib/ojai/errors.js'
import type { Document, DocumentId, DocumentWithId } from '../../lib/ojai/values.js'
import type { MutationInput } from '../../lib/store.js'

export interface FakeBehaviour {
  /** Apply every update twice (a broken retry). */
  duplicateUpdates?: boolean
  /** Never answer reads. */
  hangReads?: boolean
  /** Apply writes but answer UNAVAILABLE (the answer was lost). */
  loseAnswers?: boolean
  /** Acknowledge insertOrReplace without storing it. */
  dropWrites?: boolean
  /** Keep a copy of each key's first insertOrReplace, to apply again on {@link FakeStore.landHeldWrites} (an abandoned attempt landing late). */
  holdFirstWrites?: boolean
}

type Doc = Record<string, unknown>

export class FakeStore {
  readonly path = '/fake'
  readonly docs = new Map<string, Doc>()
  private readonly heldWrites = new Map<string, Doc>()
  constructor(readonly behaviour: FakeBehaviour = {}) {}

  private answer<T>(work: () => T, hang = false): Observable<T> {
    return new Observable<T>((subscriber) => {
      if (hang) return
      const t = setImmediate(() => {
        try {
          const value = work()
          if (this.behaviour.loseAnswers) throw new UnavailableError('answer lost')
          subscriber.next(value)
          subscriber.complete()
        } catch (error) {
          subscriber.error(error)
        }
      })
      return () => clearImmediate(t)
    })
  }

  insertOrReplace(doc: DocumentWithId): Observable<void> {
    return this.answer(() => {
      const id = String(doc._id)
      if (this.behaviour.holdFirstWrites && !this.heldWrites.has(id) && !this.docs.has(id)) this.heldWrites.set(id, { ...(doc as Doc) })
      if (!this.behaviour.dropWrites) this.docs.set(id, { ...(doc as Doc) })
    })
  }

  /** Applies the writes kept by `holdFirstWrites` again, now. */
  landHeldWrites(): void {
    for (const [id, doc] of this.heldWrites) this.docs.set(id, doc)
    this.heldWrites.clear()
  }

  insert(doc: DocumentWithId): Observable<void> {
    return this.answer(() => {
      if (this.docs.has(String(doc._id))) throw new DocumentExistsError('exists')
      this.docs.set(String(doc._id), { ...(doc as Doc) })
    })
  }

  update(id: DocumentId, mutation: MutationInput): Observable<void> {
    return this.answer(() => {
      const times = this.behaviour.duplicateUpdates ? 2 : 1
      for (let i = 0; i < times; i++) {
        const doc = this.docs.get(String(id))
        if (doc === undefined) throw new DocumentNotFoundError('not found')
        const m = mutation as { $append?: { ops?: unknown[] }; $increment?: { n?: number } }
        const ops = [...((doc.ops as unknown[] | undefined) ?? []), ...(m.$append?.ops ?? [])]
        const n = ((doc.n as number | undefined) ?? 0) + (m.$increment?.n ?? 0)
        this.docs.set(String(id), { ...doc, ops, n })
      }
    })
  }

  findById(id: DocumentId): Observable<Document | null> {
    return this.answer(() => (this.docs.get(String(id)) as Document | undefined) ?? null, this.behaviour.hangReads)
  }

  find(): Observable<Document> {
    return new Observable<Document>((subscriber) => {
      for (const doc of [...this.docs.values()]) subscriber.next(doc as Document)
      subscriber.complete()
    })
  }
}
