/**
 * OJAI query conditions (protocol Section 10): parsing and validation, a typed builder (`cond`),
 * and evaluation against documents.
 *
 * Choices where the protocol leaves things unconfirmed (each is its recommendation):
 * - Several operators, or several paths under one operator, in one object are AND-ed.
 * - `$matches` is an unanchored search (`^`/`$` anchor) in RE2 syntax (PCRE's and Java's without
 *   backreferences, lookahead and the other constructs that need backtracking; `\p{L}` and inline
 *   flags such as `(?i)` work), run by a linear-time engine (regex.ts). A pattern using a
 *   construct the engine cannot run is refused with {@link UnsupportedPatternError} naming it.
 * - `$like` is matched in time linear in the text (like.ts), never through a backtracking RegExp.
 * - `$like` and `$matches` patterns are at most 4 096 characters long (MAX_PATTERN_LENGTH).
 * - `$like` and `$matches` are case-sensitive.
 * - Negative operators (`$ne`, `$notin`, `$notlike`, `$notmatches`, `$nottypeof`) require the field
 *   to exist; on an existing field of another type they hold (`$ne` across types is true, and so
 *   is `$notlike` on a number). A missing field never qualifies any comparison.
 * - `$sizeof` counts characters (code points) of a string, elements of an array, keys of a map,
 *   bytes of a binary; other types never match, whichever operator.
 * - `$typeof` accepts the lowercase type names (any case) and the OJAI type codes 1 to 17.
 * - `$elementAnd` needs an array at its path; sub-condition paths are relative to the element,
 *   and the empty path `""` is the element itself.
 * - With a container path (`a[]`), an operator holds when it holds for any element; `$exists`
 *   holds when the path reaches at least one value, `$notexists` when it reaches none.
 */
import { decodeValue, encodeValue, fromExtendedJson } from './codec.js'
import { compareValues, valueEquals } from './compare.js'
import { InvalidConditionError, InvalidFieldPathError } from './errors.js'
import type { OjaiErrorOptions } from './errors.js'
import { FieldPath, someValueAt, valueAt } from './field-path.js'
import { LikePattern } from './like.js'
import { compileRegex, MAX_PATTERN_LENGTH, PatternRejection } from './regex.js'
import type { CompiledRegex } from './regex.js'
import { OJAI_TYPES, isDocumentMap, typeOf } from './values.js'
import type { Document, DocumentMap, OjaiType, Value } from './values.js'
import { messageOf } from './message-of.js'
import { isStackOverflow } from './problems.js'

/**
 * A condition as JSON: `{"$eq":{"a":1}}`, optionally wrapped in `$condition` / `$where`; `{}` = always true.
 * @category Documents and queries
 */
export type ConditionJson = DocumentMap

/**
 * Anything a condition can be built from.
 * @category Documents and queries
 */
export type ConditionLike = Condition | ConditionJson | string

/**
 * A path as text (`"a.b[0]"`) or parsed.
 * @category Documents and queries
 */
export type PathLike = string | FieldPath

/** @category Documents and queries */
export type ComparisonOperator = '$eq' | '$ne' | '$lt' | '$le' | '$gt' | '$ge'

/**
 * Operators `$sizeof` accepts, also in their symbolic spelling for the builder.
 * @category Documents and queries
 */
export type SizeOperator = ComparisonOperator | '=' | '!=' | '<' | '<=' | '>' | '>='

/**
 * Every operator a condition may use.
 * @category Internals
 */
export const CONDITION_OPERATORS = [
  '$eq',
  '$ne',
  '$lt',
  '$le',
  '$gt',
  '$ge',
  '$between',
  '$in',
  '$notin',
  '$exists',
  '$notexists',
  '$like',
  '$notlike',
  '$matches',
  '$notmatches',
  '$typeof',
  '$nottypeof',
  '$sizeof',
  '$and',
  '$or',
  '$elementAnd',
] as const

/** @category Documents and queries */
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number]

// ---------------------------------------------------------------------------------------------
// The validated tree

