/**
 * The options of one call ({@link CallOptions}, {@link FindByIdOptions}, {@link FindOptions}),
 * checked by the driver's `DocumentStore` and by the `FailoverStore` alike before anything is
 * sent: `{ timout: 5 }` is refused with "did you mean timeoutMs", `{ hedge: 'yes' }` with what
 * `hedge` accepts (check-options.ts). Both stores know every key, the failover-only ones
 * included, so one options object works with either; a single-cluster store ignores those.
 */
import { arrayOf, boolean, checkOptions, oneOf, rule, timeLimit, type Rule, type Rules } from './ojai/check-options.js'
import type { CallOptions, FailoverStrategy, FindByIdOptions, FindOptions } from './store.js'

/**
 * Every {@link FailoverStrategy}, in order from the most to the least restrictive.
 * @category Internals
 */
export const FAILOVER_STRATEGIES: readonly FailoverStrategy[] = Object.freeze([
  'primary-only',
  'current-only',
  'failover-if-unsent',
  'failover',
])

/**
 * The rules of the options of every kind of call.
 * @category Internals
 */
export interface CallOptionRules {
  readonly call: Rules<CallOptions>
  readonly findById: Rules<FindByIdOptions>
  readonly find: Rules<FindOptions>
}

/**
 * The rules of every call's options, with the rule of `timeoutMs` of the store that takes them:
 * the driver takes `Infinity` for no deadline, the FailoverStore needs a bound.
 * @category Internals
 */
export function callOptionRules(timeoutMs: Rule): CallOptionRules {
  const call: Rules<CallOptions> = { timeoutMs, strategy: oneOf(FAILOVER_STRATEGIES), hedge: boolean }
  return {
    call,
    findById: {
      ...call,
      fields: arrayOf(rule('a non-empty field path such as "a.b"', (v) => typeof v === 'string' && v !== '')),
      // What it holds is checked where it is parsed (InvalidConditionError).
      condition: rule(
        'a condition: cond.…(), a JSON object or its text',
        (v) => typeof v === 'string' || (typeof v === 'object' && v !== null && !Array.isArray(v)),
      ),
    },
    find: { ...call, idleMs: timeLimit, allowRestart: boolean },
  }
}

/** The driver's: a time limit in ms, `Infinity` for none. */
const DRIVER_RULES = callOptionRules(timeLimit)

/**
 * Checks the options of one call of `operation` (a Store method, `ping`, an admin call); throws
 * InvalidOptionsError naming the operation and the key.
 * @category Internals
 */
export function checkCallOptions(operation: string, options: CallOptions | undefined, rules: CallOptionRules = DRIVER_RULES): void {
  const forCall = operation === 'findById' ? rules.findById : operation === 'find' || operation === 'findWithPlan' ? rules.find : rules.call
  checkOptions(`${operation} options`, options, forCall as Rules<CallOptions>)
}
