/**
 * `fakeStore(script)`: a scripted `Store` for tests of code that uses one, with no network.
 *
 * Each of the 11 methods is scripted as a marble diagram (one frame = one millisecond, see
 * marble.ts), a {@link Marble} with values and an error, or a function of the call's arguments
 * returning an Observable, a diagram, a `Marble` or a plain value; the function runs when the call
 * is subscribed, so it may also read the clock (a cluster that comes back at 5 s). A method that is called but not
 * scripted errors with {@link UnscriptedCallError}, which says how to script it. Every call is
 * logged with its arguments and the frames at which it was subscribed and ended, so a test can
 * assert what was sent and that an abandoned attempt was cancelled.
 *
 * ```ts
 * const primary = fakeStore<User>({ path: '/apps/users', findById: '-' })            // never answers
 * const secondary = fakeStore<User>({
 *   findById: marble('--a|', { a: { _id: 'u1', name: 'Ada' } }),                        // answers at 2 ms
 *   insert: '-(x|)',                                                                     // writes: any letter is `undefined`
 *   checkAndDelete: '(t|)',                                                              // t = true, f = false
 *   find: () => [{ _id: 'u1', name: 'Ada' }],                                            // a plain value: at once
 * })
 * primary.calls   // [{ method: 'findById', args: ['u1', undefined], subscribedAt: 0, endedAt: 500, ending: 'cancelled' }]
 * ```
 *
 * Letters need no value where it goes without saying: a write emits `undefined` whatever the
 * letter, a check-and-* method `t` (true) or `f` (false). Any other letter without a value is
 * refused when the fake is made (InvalidOptionsError). `#` without an error fails with an
 * UnavailableError, an availability fault, so a FailoverStore moves on (a write only with the
 * `failover` strategy: nothing proves the request was unsent).
 */
import { asyncScheduler, defer, from, isObservable, Observable, of, type SchedulerLike } from 'rxjs'
import { UnavailableError, UnsupportedOperationError, InvalidOptionsError } from '../ojai/errors.js'
import type { Document, DocumentId, DocumentShape, Projected } from '../ojai/values.js'
import { DEFAULT_PROBE_ID, SCHEDULER } from '../failover/options.js'
import { checkOptions, type Rules } from '../ojai/check-options.js'
import { OPERATION_NAMES, type OperationName } from '../failover/policy.js'
import { didYouMean } from '../ojai/suggest.js'
import type { FindByIdOptions, Store, WholeDocumentOptions } from '../store.js'
import { Marble, parseDiagram, play, type Step } from './marble.js'

/**
 * The 11 methods of a Store.
 * @category Testing
 */
export type StoreMethod = OperationName

/**
 * What one call of `method` emits: the document or null, each found document, `undefined` for writes, a boolean for check-and-*.
 * @category Testing
 */
export type ResultOf<M extends StoreMethod, T extends DocumentShape<T> = Document> = M extends 'findById'
  ? T | null
  : M extends 'find'
    ? T
    : M extends 'checkAndMutate' | 'checkAndReplace' | 'checkAndDelete'
      ? boolean
      : void

/**
 * The arguments of one call of `method` (for `findById`, with any options).
 * @category Testing
 */
export type ArgsOf<M extends StoreMethod, T extends DocumentShape<T> = Document> = Parameters<Store<T>[M]>

/**
 * What a scripted function may return for one call: the answer as an Observable, a diagram, a Marble, or the plain value (for `find`, an array of documents).
 * @category Testing
 */
export type Answer<M extends StoreMethod, T extends DocumentShape<T> = Document> =
  Observable<ResultOf<M, T>> | string | Marble<ResultOf<M, T>> | (M extends 'find' ? readonly T[] : ResultOf<M, T>)

/**
 * How one method answers: the same diagram or Marble for every call, or a function of the call's arguments.
 * @category Testing
 */
export type MethodScript<M extends StoreMethod, T extends DocumentShape<T> = Document> =
  string | Marble<ResultOf<M, T>> | ((...args: ArgsOf<M, T>) => Answer<M, T>)

/**
 * A fake store's script: its table path (default `/fake/table`) and any of the 11 methods.
 * @category Testing
 */
export type FakeScript<T extends DocumentShape<T> = Document> = { readonly path?: string } & {
  readonly [M in StoreMethod]?: MethodScript<M, T>
}

/** @category Testing */
export interface FakeStoreOptions {
  /**
   * Timers that play the diagrams, and the clock of the call log. Default `asyncScheduler`: virtual
   * time inside `TestScheduler.run` (and rxjs-marbles' `marbles()`), real time elsewhere.
   */
  readonly scheduler?: SchedulerLike
}

const FAKE_STORE_OPTIONS: Rules<FakeStoreOptions> = { scheduler: SCHEDULER }

/**
 * How a subscription to a call ended.
 * @category Testing
 */
export type CallEnding = 'completed' | 'errored' | 'cancelled'

/**
 * One call of a fake store's method, as logged.
 * @category Testing
 */