type Node =
  | { readonly kind: 'true' }
  | { readonly kind: 'and' | 'or'; readonly children: readonly Node[]; readonly depth: number }
  | { readonly kind: 'cmp'; readonly op: ComparisonOperator; readonly path: FieldPath; readonly value: Value }
  | { readonly kind: 'between'; readonly path: FieldPath; readonly low: Value; readonly high: Value }
  | { readonly kind: 'in'; readonly negated: boolean; readonly path: FieldPath; readonly values: readonly Value[] }
  | { readonly kind: 'exists'; readonly negated: boolean; readonly path: FieldPath }
  | {
      readonly kind: 'like'
      readonly negated: boolean
      readonly path: FieldPath
      readonly pattern: string
      readonly escape: string | undefined
      readonly test: (s: string) => boolean
    }
  | {
      readonly kind: 'matches'
      readonly negated: boolean
      readonly path: FieldPath
      readonly pattern: string
      readonly regex: CompiledRegex
    }
  | { readonly kind: 'typeof'; readonly negated: boolean; readonly path: FieldPath; readonly type: OjaiType }
  | { readonly kind: 'sizeof'; readonly path: FieldPath; readonly tests: readonly (readonly [ComparisonOperator, number])[] }
  | { readonly kind: 'elementAnd'; readonly path: FieldPath; readonly children: readonly Node[]; readonly depth: number }

const TRUE: Node = { kind: 'true' }

/**
 * How deep `$and`, `$or` and `$elementAnd` may nest inside each other, 100: far beyond any
 * condition written by hand or generated from a filter form, and far below what parsing,
 * evaluating or encoding it (each recursive) can take on a default stack. A deeper condition is
 * refused with InvalidConditionError naming this limit, by the client before it is sent and by
 * the gateway (MongoDB's query parser has the same limit).
 * @category Internals
 */
export const MAX_CONDITION_DEPTH = 100

function tooDeep(): never {
  return fail(
    `a condition may nest $and, $or and $elementAnd at most ${MAX_CONDITION_DEPTH} levels deep (MAX_CONDITION_DEPTH), and this one nests deeper: flatten it (an $and inside an $and is one $and with both lists)`,
  )
}

/** How deep a node nests: 1 for a leaf; a node over the limit is refused where it is built. */
function depthOf(node: Node): number {
  return 'depth' in node ? node.depth : 1
}

/** The depth of a node over these children (InvalidConditionError over the limit). */
function depthOver(children: readonly Node[]): number {
  let deepest = 0
  for (const c of children) deepest = Math.max(deepest, depthOf(c))
  if (deepest + 1 > MAX_CONDITION_DEPTH) tooDeep()
  return deepest + 1
}

type Predicate = (root: Value) => boolean

const COMPARISONS: ReadonlySet<string> = new Set(['$eq', '$ne', '$lt', '$le', '$gt', '$ge'])
const OPERATORS: ReadonlySet<string> = new Set(CONDITION_OPERATORS)

// ---------------------------------------------------------------------------------------------
// Messages

/**
 * A short, readable rendering of an input value for error messages.
 * @category Internals
 */
