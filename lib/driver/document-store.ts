/**
 * One table on one gateway, implementing {@link Store}. Opening it costs nothing: no call is made
 * until an operation is subscribed to, so a store for a table on a cluster that is down can be
 * created at any time.
 */
import { inspect } from 'node:util'
import { type Observable, filter, map, throwError } from 'rxjs'
import { decodeDocument, decodeValue } from '../ojai/codec.js'
import { DecodingError, InvalidConditionError } from '../ojai/errors.js'
import type { Document, DocumentId, DocumentShape, DocumentWithId, Projected, Value, WithId } from '../ojai/values.js'
import { FindResponseType, InsertMode, PayloadEncoding } from '../proto/constants.js'
import { WireErrorCode, errorFromWire } from '../proto/error-codes.js'
import type {
  CallOptions,
  ConditionInput,
  FindByIdOptions,
  FindOptions,
  MutationInput,
  QueryInput,
  Store,
  WholeDocumentOptions,
} from '../store.js'
import type { FindResponse__Output } from '../proto/generated/com/mapr/data/db/FindResponse.js'
import type { FindByIdResponse__Output } from '../proto/generated/com/mapr/data/db/FindByIdResponse.js'
import type { PingResponse__Output } from '../proto/generated/com/mapr/data/db/PingResponse.js'
import {
  callTimeout,
  checkRequestSize,
  conditionJson,
  documentWithIdJson,
  findTimeouts,
  idDocumentJson,
  incrementJson,
  mutationJson,
  projections,
  queryJson,
} from './inputs.js'
import type { Deadlines } from './options.js'
import type { RpcRunner } from './rpc.js'

const { JSON_ENCODING } = PayloadEncoding
const { INSERT_OR_REPLACE, INSERT, REPLACE } = InsertMode
const { RESULT_DOCUMENT, QUERY_PLAN } = FindResponseType

/**
 * One message of {@link DocumentStore.findWithPlan}: the query plan first, then the documents.
 * @category Client
 */
export type FindEvent<T extends DocumentShape<T> = Document> =
  { readonly kind: 'plan'; readonly plan: Value; readonly json: string } | { readonly kind: 'document'; readonly document: T }

/** What a store needs from its connection. */
export interface StoreContext extends Deadlines {
  readonly runner: RpcRunner
  /** The connection's send limit in bytes (`grpc.max_send_message_length`); undefined: none. */
  readonly maxRequestBytes: number | undefined
  /** The gateway's address, for inspection. */
  readonly target: string
}

interface WithError {
  readonly error: { readonly errCode: number | string; readonly errorMessage: string } | null
}

function errCode(response: WithError): number {
  return Number(response.error?.errCode ?? WireErrorCode.NO_ERROR)
}

/** Throws the typed error for a non-zero code, unless it is one the caller handles. */
function check(response: WithError, ...handled: number[]): number {
  const code = errCode(response)
  if (code !== WireErrorCode.NO_ERROR && !handled.includes(code)) throw errorFromWire(code, response.error?.errorMessage ?? '')
  return code
}

function checkEncoding(encoding: number | string): void {
  const n = Number(encoding)
  // 0 is what a gateway that never set the field looks like; anything but JSON is unreadable.
  if (n !== JSON_ENCODING && n !== 0)
    throw new DecodingError(`the gateway answered with payload encoding ${String(encoding)}; only JSON_ENCODING (1) is supported`)
}

/** Builds the request now (so bad input fails before anything is sent), or fails on subscribe. */
function validated<T>(build: () => Observable<T>): Observable<T> {
  try {
    return build()
  } catch (error) {
    return throwError(() => error)
  }
}

/**
 * `T` types the documents (default: untyped {@link Document}); it is the caller's promise, not
 * checked at run time (see {@link Store}). Open a typed one with `connection.store<User>(path)`.
 * @category Client
 */
export class DocumentStore<T extends DocumentShape<T> = Document> implements Store<T> {
  readonly path: string
  /** Private, so an object dump never reaches the connection's credentials. */
  readonly #context: StoreContext

  /** Stores come from {@link Connection.store} / {@link Connection.getStore}. @internal */
  constructor(path: string, context: StoreContext) {
    this.path = path
    this.#context = context
  }

