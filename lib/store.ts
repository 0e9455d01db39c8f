/**
 * The seam of the library: one interface for a single cluster's `DocumentStore` (lib/driver) and
 * for the `FailoverStore` over several (lib/failover). Swapping one for the other is one line, and
 * the failover core is tested against virtual stores without a network.
 *
 * Every method returns a **cold** Observable: nothing is sent until subscribe, unsubscribe
 * cancels the call, and one subscription is one logical operation. Single-answer operations
 * emit exactly one value and complete (writes emit `undefined`), so Promise users write
 * `await firstValueFrom(store.insert(doc))`; `find` emits each document and completes
 * (`lastValueFrom(store.find(q).pipe(toArray()))`, or `for await` via `toAsyncIterable`).
 */
import type { Observable } from 'rxjs'
import type { Condition, ConditionJson } from './ojai/condition.js'
import type { Mutation, MutationJson } from './ojai/mutation.js'
import type { Query, QueryBuilder, QueryJson } from './ojai/query.js'
import type { Document, DocumentId, DocumentShape, Projected, WithId } from './ojai/values.js'

/** @category Client */
export type ConditionInput = Condition | ConditionJson | string
/** @category Client */
export type MutationInput = Mutation | MutationJson | string
/**
 * A query, its builder (`query().where(…)`, no `build()` needed), JSON or text.
 * @category Client
 */
export type QueryInput = Query | QueryBuilder | QueryJson | string

/**
 * How safe an operation is to repeat on another cluster when the first attempt may have been
 * applied. See the README's policy table for each operation's class.
 * @category Failover
 */
export type OperationClass = 'idempotent' | 'conditional' | 'non-idempotent'

/**
 * Where an operation may run.
 * - `primary-only`: only on the primary, whatever the active cluster is.
 * - `current-only`: only on the active cluster; never switches.
 * - `failover-if-unsent`: switches only when the first attempt provably never reached the server.
 * - `failover`: switches on any availability error or timeout.
 * @category Failover
 */
export type FailoverStrategy = 'primary-only' | 'current-only' | 'failover-if-unsent' | 'failover'

/**
 * Options every operation accepts. A single-cluster store ignores the failover-only ones.
 * @category Client
 */
export interface CallOptions {
  /**
   * DocumentStore: the gRPC deadline of this call (for `find`, of the whole stream; `Infinity` =
   * none). FailoverStore: how long the attempt on the active cluster may take before the
   * operation moves on.
   */
  readonly timeoutMs?: number
  /** FailoverStore only: the strategy for this call, overriding the configured policy. */
  readonly strategy?: FailoverStrategy
  /** FailoverStore only: hedge this read (or not), overriding the configured default. */
  readonly hedge?: boolean
}

/** @category Client */
export interface FindByIdOptions extends CallOptions {
  /** Field paths to return; absent = the whole document. `_id` is returned only when listed. */
  readonly fields?: readonly string[]
  /** The document is returned only if it satisfies this condition (otherwise `null`). */
  readonly condition?: ConditionInput
}

/** @category Client */
export interface FindOptions extends CallOptions {
  /**
   * DocumentStore: the longest wait for the next message of this find, the first included
   * (`Infinity` = none). Default: the connection's `findIdleMs`.
   */
  readonly idleMs?: number
  /**
   * FailoverStore only: when a find ordered by something other than `_id` fails mid-stream, run
   * it again from the start on the next cluster instead of failing with a ResumeNotPossible error.
   * The documents already delivered come again, then the rest: the whole result follows the
   * repeats, and `$limit` counts documents of the result, not repeats. The `rerouted` event's
   * `delivered` is the number of documents before the restart. Default false.
   */
  readonly allowRestart?: boolean
}

/**
 * {@link FindByIdOptions} without a projection: the whole document comes back.
 * @category Client
 */
export type WholeDocumentOptions = FindByIdOptions & { readonly fields?: undefined }

/**
 * A table, holding documents of type `T` (default: untyped {@link Document}s).
 *
 * `T` is a compile-time promise made by the caller, not checked at run time: the store decodes
 * whatever the table holds and hands it out as `T`. Open a typed store with
 * `connection.store<User>('/apps/users')` or `connectFailover<User>({ … })`. `T` must be a shape
 * OJAI can store ({@link DocumentShape}); plain interfaces qualify. Writes take the type with its
 * key ({@link WithId}); `findById` with `fields` and a `$select` in a `find` query return part of
 * a document: `findById` types that ({@link Projected}); `find` cannot see inside its query, so
 * the caller takes a projecting `find` as `Observable<Projected<User>>` (a `User` is one).
 * @category Client
 */
export interface Store<T extends DocumentShape<T> = Document> {
  /** The table path, e.g. `/apps/user_profiles`. */
  readonly path: string
  /**
   * Where a single-cluster store sends its calls, the gateway's `host:port` (a driver
   * DocumentStore sets it); telemetry reports it as `server.address` and `server.port`.
   */
  readonly target?: string

  /** The document with this key, or `null` when there is none (or it fails `condition`). */
  findById(id: DocumentId, options?: WholeDocumentOptions): Observable<T | null>
  /** With `fields`: only those fields come back ({@link Projected}); `_id` only when listed. */
  findById(id: DocumentId, options?: FindByIdOptions): Observable<Projected<T> | null>
  /** The documents matching the query, one emission each, in `_id` order unless `$orderby` says otherwise. */
  find(query?: QueryInput, options?: FindOptions): Observable<T>

  /** Stores the document whether or not its key exists. */
  insertOrReplace(doc: WithId<T>, options?: CallOptions): Observable<void>
  /** Stores the document; fails with DocumentExistsError when its key exists. */
  insert(doc: WithId<T>, options?: CallOptions): Observable<void>
  /** Replaces the stored document; fails with DocumentNotFoundError when its key does not exist. */
  replace(doc: WithId<T>, options?: CallOptions): Observable<void>
  /** Applies the mutation; fails with DocumentNotFoundError when the key does not exist. */
  update(id: DocumentId, mutation: MutationInput, options?: CallOptions): Observable<void>
  /** Adds `by` to the numeric field (creating it); the stored numeric type is kept. */
  increment(id: DocumentId, field: string, by: number | bigint, options?: CallOptions): Observable<void>
  /** Deletes the document; deleting a missing key succeeds. */
  delete(id: DocumentId, options?: CallOptions): Observable<void>

  /** Applies the mutation only if the stored document satisfies the condition; emits whether it did. */
  checkAndMutate(id: DocumentId, condition: ConditionInput, mutation: MutationInput, options?: CallOptions): Observable<boolean>
  /** Replaces the document only if the stored one satisfies the condition; emits whether it did. */
  checkAndReplace(doc: WithId<T>, condition: ConditionInput, options?: CallOptions): Observable<boolean>
  /** Deletes the document only if it satisfies the condition; emits whether it did. */
  checkAndDelete(id: DocumentId, condition: ConditionInput, options?: CallOptions): Observable<boolean>
}