export function describeInput(x: unknown): string {
  let text: string
  if (x === undefined) return 'nothing'
  if (typeof x === 'bigint') text = `${x}`
  else if (typeof x === 'function') return 'a function'
  else if (typeof x === 'number' || typeof x === 'boolean' || x === null) text = String(x)
  else if (typeof x === 'string') text = JSON.stringify(x)
  else if (x instanceof Uint8Array) text = `binary(${x.length} bytes)`
  else if (Array.isArray(x) || isDocumentMap(x)) {
    try {
      text = JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v))
    } catch {
      text = Array.isArray(x) ? 'an array' : 'an object'
    }
  } else {
    let type: string
    try {
      type = typeOf(x as Value)
    } catch {
      type = typeof x
    }
    text = `${type} ${String(x)}`
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/**
 * A `$like` or `$matches` pattern the gateway will not run: it uses a construct the linear-time
 * engines cannot run (a backreference, lookahead…) or is too large. `construct` names it.
 * @category Errors
 */
export class UnsupportedPatternError extends InvalidConditionError {
  constructor(
    message: string,
    readonly construct: string,
    options?: OjaiErrorOptions,
  ) {
    super(message, options)
  }
}

function fail(message: string, cause?: unknown): never {
  throw new InvalidConditionError(message, cause === undefined ? undefined : { cause })
}

// ---------------------------------------------------------------------------------------------
// Building nodes (shared by the JSON parser and the builder, so both validate alike)

function pathOf(op: string, path: PathLike): FieldPath {
  if (path instanceof FieldPath) return path
  if (typeof path !== 'string') fail(`${op} needs a field path string, got ${describeInput(path)}`)
  try {
    return FieldPath.parse(path)
  } catch (e) {
    if (e instanceof InvalidFieldPathError) fail(`${op}: ${e.message}`, e)
    throw e
  }
}

function valueOf(op: string, path: PathLike, raw: unknown): Value {
  if (raw === undefined) fail(`${op} on ${JSON.stringify(String(path))} needs a value, got nothing`)
  try {
    return fromExtendedJson(raw)
  } catch (e) {
    return fail(`${op} on ${JSON.stringify(String(path))}: invalid value ${describeInput(raw)}: ${messageOf(e)}`, e)
  }
}

function isScalar(v: Value): boolean {
  return !Array.isArray(v) && !isDocumentMap(v)
}

function comparisonNode(op: ComparisonOperator, path: PathLike, raw: unknown): Node {
  const p = pathOf(op, path)
  const value = valueOf(op, path, raw)
  if (op !== '$eq' && op !== '$ne' && !isScalar(value)) {
    fail(
      `${op} on ${JSON.stringify(String(path))} needs a scalar value (maps and arrays support only $eq and $ne), got ${describeInput(raw)}`,
    )
  }
  return { kind: 'cmp', op, path: p, value }
}

function betweenNode(path: PathLike, raw: unknown): Node {
  const p = pathOf('$between', path)
  if (!Array.isArray(raw) || raw.length !== 2)
    fail(`$between on ${JSON.stringify(String(path))} needs [low, high], got ${describeInput(raw)}`)
  const low = valueOf('$between', path, raw[0])
  const high = valueOf('$between', path, raw[1])
  if (!isScalar(low) || !isScalar(high))
    fail(`$between on ${JSON.stringify(String(path))} needs scalar low and high, got ${describeInput(raw)}`)
  if (compareValues(low, high) === undefined) {
    fail(`$between on ${JSON.stringify(String(path))} needs low and high of comparable types, got ${describeInput(raw)}`)
  }
  return { kind: 'between', path: p, low, high }
}

function inNode(op: '$in' | '$notin', path: PathLike, raw: unknown): Node {
  const p = pathOf(op, path)
  if (!Array.isArray(raw)) fail(`${op} on ${JSON.stringify(String(path))} needs an array of values, got ${describeInput(raw)}`)
  const values = (raw as readonly unknown[]).map((v) => valueOf(op, path, v))
  return { kind: 'in', negated: op === '$notin', path: p, values }
}

function existsNode(op: '$exists' | '$notexists', raw: unknown): Node {
  if (typeof raw !== 'string' && !(raw instanceof FieldPath)) {
    fail(`${op} needs a field path string, e.g. {"${op}":"a.b"}, got ${describeInput(raw)}`)
  }
  return { kind: 'exists', negated: op === '$notexists', path: pathOf(op, raw) }
}

function likeNode(op: '$like' | '$notlike', path: PathLike, raw: unknown): Node {
  const p = pathOf(op, path)
  let pattern: unknown = raw
  let escape: unknown
  if (Array.isArray(raw)) {
    if (raw.length !== 2 && raw.length !== 1)
      fail(`${op} on ${JSON.stringify(String(path))} needs "pattern" or ["pattern", "escapeChar"], got ${describeInput(raw)}`)
    pattern = raw[0]
    escape = raw[1]
  }
  if (typeof pattern !== 'string') fail(`${op} on ${JSON.stringify(String(path))} needs a pattern string, got ${describeInput(pattern)}`)
  if (escape !== undefined && (typeof escape !== 'string' || Array.from(escape).length !== 1)) {
    fail(`${op} on ${JSON.stringify(String(path))} needs a single-character escape, got ${describeInput(escape)}`)
  }
  const esc = escape as string | undefined
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new UnsupportedPatternError(
      `${op} on ${JSON.stringify(String(path))}: the pattern is ${pattern.length} characters long; at most ${MAX_PATTERN_LENGTH} are allowed`,
      `a pattern over ${MAX_PATTERN_LENGTH} characters`,
    )
  }
  let like: LikePattern
  try {
    like = new LikePattern(pattern, esc)
  } catch (e) {
    return fail(`${op} on ${JSON.stringify(String(path))}: ${messageOf(e)}`, e)
  }
  return { kind: 'like', negated: op === '$notlike', path: p, pattern, escape: esc, test: (s) => like.test(s) }
}

function compileMatches(op: string, path: PathLike, pattern: string): CompiledRegex {
  try {
    return compileRegex(pattern)
  } catch (e) {
    if (!(e instanceof PatternRejection)) throw e
    const message = `${op} on ${JSON.stringify(String(path))}: cannot use the regular expression ${describeInput(pattern)}: ${e.message}`
    if (e.construct !== undefined) throw new UnsupportedPatternError(message, e.construct, { cause: e })
    return fail(message.replace('cannot use the regular expression', 'invalid regular expression'), e)
  }
}