export interface FakeCall<M extends StoreMethod = StoreMethod, T extends DocumentShape<T> = Document> {
  readonly method: M
  readonly args: ArgsOf<M, T>
  /** Scheduler time of the call (the virtual frame inside `TestScheduler.run`, epoch ms elsewhere). */
  readonly calledAt: number
  /** When the returned Observable was subscribed; `undefined` while it was not. */
  readonly subscribedAt: number | undefined
  /** When that subscription ended (completed, errored or was unsubscribed); `undefined` while it runs. */
  readonly endedAt: number | undefined
  /** How it ended: `cancelled` is an unsubscription before the end (an abandoned attempt). */
  readonly ending: CallEnding | undefined
}

/**
 * The method was called but the script says nothing about it. Never fails over: the test fails with this message.
 * @category Errors
 */
export class UnscriptedCallError extends UnsupportedOperationError {
  constructor(
    /** The fake store's table path. */
    readonly path: string,
    readonly method: StoreMethod,
  ) {
    const probe =
      method === 'findById'
        ? ` (a FailoverStore's failback probe reads ${JSON.stringify(DEFAULT_PROBE_ID)} with findById: script findById as a function of the id to answer it)`
        : ''
    super(
      `fake store ${path}: ${method} was called but not scripted${probe}; script it, e.g. fakeStore({ ${method}: '--(a|)' }) or fakeStore({ ${method}: (...args) => of(…) })`,
    )
  }
}

/**
 * A Store whose answers are scripted; see {@link fakeStore}.
 * @category Testing
 */
export interface FakeStore<T extends DocumentShape<T> = Document> extends Store<T> {
  /** Every call so far, in call order; the entries update as their subscriptions start and end. */
  readonly calls: readonly FakeCall<StoreMethod, T>[]
  /** The calls of one method. */
  callsOf<M extends StoreMethod>(method: M): readonly FakeCall<M, T>[]
}

const BOOLEAN_LETTERS: Readonly<Record<string, boolean>> = { t: true, f: false }

function isWrite(method: StoreMethod): boolean {
  return method !== 'findById' && method !== 'find' && !method.startsWith('check')
}

class FakeStoreImpl<T extends DocumentShape<T>> implements FakeStore<T> {
  readonly path: string
  private readonly log: MutableCall[] = []
  private readonly scheduler: SchedulerLike
  /** Diagrams scripted once for every call, parsed when the fake is made. */
  private readonly fixed = new Map<StoreMethod, Step<unknown>[]>()
  private readonly functions = new Map<StoreMethod, (...args: unknown[]) => unknown>()

  constructor(script: FakeScript<T>, options: FakeStoreOptions) {
    if (script === null || typeof script !== 'object')
      throw new InvalidOptionsError(
        `fakeStore takes a script object such as { findById: '--(a|)' }, got ${script === null ? 'null' : typeof script}`,
      )
    const path = script.path ?? '/fake/table'
    if (typeof path !== 'string' || path === '')
      throw new InvalidOptionsError(`fakeStore: path must be a non-empty table path, got ${typeof path === 'string' ? '""' : typeof path}`)
    this.path = path
    this.scheduler = options.scheduler ?? asyncScheduler
    for (const [key, value] of Object.entries(script)) {
      if (key === 'path' || value === undefined) continue
      if (!(OPERATION_NAMES as readonly string[]).includes(key)) {
        throw new InvalidOptionsError(`fakeStore: ${JSON.stringify(key)} is not a Store method${didYouMean(key, OPERATION_NAMES)}`)
      }
      const method = key as StoreMethod
      if (typeof value === 'function') this.functions.set(method, value as (...args: unknown[]) => unknown)
      else if (typeof value === 'string' || value instanceof Marble) this.fixed.set(method, this.steps(method, value))
      else
        throw new InvalidOptionsError(
          `fakeStore: ${method} must be a marble diagram, marble(…) or a function of the call's arguments, got ${typeof value}`,
        )
    }
  }

  get calls(): readonly FakeCall<StoreMethod, T>[] {
    return this.log as readonly FakeCall<StoreMethod, T>[]
  }

  callsOf<M extends StoreMethod>(method: M): readonly FakeCall<M, T>[] {
    return this.log.filter((c) => c.method === method) as unknown as readonly FakeCall<M, T>[]
  }

  /** The steps of a diagram or Marble scripted for `method`. */
  private steps(method: StoreMethod, script: string | Marble<unknown>): Step<unknown>[] {
    const { diagram, values, error } = typeof script === 'string' ? new Marble<unknown>(script) : script
    const where = `fakeStore ${this.path} ${method}`
    const valueOf = (letter: string): unknown => {
      if (values !== undefined && Object.hasOwn(values, letter)) return values[letter]
      if (isWrite(method)) return undefined
      if (method.startsWith('check') && letter in BOOLEAN_LETTERS) return BOOLEAN_LETTERS[letter]
      throw new InvalidOptionsError(
        `${where}: the marble ${JSON.stringify(diagram)} emits ${JSON.stringify(letter)} but gives no value for it; script it as marble(${JSON.stringify(diagram)}, { ${letter}: … })`,
      )
    }
    const errorOf = () => (error !== undefined ? error : new UnavailableError(`fake store ${this.path}: scripted failure of ${method}`))
    return parseDiagram(where, diagram, valueOf, errorOf)
  }