  /** Checks the options of one call of `operation`; returns its deadline. */
  private timeout(operation: string, options: CallOptions | undefined): number {
    return callTimeout(operation, options, this.#context.deadlineMs)
  }

  /** Refuses a request over the size limit before anything is sent (DocumentTooLargeError). */
  private sized<T extends Readonly<Record<string, unknown>>>(rpc: string, request: T): T {
    checkRequestSize(rpc, this.path, request, this.#context.maxRequestBytes)
    return request
  }

  /** The gateway this store calls, `host:port`. */
  get target(): string {
    return this.#context.target
  }

  toJSON(): { path: string; target: string } {
    return { path: this.path, target: this.#context.target }
  }

  [inspect.custom](): string {
    return `DocumentStore ${inspect(this.toJSON())}`
  }

  /** Gateway health check (`Ping`), as the failover store's probes use it. */
  ping(options?: CallOptions): Observable<void> {
    return validated(() => {
      const timeoutMs = this.timeout('ping', options)
      return this.#context.runner
        .unary<PingResponse__Output>({ rpc: 'Ping', table: this.path, timeoutMs }, (client, md, o, cb) => client.ping({}, md, o, cb))
        .pipe(map(() => undefined))
    })
  }

  findById(id: DocumentId, options?: WholeDocumentOptions): Observable<T | null>
  findById(id: DocumentId, options?: FindByIdOptions): Observable<Projected<T> | null>
  findById(id: DocumentId, options?: FindByIdOptions): Observable<T | Projected<T> | null> {
    return validated(() => {
      const timeoutMs = this.timeout('findById', options)
      const jsonDocument = idDocumentJson(id)
      const fields = projections(options?.fields)
      const jsonCondition = options?.condition === undefined ? undefined : conditionJson(options.condition)
      const request = this.sized('FindById', {
        tablePath: this.path,
        payloadEncoding: JSON_ENCODING,
        jsonDocument,
        ...(fields.length > 0 ? { projections: fields } : {}),
        ...(jsonCondition === undefined ? {} : { jsonCondition }),
      })
      return this.#context.runner
        .unary<FindByIdResponse__Output>({ rpc: 'FindById', table: this.path, timeoutMs }, (client, md, o, cb) =>
          client.findById(request, md, o, cb),
        )
        .pipe(
          map((response) => {
            if (check(response, WireErrorCode.DOCUMENT_NOT_FOUND) === WireErrorCode.DOCUMENT_NOT_FOUND) return null
            if (!response.jsonDocument) return null
            checkEncoding(response.payloadEncoding)
            // T is the caller's promise about the table (see Store): not checked here.
            return decodeDocument(response.jsonDocument) as T
          }),
        )
    })
  }

  /**
   * The matching documents, emitted as they arrive. The stream is bounded by the gap between
   * messages (`idleMs`, default the connection's `findIdleMs`), not by its length, unless a total
   * is set (`timeoutMs`, default the connection's `findDeadlineMs`, none unless set).
   */
  find(query?: QueryInput, options?: FindOptions): Observable<T> {
    return this.findEvents(query, options, false).pipe(
      filter((e): e is Extract<FindEvent<T>, { kind: 'document' }> => e.kind === 'document'),
      map((e) => e.document),
    )
  }

  /**
   * Like {@link find}, but asks the gateway for the query plan, which arrives as the first event.
   */
  findWithPlan(query?: QueryInput, options?: FindOptions): Observable<FindEvent<T>> {
    return this.findEvents(query, options, true)
  }

  private findEvents(query: QueryInput | undefined, options: FindOptions | undefined, includeQueryPlan: boolean): Observable<FindEvent<T>> {
    return validated(() => {
      const limits = findTimeouts(includeQueryPlan ? 'findWithPlan' : 'find', options, this.#context)
      // Left out unless true, as the official clients do (protobufjs would write an explicit false).
      const request = this.sized('Find', {
        tablePath: this.path,
        payloadEncoding: JSON_ENCODING,
        ...(includeQueryPlan ? { includeQueryPlan } : {}),
        jsonQuery: queryJson(query),
      })
      return this.#context.runner
        .stream<FindResponse__Output>({ rpc: 'Find', table: this.path, ...limits }, (client, md, o) => client.find(request, md, o))
        .pipe(map((message) => this.findEvent(message)))
    })
  }

  private findEvent(message: FindResponse__Output): FindEvent<T> {
    // PY and GO check the in-band error on every message; so do we (throwing cancels the call).
    check(message)
    checkEncoding(message.payloadEncoding)
    const type = Number(message.type)
    const json = message.jsonResponse ?? ''
    // T is the caller's promise about the table (see Store): not checked here.
    if (type === RESULT_DOCUMENT) return { kind: 'document', document: decodeDocument(json) as T }
    if (type === QUERY_PLAN) return { kind: 'plan', plan: json === '' ? null : decodeValue(json), json }
    throw new DecodingError(`the gateway sent a Find response of unknown type ${String(message.type)}`)
  }

  private write(
    operation: string,
    rpcMode: 1 | 2 | 3,
    doc: DocumentWithId,
    options: CallOptions | undefined,
    condition?: ConditionInput,
  ): Observable<number> {
    return validated(() => {
      const timeoutMs = this.timeout(operation, options)
      const jsonDocument = documentWithIdJson(doc)
      const jsonCondition = condition === undefined ? undefined : conditionJson(condition)
      const request = this.sized('InsertOrReplace', {
        tablePath: this.path,
        insertMode: rpcMode,
        payloadEncoding: JSON_ENCODING,
        jsonDocument,
        ...(jsonCondition === undefined ? {} : { jsonCondition }),
      })
      return this.#context.runner
        .unary<WithError>({ rpc: 'InsertOrReplace', table: this.path, timeoutMs }, (client, md, o, cb) =>
          client.insertOrReplace(request, md, o, cb),
        )
        .pipe(map((response) => check(response, ...(condition === undefined ? [] : [WireErrorCode.DOCUMENT_NOT_FOUND]))))
    })
  }

  insertOrReplace(doc: WithId<T>, options?: CallOptions): Observable<void> {
    return this.write('insertOrReplace', INSERT_OR_REPLACE, doc, options).pipe(map(() => undefined))
  }

  insert(doc: WithId<T>, options?: CallOptions): Observable<void> {
    return this.write('insert', INSERT, doc, options).pipe(map(() => undefined))
  }

  replace(doc: WithId<T>, options?: CallOptions): Observable<void> {
    return this.write('replace', REPLACE, doc, options).pipe(map(() => undefined))
  }

  checkAndReplace(doc: WithId<T>, condition: ConditionInput, options?: CallOptions): Observable<boolean> {
    if (condition === undefined || condition === null) return throwError(() => missingCondition('checkAndReplace'))
    return this.write('checkAndReplace', REPLACE, doc, options, condition).pipe(map((code) => code === WireErrorCode.NO_ERROR))
  }

  private updateCall(
    operation: string,
    id: DocumentId,
    jsonMutation: () => string,
    condition: ConditionInput | undefined,
    options: CallOptions | undefined,
  ): Observable<number> {
    return validated(() => {
      const timeoutMs = this.timeout(operation, options)
      const jsonDocument = idDocumentJson(id)
      const mutation = jsonMutation()
      const jsonCondition = condition === undefined ? undefined : conditionJson(condition)
      const request = this.sized('Update', {
        tablePath: this.path,
        payloadEncoding: JSON_ENCODING,
        jsonDocument,
        jsonMutation: mutation,
        ...(jsonCondition === undefined ? {} : { jsonCondition }),
      })
      return this.#context.runner
        .unary<WithError>({ rpc: 'Update', table: this.path, timeoutMs }, (client, md, o, cb) => client.update(request, md, o, cb))
        .pipe(map((response) => check(response, ...(condition === undefined ? [] : [WireErrorCode.DOCUMENT_NOT_FOUND]))))
    })
  }

  update(id: DocumentId, mutation: MutationInput, options?: CallOptions): Observable<void> {
    return this.updateCall('update', id, () => mutationJson(mutation), undefined, options).pipe(map(() => undefined))
  }

  increment(id: DocumentId, field: string, by: number | bigint, options?: CallOptions): Observable<void> {
    return this.updateCall('increment', id, () => incrementJson(field, by), undefined, options).pipe(map(() => undefined))
  }

  checkAndMutate(id: DocumentId, condition: ConditionInput, mutation: MutationInput, options?: CallOptions): Observable<boolean> {
    if (condition === undefined || condition === null) return throwError(() => missingCondition('checkAndMutate'))
    return this.updateCall('checkAndMutate', id, () => mutationJson(mutation), condition, options).pipe(
      map((code) => code === WireErrorCode.NO_ERROR),
    )
  }

  private deleteCall(
    operation: string,
    id: DocumentId,
    condition: ConditionInput | undefined,
    options: CallOptions | undefined,
  ): Observable<number> {
    return validated(() => {
      const timeoutMs = this.timeout(operation, options)
      const jsonDocument = idDocumentJson(id)
      const jsonCondition = condition === undefined ? undefined : conditionJson(condition)
      const request = this.sized('Delete', {
        tablePath: this.path,
        payloadEncoding: JSON_ENCODING,
        jsonDocument,
        ...(jsonCondition === undefined ? {} : { jsonCondition }),
      })
      return this.#context.runner
        .unary<WithError>({ rpc: 'Delete', table: this.path, timeoutMs }, (client, md, o, cb) => client.delete(request, md, o, cb))
        .pipe(map((response) => check(response, ...(condition === undefined ? [] : [WireErrorCode.DOCUMENT_NOT_FOUND]))))
    })
  }

  delete(id: DocumentId, options?: CallOptions): Observable<void> {
    return this.deleteCall('delete', id, undefined, options).pipe(map(() => undefined))
  }

  /** True when deleted; false when the key is missing or the condition is false. */
  checkAndDelete(id: DocumentId, condition: ConditionInput, options?: CallOptions): Observable<boolean> {
    if (condition === undefined || condition === null) return throwError(() => missingCondition('checkAndDelete'))
    return this.deleteCall('checkAndDelete', id, condition, options).pipe(map((code) => code === WireErrorCode.NO_ERROR))
  }
}

function missingCondition(op: string): InvalidConditionError {
  return new InvalidConditionError(`${op} needs a condition (use {} for "always")`)
}