function matchesNode(op: '$matches' | '$notmatches', path: PathLike, raw: unknown): Node {
  const p = pathOf(op, path)
  if (typeof raw !== 'string') fail(`${op} on ${JSON.stringify(String(path))} needs a regular expression string, got ${describeInput(raw)}`)
  return { kind: 'matches', negated: op === '$notmatches', path: p, pattern: raw, regex: compileMatches(op, path, raw) }
}

function integerOf(raw: unknown): number | undefined {
  let n: number | undefined
  if (typeof raw === 'number') n = raw
  else if (typeof raw === 'bigint') n = Number(raw)
  else if (raw !== null && typeof raw === 'object' && 'value' in raw && typeof raw.value === 'number') n = raw.value
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined
}

function typeNode(op: '$typeof' | '$nottypeof', path: PathLike, raw: unknown): Node {
  const p = pathOf(op, path)
  let type: OjaiType | undefined
  if (typeof raw === 'string') {
    const lower = raw.toLowerCase()
    type = OJAI_TYPES.find((t) => t === lower)
  } else {
    const code = integerOf(fromExtendedJsonSafe(raw))
    if (code !== undefined && code >= 1 && code <= OJAI_TYPES.length) type = OJAI_TYPES[code - 1]
  }
  if (type === undefined) {
    fail(
      `${op} on ${JSON.stringify(String(path))} needs a type name (${OJAI_TYPES.join(', ')}) or code 1 to ${OJAI_TYPES.length}, got ${describeInput(raw)}`,
    )
  }
  return { kind: 'typeof', negated: op === '$nottypeof', path: p, type }
}

function fromExtendedJsonSafe(raw: unknown): unknown {
  try {
    return fromExtendedJson(raw)
  } catch {
    return raw
  }
}

const SIZE_SYMBOLS: Readonly<Record<string, ComparisonOperator>> = {
  '=': '$eq',
  '==': '$eq',
  '!=': '$ne',
  '<': '$lt',
  '<=': '$le',
  '>': '$gt',
  '>=': '$ge',
}

function sizeNode(path: PathLike, raw: unknown): Node {
  const p = pathOf('$sizeof', path)
  const shape = `{"$sizeof":{${JSON.stringify(String(path))}:{"$ge":3}}}`
  if (!isDocumentMap(raw)) fail(`$sizeof on ${JSON.stringify(String(path))} needs an object such as ${shape}, got ${describeInput(raw)}`)
  const tests: (readonly [ComparisonOperator, number])[] = []
  for (const key of Object.keys(raw)) {
    const operand = raw[key]
    if (operand === undefined) continue
    const op = COMPARISONS.has(key) ? (key as ComparisonOperator) : undefined
    if (op === undefined)
      fail(`$sizeof on ${JSON.stringify(String(path))}: unknown size operator ${JSON.stringify(key)}; use $lt, $le, $eq, $ne, $gt or $ge`)
    const n = integerOf(fromExtendedJsonSafe(operand))
    if (n === undefined || n < 0)
      fail(`$sizeof on ${JSON.stringify(String(path))}: ${op} needs a non-negative integer size, got ${describeInput(operand)}`)
    tests.push([op, n])
  }
  if (tests.length === 0) fail(`$sizeof on ${JSON.stringify(String(path))} needs at least one size test, such as ${shape}`)
  return { kind: 'sizeof', path: p, tests }
}

function elementAndNode(path: PathLike, raw: unknown, depth: number): Node {
  const p = pathOf('$elementAnd', path)
  if (p.hasContainer) fail(`$elementAnd on ${JSON.stringify(String(path))} needs the path of an array, without "[]"`)
  if (!Array.isArray(raw) || raw.length === 0) {
    fail(`$elementAnd on ${JSON.stringify(String(path))} needs a non-empty array of conditions on the element, got ${describeInput(raw)}`)
  }
  const children = (raw as readonly unknown[]).map((c, i) =>
    parseNode(c, `$elementAnd on ${JSON.stringify(String(path))}, condition ${i + 1}`, depth + 1),
  )
  return { kind: 'elementAnd', path: p, children, depth: depthOver(children) }
}

function junctionNode(op: '$and' | '$or', raw: unknown, depth: number): Node {
  if (!Array.isArray(raw) || raw.length === 0) fail(`${op} needs a non-empty array of conditions, got ${describeInput(raw)}`)
  const children = (raw as readonly unknown[]).map((c, i) => parseNode(c, `${op} condition ${i + 1}`, depth + 1))
  return junction(op === '$and' ? 'and' : 'or', children)
}