  /** The answer of one call, subscribed lazily. */
  private answer(method: StoreMethod, args: unknown[]): Observable<unknown> {
    const fixed = this.fixed.get(method)
    if (fixed !== undefined) return play(fixed, this.scheduler)
    const fn = this.functions.get(method)
    if (fn === undefined) return new Observable((s) => s.error(new UnscriptedCallError(this.path, method)))
    return defer(() => {
      const out = fn(...args)
      if (isObservable(out)) return out
      if (typeof out === 'string' || out instanceof Marble) return play(this.steps(method, out), this.scheduler)
      if (method === 'find') {
        if (!Array.isArray(out))
          throw new InvalidOptionsError(
            `fakeStore ${this.path} find: the scripted function must return an Observable, a diagram, marble(…) or an array of documents, got ${typeof out}`,
          )
        return from(out as unknown[])
      }
      return of(out)
    })
  }

  private call<R>(method: StoreMethod, args: unknown[]): Observable<R> {
    const entry: MutableCall = {
      method,
      args: args as ArgsOf<StoreMethod>,
      calledAt: this.scheduler.now(),
      subscribedAt: undefined,
      endedAt: undefined,
      ending: undefined,
    }
    this.log.push(entry)
    const answer = this.answer(method, args)
    return new Observable<R>((subscriber) => {
      // A second subscription to the same call is logged as a call of its own.
      const record = entry.subscribedAt === undefined ? entry : this.relog(entry)
      record.subscribedAt = this.scheduler.now()
      const end = (ending: CallEnding) => {
        if (record.ending !== undefined) return
        record.ending = ending
        record.endedAt = this.scheduler.now()
      }
      const inner = answer.subscribe({
        next: (value) => subscriber.next(value as R),
        error: (error: unknown) => {
          end('errored')
          subscriber.error(error)
        },
        complete: () => {
          end('completed')
          subscriber.complete()
        },
      })
      return () => {
        end('cancelled')
        inner.unsubscribe()
      }
    })
  }

  private relog(entry: MutableCall): MutableCall {
    const again: MutableCall = { ...entry, calledAt: this.scheduler.now(), subscribedAt: undefined, endedAt: undefined, ending: undefined }
    this.log.push(again)
    return again
  }

  findById(id: DocumentId, options?: WholeDocumentOptions): Observable<T | null>
  findById(id: DocumentId, options?: FindByIdOptions): Observable<Projected<T> | null>
  findById(...args: ArgsOf<'findById', T>): Observable<T | Projected<T> | null> {
    return this.call('findById', args)
  }
  find(...args: ArgsOf<'find', T>): ReturnType<Store<T>['find']> {
    return this.call('find', args)
  }
  insertOrReplace(...args: ArgsOf<'insertOrReplace', T>): ReturnType<Store<T>['insertOrReplace']> {
    return this.call('insertOrReplace', args)
  }
  insert(...args: ArgsOf<'insert', T>): ReturnType<Store<T>['insert']> {
    return this.call('insert', args)
  }
  replace(...args: ArgsOf<'replace', T>): ReturnType<Store<T>['replace']> {
    return this.call('replace', args)
  }
  update(...args: ArgsOf<'update', T>): ReturnType<Store<T>['update']> {
    return this.call('update', args)
  }
  increment(...args: ArgsOf<'increment', T>): ReturnType<Store<T>['increment']> {
    return this.call('increment', args)
  }
  delete(...args: ArgsOf<'delete', T>): ReturnType<Store<T>['delete']> {
    return this.call('delete', args)
  }
  checkAndMutate(...args: ArgsOf<'checkAndMutate', T>): ReturnType<Store<T>['checkAndMutate']> {
    return this.call('checkAndMutate', args)
  }
  checkAndReplace(...args: ArgsOf<'checkAndReplace', T>): ReturnType<Store<T>['checkAndReplace']> {
    return this.call('checkAndReplace', args)
  }
  checkAndDelete(...args: ArgsOf<'checkAndDelete', T>): ReturnType<Store<T>['checkAndDelete']> {
    return this.call('checkAndDelete', args)
  }

  /** What `console.log` shows: the path and the scripted methods. */
  toJSON(): { path: string; scripted: StoreMethod[]; calls: number } {
    return { path: this.path, scripted: [...this.fixed.keys(), ...this.functions.keys()], calls: this.log.length }
  }
}

type MutableCall = { -readonly [K in keyof FakeCall]: FakeCall[K] }

/**
 * A Store whose methods answer as `script` says; see the module doc. Throws InvalidOptionsError
 * for a key that is not a Store method, a diagram RxJS cannot parse, a letter without a value, or
 * options it does not know (`{ scheduler }` only, a SchedulerLike).
 * @category Testing
 */
export function fakeStore<T extends DocumentShape<T> = Document>(
  script: FakeScript<NoInfer<T>> = {},
  options: FakeStoreOptions = {},
): FakeStore<NoInfer<T>> {
  checkOptions('fakeStore options', options, FAKE_STORE_OPTIONS)
  return new FakeStoreImpl<T>(script, options)
}
