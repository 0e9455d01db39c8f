/**
 * Failover policy = operation class x strategy.
 *
 * The class says how safe an operation is to repeat on another cluster when the first attempt may
 * already have been applied; the strategy says where an operation may run. Every combination is
 * allowed and configurable globally, per class and per call (`CallOptions.strategy`), the most
 * specific winning: call > class > global > {@link DEFAULT_STRATEGIES}.
 *
 * | operation          | class                                                             |
 * |--------------------|-------------------------------------------------------------------|
 * | findById, find     | idempotent                                                        |
 * | insertOrReplace    | idempotent                                                        |
 * | replace            | idempotent (replaces by value: twice = once)                      |
 * | delete             | idempotent (deleting a missing key succeeds)                      |
 * | insert             | conditional (a repeat may answer DocumentExists)                  |
 * | update             | conditional if the mutation is idempotent ($set, $put, $delete…), |
 * |                    | non-idempotent with $increment / $decrement / $append             |
 * | checkAndReplace    | conditional                                                       |
 * | checkAndDelete     | conditional                                                       |
 * | checkAndMutate     | as update, by its mutation                                        |
 * | increment          | non-idempotent                                                    |
 *
 * Safe defaults: a write that may have been applied is never silently repeated elsewhere.
 * - idempotent -> `failover`
 * - conditional -> `failover-if-unsent`
 * - non-idempotent -> `failover-if-unsent`
 */
import { isUnsent } from '../ojai/errors.js'
import { Mutation } from '../ojai/mutation.js'
import type { FailoverStrategy, MutationInput, OperationClass } from '../store.js'

/** @category Failover */
export type OperationName =
  | 'findById'
  | 'find'
  | 'insertOrReplace'
  | 'insert'
  | 'replace'
  | 'update'
  | 'increment'
  | 'delete'
  | 'checkAndMutate'
  | 'checkAndReplace'
  | 'checkAndDelete'

/**
 * `by-mutation`: idempotent mutations make the operation `conditional`, others `non-idempotent`.
 * @category Internals
 */
export type ClassRule = OperationClass | 'by-mutation'

/**
 * The class of every Store operation (the table above, as data).
 * @category Internals
 */
export const OPERATION_CLASSES: Readonly<Record<OperationName, ClassRule>> = Object.freeze({
  findById: 'idempotent',
  find: 'idempotent',
  insertOrReplace: 'idempotent',
  replace: 'idempotent',
  delete: 'idempotent',
  insert: 'conditional',
  update: 'by-mutation',
  checkAndReplace: 'conditional',
  checkAndDelete: 'conditional',
  checkAndMutate: 'by-mutation',
  increment: 'non-idempotent',
})

/**
 * The operations that only read: nothing to apply, so an attempt in flight may be abandoned for
 * another (silence moves them at once) and no attempt of theirs is waited for.
 * @category Internals
 */
export const READ_OPERATIONS: ReadonlySet<OperationName> = new Set<OperationName>(['findById', 'find'])

/**
 * Is a write of class `cls` acknowledged only once every attempt it left behind has settled
 * (steps/settle.ts)? Writes that set a value: landing late, an attempt would overwrite newer
 * writes. Non-idempotent ones add to what is there; a late one is a repeat, which a caller who
 * lets them fail over has accepted.
 * @category Internals
 */
export function settlesBeforeAck(operation: OperationName, cls: OperationClass): boolean {
  return !READ_OPERATIONS.has(operation) && cls !== 'non-idempotent'
}

/** @category Internals */
export const OPERATION_NAMES = Object.freeze(Object.keys(OPERATION_CLASSES) as OperationName[])

/** @category Internals */
export const DEFAULT_STRATEGIES: Readonly<Record<OperationClass, FailoverStrategy>> = Object.freeze({
  idempotent: 'failover',
  conditional: 'failover-if-unsent',
  'non-idempotent': 'failover-if-unsent',
})

/**
 * Global and per-class strategies. Absent entries fall back to {@link DEFAULT_STRATEGIES}.
 * @category Failover
 */
export interface PolicyOptions {
  /** Strategy for every class that has no entry of its own. */
  readonly all?: FailoverStrategy
  readonly idempotent?: FailoverStrategy
  readonly conditional?: FailoverStrategy
  readonly 'non-idempotent'?: FailoverStrategy
}

const STRATEGIES: readonly FailoverStrategy[] = ['primary-only', 'current-only', 'failover-if-unsent', 'failover']

export function isStrategy(value: unknown): value is FailoverStrategy {
  return STRATEGIES.includes(value as FailoverStrategy)
}

/**
 * The class of one call. Parses the mutation for `update` / `checkAndMutate` (throws
 * InvalidMutationError for a malformed one, which the caller turns into the operation's error).
 * @category Internals
 */
export function classify(operation: OperationName, mutation?: MutationInput): OperationClass {
  const rule = OPERATION_CLASSES[operation]
  if (rule !== 'by-mutation') return rule
  return mutation !== undefined && Mutation.from(mutation).isIdempotent ? 'conditional' : 'non-idempotent'
}

/**
 * Strategy resolution, precomputed per class so the hot path is one property read.
 * @category Internals
 */
export class Policy {
  private readonly byClass: Record<OperationClass, FailoverStrategy>

  constructor(options: PolicyOptions = {}) {
    this.byClass = {
      idempotent: options.idempotent ?? options.all ?? DEFAULT_STRATEGIES.idempotent,
      conditional: options.conditional ?? options.all ?? DEFAULT_STRATEGIES.conditional,
      'non-idempotent': options['non-idempotent'] ?? options.all ?? DEFAULT_STRATEGIES['non-idempotent'],
    }
  }

  strategy(cls: OperationClass, perCall?: FailoverStrategy): FailoverStrategy {
    return perCall ?? this.byClass[cls]
  }
}

/**
 * May an operation under `strategy`, whose attempt just failed with the availability error
 * `error`, be repeated on another cluster? `failover-if-unsent` asks for proof that the request
 * never reached the server; a timeout is never such proof.
 * @category Internals
 */
export function mayMoveOn(strategy: FailoverStrategy, error: unknown): boolean {
  return strategy === 'failover' || (strategy === 'failover-if-unsent' && isUnsent(error))
}