function junction(kind: 'and' | 'or', children: readonly Node[]): Node {
  if (children.length === 0) return TRUE
  if (children.length === 1) return children[0] as Node
  return { kind, children, depth: depthOver(children) }
}

// ---------------------------------------------------------------------------------------------
// Parsing JSON

/** Builds the node of one path under an operator; `depth`: how deep the operator sits (for `$elementAnd`). */
type PathOperatorBuilder = (path: string, operand: unknown, depth: number) => Node

const PATH_OPERATORS: Readonly<Record<string, PathOperatorBuilder>> = {
  $eq: (p, v) => comparisonNode('$eq', p, v),
  $ne: (p, v) => comparisonNode('$ne', p, v),
  $lt: (p, v) => comparisonNode('$lt', p, v),
  $le: (p, v) => comparisonNode('$le', p, v),
  $gt: (p, v) => comparisonNode('$gt', p, v),
  $ge: (p, v) => comparisonNode('$ge', p, v),
  $between: betweenNode,
  $in: (p, v) => inNode('$in', p, v),
  $notin: (p, v) => inNode('$notin', p, v),
  $like: (p, v) => likeNode('$like', p, v),
  $notlike: (p, v) => likeNode('$notlike', p, v),
  $matches: (p, v) => matchesNode('$matches', p, v),
  $notmatches: (p, v) => matchesNode('$notmatches', p, v),
  $typeof: (p, v) => typeNode('$typeof', p, v),
  $nottypeof: (p, v) => typeNode('$nottypeof', p, v),
  $sizeof: sizeNode,
  $elementAnd: elementAndNode,
}

function parseOperator(op: string, operand: unknown, depth: number): Node {
  if (op === '$exists' || op === '$notexists') return existsNode(op, operand)
  if (op === '$and' || op === '$or') return junctionNode(op, operand, depth)
  const build = PATH_OPERATORS[op]
  if (build === undefined) return fail(`unknown operator ${op}`)
  if (!isDocumentMap(operand)) {
    fail(`${op} needs an object {"path": ${op === '$between' ? '[low, high]' : 'value'}}, got ${describeInput(operand)}`)
  }
  const parts: Node[] = []
  for (const path of Object.keys(operand)) {
    const v = operand[path]
    if (v === undefined) continue
    parts.push(build(path, v, depth))
  }
  if (parts.length === 0) fail(`${op} needs at least one field path, e.g. {"${op}":{"a":…}}`)
  return junction('and', parts)
}

/** `depth`: how deep `raw` sits; checked before going further, so a deep input never reaches the stack's end. */
function parseNode(raw: unknown, where: string, depth: number): Node {
  if (depth > MAX_CONDITION_DEPTH) tooDeep()
  if (raw instanceof Condition) return nodeOf(raw)
  if (!isDocumentMap(raw)) fail(`${where} must be a JSON object, got ${describeInput(raw)}`)
  const parts: Node[] = []
  for (const key of Object.keys(raw)) {
    const operand = raw[key]
    if (operand === undefined) continue
    if (key === '$not') {
      fail(
        'there is no $not operator; use the negative operators ($ne, $notin, $notexists, $notlike, $notmatches, $nottypeof) or rewrite with $and/$or',
      )
    }
    if (!OPERATORS.has(key)) {
      if (key === '$condition' || key === '$where') fail(`${key} may only wrap a whole condition as its single key`)
      if (key.startsWith('$')) fail(`unknown operator ${key}; known operators: ${CONDITION_OPERATORS.join(' ')}`)
      fail(`expected an operator, got field ${JSON.stringify(key)}; write e.g. {"$eq":{${JSON.stringify(key)}:…}}`)
    }
    parts.push(parseOperator(key, operand, depth))
  }
  if (parts.length === 0) return TRUE
  return junction('and', parts)
}

// ---------------------------------------------------------------------------------------------
// Evaluation

function sizeOf(v: Value): number | undefined {
  if (typeof v === 'string') {
    let n = 0
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i)
      // a high surrogate followed by a low one is one character
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < v.length) {
        const d = v.charCodeAt(i + 1)
        if (d >= 0xdc00 && d <= 0xdfff) i++
      }
      n++
    }
    return n
  }
  if (Array.isArray(v)) return v.length
  if (v instanceof Uint8Array) return v.length
  if (isDocumentMap(v)) {
    let n = 0
    for (const k of Object.keys(v)) if (v[k] !== undefined) n++
    return n
  }
  return undefined
}

