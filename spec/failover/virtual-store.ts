/**
 * A Store for marble specs: each method returns the Observable configured for it (usually a
 * cold marble from `m.cold`, which records its own subscriptions for `m.expect(…).toHaveSubscriptions`),
 * and every call is logged with its arguments. An operation with no behaviour errors with a plain
 * Error (a semantic error, so it never fails over and the spec fails loudly).
 */
import type { Observable } from 'rxjs'
import { throwError } from 'rxjs'
import type { OperationName } from '../../lib/failover/index.js'
import type { CallOptions, ConditionInput, FindByIdOptions, FindOptions, MutationInput, QueryInput, Store } from '../../lib/store.js'
import type { Document, DocumentId, DocumentWithId } from '../../lib/ojai/values.js'

/** An Observable, or a function of the call's arguments returning one (e.g. a different marble per call). */
export type Behaviour = Observable<unknown> | ((...args: unknown[]) => Observable<unknown>)

export interface Call {
  readonly op: OperationName
  readonly args: readonly unknown[]
}

export class VirtualStore implements Store {
  readonly calls: Call[] = []

  constructor(
    private readonly behaviour: Partial<Record<OperationName, Behaviour>> = {},
    readonly path = '/virtual/table',
  ) {}

  /** Replaces (or adds) the behaviour of one operation. */
  on(op: OperationName, behaviour: Behaviour): this {
    this.behaviour[op] = behaviour
    return this
  }

  /** Number of calls of one operation (a call is not a subscription: both are checked in specs). */
  count(op: OperationName): number {
    return this.calls.filter((c) => c.op === op).length
  }

  private call<T>(op: OperationName, args: unknown[]): Observable<T> {
    this.calls.push({ op, args })
    const b = this.behaviour[op]
    if (b === undefined) return throwError(() => new Error(`VirtualStore ${this.path}: unexpected ${op}`))
    return (typeof b === 'function' ? b(...args) : b) as Observable<T>
  }

  findById(id: DocumentId, options?: FindByIdOptions): Observable<Document | null> {
    return this.call('findById', [id, options])
  }
  find(query?: QueryInput, options?: FindOptions): Observable<Document> {
    return this.call('find', [query, options])
  }
  insertOrReplace(doc: DocumentWithId, options?: CallOptions): Observable<void> {
    return this.call('insertOrReplace', [doc, options])
  }
  insert(doc: DocumentWithId, options?: CallOptions): Observable<void> {
    return this.call('insert', [doc, options])
  }
  replace(doc: DocumentWithId, options?: CallOptions): Observable<void> {
    return this.call('replace', [doc, options])
  }
  update(id: DocumentId, mutation: MutationInput, options?: CallOptions): Observable<void> {
    return this.call('update', [id, mutation, options])
  }
  increment(id: DocumentId, field: string, by: number | bigint, options?: CallOptions): Observable<void> {
    return this.call('increment', [id, field, by, options])
  }
  delete(id: DocumentId, options?: CallOptions): Observable<void> {
    return this.call('delete', [id, options])
  }
  checkAndMutate(id: DocumentId, condition: ConditionInput, mutation: MutationInput, options?: CallOptions): Observable<boolean> {
    return this.call('checkAndMutate', [id, condition, mutation, options])
  }
  checkAndReplace(doc: DocumentWithId, condition: ConditionInput, options?: CallOptions): Observable<boolean> {
    return this.call('checkAndReplace', [doc, condition, options])
  }
  checkAndDelete(id: DocumentId, condition: ConditionInput, options?: CallOptions): Observable<boolean> {
    return this.call('checkAndDelete', [id, condition, options])
  }
}
