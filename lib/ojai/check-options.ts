/**
 * One rule for every options object the library takes (construction, connect, per call,
 * maintenance, the testing kit, the gateway): it is checked where it enters, before anything is
 * sent or started, and a bad one throws {@link InvalidOptionsError} saying what to fix:
 *
 * - a key the type does not have: `findById options: unknown option "timout" (did you mean "timeoutMs"?)`;
 * - a value of the wrong type or out of range: `hedge must be true or false; got "yes"`;
 * - not an object at all: `connect options must be an object; got null`.
 *
 * An options type is described once, as {@link Rules}: one {@link Rule} per key. `Rules<O>` names
 * every key of `O`, so adding an option to a type without saying what it accepts does not compile.
 *
 * ```ts
 * const RULES: Rules<CloseOptions> = { graceMs: integerIn(0, MAX_TIMER_MS) }
 * checkOptions('close options', options, RULES)
 * ```
 *
 * Pure: no I/O. Messages show a value by its kind, a number as written and a string quoted and
 * cut to 40 characters; the rules of options that hold a secret (a password, an authorization)
 * refuse only what is not a string, or is empty, so no message quotes one. Unknown keys are
 * named, their values never shown.
 */
import { InvalidOptionsError } from './errors.js'
import { describeKind } from './problems.js'
import { didYouMean } from './suggest.js'

/**
 * The longest delay a timer can have, ms (2^31-1, about 24.8 days): Node clamps a longer one to
 * 1 ms, so every time limit is checked against it.
 * @category Internals
 */
export const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * A check of one option's value: returns when the value is acceptable, throws InvalidOptionsError
 * naming the option (`name`, e.g. `probe.backoff.jitter`) and what it accepts otherwise.
 * `expects` is that description, e.g. `an integer in [1, 2^31-1]`.
 * @category Internals
 */
export interface Rule {
  (value: unknown, name: string): void
  readonly expects: string
  /** Checked even when left out (see {@link required}); otherwise `undefined` is an option left out. */
  readonly required?: boolean
}

/**
 * The rules of an options type, one per key (optional keys included).
 * @category Internals
 */
export type Rules<O> = { readonly [K in keyof Required<O>]: Rule }

/** A value as a message shows it: numbers and booleans as written, strings quoted and cut, bytes counted, anything else by its kind. */
export function shown(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (typeof value === 'string') return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value)
  if (value instanceof Uint8Array) return `${value.length} bytes`
  return describeKind(value)
}

/** Throws the InvalidOptionsError of an option whose value is not what it accepts. */
export function mustBe(name: string, expects: string, value: unknown): never {
  throw new InvalidOptionsError(`${name} must be ${expects}; got ${shown(value)}`)
}

/** A rule from a test and what it accepts. */
export function rule(expects: string, test: (value: unknown) => boolean): Rule {
  return checkedBy(expects, (value, name) => {
    if (!test(value)) mustBe(name, expects, value)
  })
}

/** A rule from a check that throws itself (for values with parts of their own, each named). */
export function checkedBy(expects: string, check: (value: unknown, name: string) => void, required = false): Rule {
  return Object.assign(check, { expects, required })
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Checks that `value` is an object whose keys are all in `known`; `what` names it in the message
 * (`startClusters options`, `probe.backoff`). An unknown key is refused with the nearest known one.
 */
export function checkKeys(what: string, value: unknown, known: readonly string[]): asserts value is Readonly<Record<string, unknown>> {
  if (!isPlainObject(value)) mustBe(what, 'an object', value)
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new InvalidOptionsError(`${what}: unknown option ${JSON.stringify(key)}${didYouMean(key, known)}`)
  }
}

/**
 * Checks an options object where it enters: `undefined` passes (every option has a default);
 * anything else must be an object with known keys only, each value accepted by its rule (an
 * `undefined` value is an option left out). `what` names the object in messages; `prefix` goes in
 * front of each key (`probe.` for the keys of `probe`).
 */
export function checkOptions<O>(what: string, value: O | undefined, rules: Rules<O>, prefix = ''): void {
  if (value === undefined) return
  const known = Object.keys(rules)
  checkKeys(what, value, known)
  for (const key of known) {
    const v = (value as Readonly<Record<string, unknown>>)[key]
    const check = (rules as Readonly<Record<string, Rule>>)[key]
    if (check !== undefined && (v !== undefined || check.required === true)) check(v, `${prefix}${key}`)
  }
}

/** A rule for a key that must be given (`user` of credentials): `undefined` is refused too. */
export function required(rule: Rule): Rule {
  // A new function: the rule itself is shared, and stays optional elsewhere.
  return checkedBy(rule.expects, (value, name) => rule(value, name), true)
}

/** The rule of a nested options object (`cancelBudget`, `tls`): checked by its own rules, named by its path. */
export function nested<O>(rules: Rules<O>): Rule {
  return checkedBy('an object', (value, name) => checkOptions(name, value as O, rules, `${name}.`))
}

function bound(n: number): string {
  return n === MAX_TIMER_MS ? '2^31-1' : String(n)
}

/** A finite number in [min, max]. */
export function numberIn(min: number, max: number): Rule {
  return rule(`a number in [${bound(min)}, ${bound(max)}]`, (v) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max)
}

/** An integer in [min, max]. */
export function integerIn(min: number, max: number): Rule {
  return rule(`an integer in [${bound(min)}, ${bound(max)}]`, (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)
}

/** A whole number of at least `min` (a count, a size in bytes). */
export function integerAtLeast(min: number): Rule {
  return rule(`an integer of at least ${min}`, (v) => Number.isSafeInteger(v) && (v as number) >= min)
}

/** A time limit of one call: ms above 0 up to 2^31-1, or `Infinity` for none. */
export const timeLimit: Rule = rule(
  `a number of ms above 0 and at most 2^31-1, or Infinity for no limit`,
  (v) => v === Infinity || (typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= MAX_TIMER_MS),
)

/** One of the listed values. */
export function oneOf(values: readonly unknown[]): Rule {
  return rule(`one of ${values.map(String).join(', ')}`, (v) => values.includes(v))
}

/** `true` or `false`. */
export const boolean: Rule = rule('true or false', (v) => typeof v === 'boolean')

/** A string of at least one character. */
export function nonEmptyString(): Rule {
  return rule('a non-empty string', (v) => typeof v === 'string' && v !== '')
}

/** A function; `expects` says what it is for, e.g. `a function returning a number in [0, 1)`. */
export function func(expects: string): Rule {
  return rule(expects, (v) => typeof v === 'function')
}

/** An object with these methods (a logger, a scheduler); `expects` names what it is. */
export function withMethods(expects: string, methods: readonly string[]): Rule {
  return rule(
    expects,
    (v) => typeof v === 'object' && v !== null && methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
  )
}

/** Any object (not null, not an array): what the library hands on unread, such as grpc credentials. */
export function anObject(expects: string): Rule {
  return rule(expects, isPlainObject)
}

/** An array (non-empty when asked) whose every item `item` accepts, named `name[i]`. */
export function arrayOf(item: Rule, { nonEmpty = false } = {}): Rule {
  const expects = `${nonEmpty ? 'a non-empty' : 'an'} array, each item ${item.expects}`
  return checkedBy(expects, (value, name) => {
    if (!Array.isArray(value) || (nonEmpty && value.length === 0)) mustBe(name, expects, value)
    ;(value as readonly unknown[]).forEach((v, i) => item(v, `${name}[${i}]`))
  })
}