function compareWith(op: ComparisonOperator, c: number | undefined): boolean {
  if (c === undefined) return false
  switch (op) {
    case '$eq':
      return c === 0
    case '$ne':
      return c !== 0
    case '$lt':
      return c < 0
    case '$le':
      return c <= 0
    case '$gt':
      return c > 0
    case '$ge':
      return c >= 0
  }
}

function positive(path: FieldPath, test: (v: Value) => boolean): Predicate {
  if (!path.hasContainer) {
    return (root) => {
      const v = valueAt(root, path)
      return v !== undefined && test(v)
    }
  }
  return (root) => someValueAt(root, path, test)
}

/** A negative operator: the field must exist, and then the positive test must fail. */
function negative(path: FieldPath, test: (v: Value) => boolean): Predicate {
  return positive(path, (v) => !test(v))
}

function leaf(negated: boolean, path: FieldPath, test: (v: Value) => boolean): Predicate {
  return negated ? negative(path, test) : positive(path, test)
}

function membership(values: readonly Value[]): (v: Value) => boolean {
  const strings = new Set<string>()
  const others: Value[] = []
  for (const x of values) {
    if (typeof x === 'string') strings.add(x)
    else others.push(x)
  }
  return (v) => {
    if (typeof v === 'string') return strings.has(v)
    for (const x of others) if (valueEquals(v, x)) return true
    return false
  }
}

function compile(node: Node): Predicate {
  switch (node.kind) {
    case 'true':
      return () => true
    case 'and': {
      const cs = node.children.map(compile)
      return (root) => {
        for (const c of cs) if (!c(root)) return false
        return true
      }
    }
    case 'or': {
      const cs = node.children.map(compile)
      return (root) => {
        for (const c of cs) if (c(root)) return true
        return false
      }
    }
    case 'cmp': {
      const { op, value } = node
      if (op === '$eq') return positive(node.path, (v) => valueEquals(v, value))
      if (op === '$ne') return negative(node.path, (v) => valueEquals(v, value))
      return positive(node.path, (v) => compareWith(op, compareValues(v, value)))
    }
    case 'between': {
      const { low, high } = node
      return positive(node.path, (v) => compareWith('$ge', compareValues(v, low)) && compareWith('$le', compareValues(v, high)))
    }
    case 'in':
      return leaf(node.negated, node.path, membership(node.values))
    case 'exists': {
      const reached = positive(node.path, () => true)
      return node.negated ? (root) => !reached(root) : reached
    }
    case 'like': {
      const test = node.test
      return leaf(node.negated, node.path, (v) => typeof v === 'string' && test(v))
    }
    case 'matches': {
      const regex = node.regex
      return leaf(node.negated, node.path, (v) => typeof v === 'string' && regex.test(v))
    }
    case 'typeof': {
      const type = node.type
      return leaf(node.negated, node.path, (v) => typeOf(v) === type)
    }
    case 'sizeof': {
      const tests = node.tests
      return positive(node.path, (v) => {
        const size = sizeOf(v)
        if (size === undefined) return false
        for (const [op, n] of tests) if (!compareWith(op, size - n)) return false
        return true
      })
    }
    case 'elementAnd': {
      const cs = node.children.map(compile)
      const path = node.path
      return (root) => {
        const arr = valueAt(root, path)
        if (!Array.isArray(arr)) return false
        for (const el of arr as readonly Value[]) {
          let all = true
          for (const c of cs) {
            if (!c(el)) {
              all = false
              break
            }
          }
          if (all) return true
        }
        return false
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Back to JSON

function entry(key: string, value: Value): DocumentMap {
  return { [key]: value }
}

function toJson(node: Node): DocumentMap {
  switch (node.kind) {
    case 'true':
      return {}
    case 'and':
      return { $and: node.children.map(toJson) }
    case 'or':
      return { $or: node.children.map(toJson) }
    case 'cmp':
      return entry(node.op, entry(node.path.toString(), node.value))
    case 'between':
      return { $between: entry(node.path.toString(), [node.low, node.high]) }
    case 'in':
      return entry(node.negated ? '$notin' : '$in', entry(node.path.toString(), node.values))
    case 'exists':
      return entry(node.negated ? '$notexists' : '$exists', node.path.toString())
    case 'like':
      return entry(
        node.negated ? '$notlike' : '$like',
        entry(node.path.toString(), node.escape === undefined ? node.pattern : [node.pattern, node.escape]),
      )
    case 'matches':
      return entry(node.negated ? '$notmatches' : '$matches', entry(node.path.toString(), node.pattern))
    case 'typeof':
      return entry(node.negated ? '$nottypeof' : '$typeof', entry(node.path.toString(), node.type))
    case 'sizeof': {
      const tests: Record<string, Value> = {}
      for (const [op, n] of node.tests) tests[op] = n
      return { $sizeof: entry(node.path.toString(), tests) }
    }
    case 'elementAnd':
      return { $elementAnd: entry(node.path.toString(), node.children.map(toJson)) }
  }
}

// ---------------------------------------------------------------------------------------------
// The class

let makeCondition: (node: Node) => Condition
let nodeOf: (c: Condition) => Node

/**
 * A validated, immutable query condition. Build with the `cond` helpers or {@link Condition.parse}.
 * @category Documents and queries
 */
export class Condition {
  /** The empty condition `{}`: every document satisfies it. */
  static readonly EMPTY: Condition = new Condition(TRUE)

  static {
    makeCondition = (node) => (node === TRUE ? Condition.EMPTY : new Condition(node))
    nodeOf = (c) => c.node
  }

  /** True for the empty condition `{}`. */
  readonly isEmpty: boolean
  private readonly predicate: Predicate

  private constructor(private readonly node: Node) {
    this.isEmpty = node.kind === 'true'
    this.predicate = compile(node)
  }

  /**
   * Validates JSON (object or text) and returns the condition; throws InvalidConditionError
   * naming the problem. Accepts the bare form, `{"$condition":…}`, `{"$where":…}` and `{}`.
   * Values are extended JSON (`{"$numberLong":"95196"}`, `{"$dateDay":"2012-10-20"}`).
   */
  static parse(input: ConditionJson | string): Condition {
    let tree: unknown = input
    if (typeof input === 'string') {
      try {
        tree = decodeValue(input)
      } catch (e) {
        // Text nested past the stack is nested past the limit too: say which limit.
        if (e instanceof Error && isStackOverflow(e.cause)) tooDeep()
        fail(`condition is not valid extended JSON: ${messageOf(e)}`, e)
      }
    }
    if (tree instanceof Condition) return tree
    if (!isDocumentMap(tree)) fail(`a condition must be a JSON object, got ${describeInput(tree)}`)
    const map = tree
    const keys = Object.keys(map).filter((k) => map[k] !== undefined)
    const key = keys[0]
    if (keys.length === 1 && (key === '$condition' || key === '$where')) {
      const inner = map[key]
      if (!isDocumentMap(inner)) fail(`${key} must wrap a condition object, got ${describeInput(inner)}`)
      tree = inner
    }
    return makeCondition(parseNode(tree, 'a condition', 1))
  }

  /** `Condition.parse` for JSON, identity for a Condition. */
  static from(input: Condition | ConditionJson | string): Condition {
    return input instanceof Condition ? input : Condition.parse(input)
  }

  /** Does the document (or any value, for element conditions) satisfy this condition? */
  matches(doc: Document | Value): boolean {
    return this.predicate(doc)
  }

  /** This condition AND the others. */
  and(...others: ConditionLike[]): Condition {
    return cond.and(this, ...others)
  }

  /** This condition OR the others. */
  or(...others: ConditionLike[]): Condition {
    return cond.or(this, ...others)
  }

  /**
   * The bare condition as a JSON-shaped tree whose leaves are OJAI values (LONG as bigint,
   * dates as ODate…); {@link Condition.parse} accepts it back. Several ANDed pairs come back as
   * one `$and`. For text use {@link toJsonString}: `JSON.stringify` cannot write a bigint.
   */
  toJSON(): ConditionJson {
    return toJson(this.node)
  }

  /** Extended-JSON text of the bare condition, as sent on the wire. */
  toJsonString(): string {
    return encodeValue(this.toJSON())
  }

  toString(): string {
    return this.toJsonString()
  }
}

/**
 * Does the document satisfy the condition? Pure; follows the protocol doc's semantics (Section 10).
 * @category Internals
 */
export function matches(doc: Document, condition: Condition): boolean {
  return condition.matches(doc)
}

// ---------------------------------------------------------------------------------------------
// The builder

function nodesOf(op: '$and' | '$or' | '$elementAnd', conditions: readonly ConditionLike[]): Node[] {
  if (conditions.length === 0) fail(`${op} needs at least one condition`)
  return conditions.map((c) => nodeOf(Condition.from(c)))
}

function sizeOperator(op: SizeOperator): ComparisonOperator {
  const resolved = COMPARISONS.has(op) ? (op as ComparisonOperator) : SIZE_SYMBOLS[op]
  if (resolved === undefined)
    fail(`$sizeof: unknown size operator ${JSON.stringify(op)}; use $lt, $le, $eq, $ne, $gt, $ge or < <= = != > >=`)
  return resolved
}

/** `pattern` for `$matches`: a RegExp's `i`, `m`, `s` flags become a leading inline group. */
function regexSource(pattern: string | RegExp): string {
  if (typeof pattern === 'string') return pattern
  const flags = [...pattern.flags].filter((f) => f === 'i' || f === 'm' || f === 's').join('')
  return flags === '' ? pattern.source : `(?${flags})${pattern.source}`
}

/**
 * Typed condition builder. Every helper validates at once and returns an immutable
 * {@link Condition}; values are OJAI values or extended JSON.
 *
 * ```ts
 * cond.and(cond.eq('status', 'active'), cond.between('age', 18, 65), cond.like('name', 'Jo%'))
 * ```
 * @category Documents and queries
 */
export const cond = {
  /** The empty condition: always true. */
  all: (): Condition => Condition.EMPTY,
  parse: (input: ConditionJson | string): Condition => Condition.parse(input),
  eq: (path: PathLike, value: Value): Condition => makeCondition(comparisonNode('$eq', path, value)),
  ne: (path: PathLike, value: Value): Condition => makeCondition(comparisonNode('$ne', path, value)),
  lt: (path: PathLike, value: Value): Condition => makeCondition(comparisonNode('$lt', path, value)),
  le: (path: PathLike, value: Value): Condition => makeCondition(comparisonNode('$le', path, value)),
  gt: (path: PathLike, value: Value): Condition => makeCondition(comparisonNode('$gt', path, value)),
  ge: (path: PathLike, value: Value): Condition => makeCondition(comparisonNode('$ge', path, value)),
  /** `low <= value <= high`, both ends inclusive. */
  between: (path: PathLike, low: Value, high: Value): Condition => makeCondition(betweenNode(path, [low, high])),
  in: (path: PathLike, values: readonly Value[]): Condition => makeCondition(inNode('$in', path, values)),
  notIn: (path: PathLike, values: readonly Value[]): Condition => makeCondition(inNode('$notin', path, values)),
  exists: (path: PathLike): Condition => makeCondition(existsNode('$exists', path)),
  notExists: (path: PathLike): Condition => makeCondition(existsNode('$notexists', path)),
  /** SQL LIKE: `%` any run, `_` one character, whole string; `escape` makes the next character literal. */
  like: (path: PathLike, pattern: string, escape?: string): Condition =>
    makeCondition(likeNode('$like', path, escape === undefined ? pattern : [pattern, escape])),
  notLike: (path: PathLike, pattern: string, escape?: string): Condition =>
    makeCondition(likeNode('$notlike', path, escape === undefined ? pattern : [pattern, escape])),
  /** Unanchored regular-expression search; a RegExp's i/m/s flags are kept. */
  matches: (path: PathLike, pattern: string | RegExp): Condition => makeCondition(matchesNode('$matches', path, regexSource(pattern))),
  notMatches: (path: PathLike, pattern: string | RegExp): Condition =>
    makeCondition(matchesNode('$notmatches', path, regexSource(pattern))),
  typeOf: (path: PathLike, type: OjaiType): Condition => makeCondition(typeNode('$typeof', path, type)),
  notTypeOf: (path: PathLike, type: OjaiType): Condition => makeCondition(typeNode('$nottypeof', path, type)),
  /** Size of an array, map, string or binary compared with `n`: `cond.sizeOf('tags', '>=', 3)`. */
  sizeOf: (path: PathLike, op: SizeOperator, n: number): Condition => makeCondition(sizeNode(path, { [sizeOperator(op)]: n })),
  and: (...conditions: ConditionLike[]): Condition =>
    makeCondition(
      junction(
        'and',
        nodesOf('$and', conditions).filter((n) => n !== TRUE),
      ),
    ),
  or: (...conditions: ConditionLike[]): Condition => {
    const nodes = nodesOf('$or', conditions)
    return makeCondition(nodes.includes(TRUE) ? TRUE : junction('or', nodes))
  },
  /** All conditions hold for the same element of the array at `path`; their paths are relative to the element. */
  elementAnd: (path: PathLike, ...conditions: ConditionLike[]): Condition => {
    const p = pathOf('$elementAnd', path)
    if (p.hasContainer) fail(`$elementAnd on ${JSON.stringify(String(path))} needs the path of an array, without "[]"`)
    const children = nodesOf('$elementAnd', conditions)
    return makeCondition({ kind: 'elementAnd', path: p, children, depth: depthOver(children) })
  },
} as const
