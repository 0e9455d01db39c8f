/**
 * OJAI document mutations (protocol Section 11): parsing and validation, a fluent builder
 * (`mutation()`), and atomic application to a document.
 *
 * Choices where the protocol leaves things unconfirmed (each is its recommendation or the
 * smallest surprise):
 * - Two operations on the same or overlapping paths (one a prefix of the other, e.g. `a` and
 *   `a.b`) are rejected with IllegalMutationError, the code the protocol recommends. So is
 *   deleting an array element (`a[1]`) together with any other operation through that array,
 *   because the delete shifts the indexes the other one addresses. With overlaps excluded, the
 *   order of the operations cannot change the result.
 * - A single-operation object with several paths (`{"$set":{"a":1,"b":2}}`) equals the array form.
 * - `$increment`/`$decrement` also accept a bare path or an array of paths, meaning by 1 (DOUBLE).
 * - `$decrement` of a missing field creates it with the negated amount.
 * - `$merge` is shallow: each top-level key of the argument replaces the stored key.
 * - `$set` compares OJAI types strictly (a stored INT is not replaced by a DOUBLE; a stored `null`
 *   only by `null`); use `$put` to replace regardless of type.
 * - `$append`, `$merge` and `$increment` create missing intermediate maps, as `$set` does.
 * - An index past the end of an array fails (except for `$delete`, which then does nothing);
 *   array elements are never created by padding.
 * - `$increment` on a stored integer type truncates toward zero and fails on overflow instead of
 *   wrapping around.
 */
import { decodeValue, encodeValue, fromExtendedJson } from './codec.js'
import { isNumeric } from './compare.js'
import { describeInput } from './condition.js'
import type { PathLike } from './condition.js'
import { IllegalMutationError, InvalidFieldPathError, InvalidMutationError } from './errors.js'
import { FieldPath, getField, valueAt } from './field-path.js'
import type { PathSegment } from './field-path.js'
import { DECIMAL_PARTS } from './decimal-parts.js'
import { OByte, ODecimal, OFloat, OInt, OShort, isDocumentMap, typeOf } from './values.js'
import type { Document, DocumentMap, Value } from './values.js'
import { messageOf } from './message-of.js'

/**
 * A mutation as JSON: `{"$set":{"a":1},"$increment":{"n":2}}`.
 * @category Documents and queries
 */
export type MutationJson = DocumentMap

/** @category Internals */
export const MUTATION_OPERATORS = ['$set', '$put', '$increment', '$decrement', '$append', '$merge', '$delete'] as const

/** @category Documents and queries */
export type MutationOperator = (typeof MUTATION_OPERATORS)[number]

/**
 * One validated operation. `value` is the amount for `$increment`/`$decrement`, absent for `$delete`.
 * @category Documents and queries
 */
export interface MutationOperation {
  readonly op: MutationOperator
  readonly path: FieldPath
  readonly value: Value | undefined
}

const OPERATOR_SET: ReadonlySet<string> = new Set(MUTATION_OPERATORS)
const NON_IDEMPOTENT: ReadonlySet<MutationOperator> = new Set(['$increment', '$decrement', '$append'])

function invalid(message: string, cause?: unknown): never {
  throw new InvalidMutationError(message, cause === undefined ? undefined : { cause })
}

function quote(path: PathLike): string {
  return JSON.stringify(String(path))
}

// ---------------------------------------------------------------------------------------------
// Validation of one operation

function validatePath(op: MutationOperator, path: PathLike): FieldPath {
  let p: FieldPath
  if (path instanceof FieldPath) p = path
  else if (typeof path !== 'string') return invalid(`${op} needs a field path string, got ${describeInput(path)}`)
  else {
    try {
      p = FieldPath.parse(path)
    } catch (e) {
      if (e instanceof InvalidFieldPathError) invalid(`${op}: ${e.message}`, e)
      throw e
    }
  }
  if (p.isRoot) invalid(`${op} needs a field path, got the empty path (the document root cannot be a target)`)
  if (p.hasContainer) invalid(`${op} on ${quote(path)}: container paths ([]) cannot be mutated; address one element with [n]`)
  const first = p.segments[0]
  if (first?.kind === 'name' && first.name === '_id') invalid(`${op} on ${quote(path)}: _id can never be mutated`)
  return p
}

function validateValue(op: MutationOperator, path: PathLike, raw: unknown): Value {
  if (raw === undefined) invalid(`${op} on ${quote(path)} needs a value, got nothing`)
  let value: Value
  try {
    value = fromExtendedJson(raw)
  } catch (e) {
    return invalid(`${op} on ${quote(path)}: invalid value ${describeInput(raw)}: ${messageOf(e)}`, e)
  }
  if ((op === '$increment' || op === '$decrement') && !isNumeric(value)) {
    invalid(`${op} on ${quote(path)} needs a number, got ${describeInput(raw)}`)
  }
  if (op === '$merge' && !isDocumentMap(value)) invalid(`$merge on ${quote(path)} needs a map to merge, got ${describeInput(raw)}`)
  return value
}

function makeOperation(op: MutationOperator, path: PathLike, raw: unknown): MutationOperation {
  const p = validatePath(op, path)
  const value = op === '$delete' ? undefined : validateValue(op, path, raw)
  return Object.freeze({ op, path: p, value })
}

function lastIsIndex(p: FieldPath): boolean {
  return p.segments[p.segments.length - 1]?.kind === 'index'
}

/** Deleting `P[i]` shifts every other index of array `P`: `P[j]…` conflicts with it. */
function throughSameArray(deleted: FieldPath, other: FieldPath): boolean {
  const parent = deleted.segments.length - 1
  if (other.segments.length <= parent || other.segments[parent]?.kind !== 'index') return false
  for (let i = 0; i < parent; i++) {
    const a = deleted.segments[i] as PathSegment
    const b = other.segments[i] as PathSegment
    if (
      a.kind !== b.kind ||
      (a.kind === 'name' && a.name !== (b as { name: string }).name) ||
      (a.kind === 'index' && a.index !== (b as { index: number }).index)
    )
      return false
  }
  return true
}

function conflicts(a: MutationOperation, b: MutationOperation): boolean {
  if (a.path.isPrefixOf(b.path) || b.path.isPrefixOf(a.path)) return true
  if (a.op === '$delete' && lastIsIndex(a.path) && throughSameArray(a.path, b.path)) return true
  return b.op === '$delete' && lastIsIndex(b.path) && throughSameArray(b.path, a.path)
}

function checkOverlap(existing: readonly MutationOperation[], added: MutationOperation): void {
  for (const e of existing) {
    if (conflicts(e, added)) {
      throw new IllegalMutationError(
        `${added.op} on ${quote(added.path.toString())} overlaps ${e.op} on ${quote(e.path.toString())}: one mutation cannot touch the same or nested paths twice; split it into separate updates`,
      )
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing JSON

function entriesOf(op: MutationOperator, operand: unknown): [string, unknown][] {
  const shape = op === '$merge' ? '{"path": {…}}' : '{"path": value}'
  const fromMap = (m: DocumentMap): [string, unknown][] =>
    Object.keys(m)
      .filter((k) => m[k] !== undefined)
      .map((k) => [k, m[k]])
  if (
    op === '$delete' ||
    ((op === '$increment' || op === '$decrement') &&
      (typeof operand === 'string' || (Array.isArray(operand) && operand.every((x) => typeof x === 'string'))))
  ) {
    const list = typeof operand === 'string' ? [operand] : operand
    if (!Array.isArray(list) || list.some((p) => typeof p !== 'string')) {
      invalid(`$delete needs a path or an array of paths, e.g. {"$delete":["a","b.c"]}, got ${describeInput(operand)}`)
    }
    return (list as string[]).map((p) => [p, op === '$delete' ? undefined : 1])
  }
  if (isDocumentMap(operand)) return fromMap(operand)
  if (Array.isArray(operand)) {
    const out: [string, unknown][] = []
    for (const item of operand as readonly unknown[]) {
      if (!isDocumentMap(item)) invalid(`${op} needs ${shape} or [${shape}, …]; an item of the array is ${describeInput(item)}`)
      out.push(...fromMap(item))
    }
    return out
  }
  return invalid(`${op} needs ${shape} or [${shape}, …], got ${describeInput(operand)}`)
}

// ---------------------------------------------------------------------------------------------
// The class

let makeMutation: (ops: readonly MutationOperation[]) => Mutation

/**
 * A validated, immutable mutation. Build with {@link mutation} or {@link Mutation.parse}.
 * @category Documents and queries
 */
export class Mutation {
  /** The mutation with no operation; applying it changes nothing. */
  static readonly EMPTY: Mutation = new Mutation([])

  static {
    makeMutation = (ops) => new Mutation(ops)
  }

  /** False when applying it twice differs from applying it once ($increment, $decrement, $append). */
  readonly isIdempotent: boolean

  private constructor(
    /** The operations, in the order given. */
    readonly operations: readonly MutationOperation[],
  ) {
    Object.freeze(operations)
    this.isIdempotent = !operations.some((o) => NON_IDEMPOTENT.has(o.op))
  }

  /**
   * Validates JSON (object or text): operation keys among `$set $put $increment $decrement
   * $append $merge $delete`, single or multi (array) form; values are extended JSON. Throws
   * InvalidMutationError, or IllegalMutationError for overlapping paths.
   */
  static parse(input: MutationJson | string): Mutation {
    let tree: unknown = input
    if (typeof input === 'string') {
      try {
        tree = decodeValue(input)
      } catch (e) {
        invalid(`mutation is not valid extended JSON: ${messageOf(e)}`, e)
      }
    }
    if (tree instanceof Mutation) return tree
    if (!isDocumentMap(tree)) invalid(`a mutation must be a JSON object, got ${describeInput(tree)}`)
    const ops: MutationOperation[] = []
    for (const key of Object.keys(tree)) {
      const operand = tree[key]
      if (operand === undefined) continue
      if (!OPERATOR_SET.has(key)) {
        invalid(
          `unknown mutation operation ${JSON.stringify(key)}; allowed: ${MUTATION_OPERATORS.join(' ')}${key.startsWith('$') ? '' : ` (to set a field write {"$set":{${JSON.stringify(key)}:…}})`}`,
        )
      }
      const op = key as MutationOperator
      const entries = entriesOf(op, operand)
      if (entries.length === 0) invalid(`${op} needs at least one field path`)
      for (const [path, raw] of entries) {
        const added = makeOperation(op, path, raw)
        checkOverlap(ops, added)
        ops.push(added)
      }
    }
    if (ops.length === 0) invalid(`a mutation needs at least one operation: ${MUTATION_OPERATORS.join(' ')}`)
    return new Mutation(ops)
  }

  static from(input: Mutation | MutationJson | string): Mutation {
    return input instanceof Mutation ? input : Mutation.parse(input)
  }

  get isEmpty(): boolean {
    return this.operations.length === 0
  }

  private with(op: MutationOperator, path: PathLike, raw: unknown): Mutation {
    const added = makeOperation(op, path, raw)
    checkOverlap(this.operations, added)
    return makeMutation([...this.operations, added])
  }

  /** Sets the field, creating missing intermediate maps; fails on apply if the stored field has another type. */
  set(path: PathLike, value: Value): Mutation {
    return this.with('$set', path, value)
  }

  /** Sets the field whatever is stored there (no type check; rebuilds non-map intermediates as maps). */
  put(path: PathLike, value: Value): Mutation {
    return this.with('$put', path, value)
  }

  /** Adds to a numeric field, keeping its stored type; creates the field with `by` when missing. */
  increment(path: PathLike, by: Value = 1): Mutation {
    return this.with('$increment', path, by)
  }

  /** Subtracts from a numeric field, keeping its stored type; creates the field with `-by` when missing. */
  decrement(path: PathLike, by: Value = 1): Mutation {
    return this.with('$decrement', path, by)
  }

  /** Appends to an array (an array argument appends its elements), a string, or a binary. */
  append(path: PathLike, value: Value): Mutation {
    return this.with('$append', path, value)
  }

  /** Adds or replaces the top-level keys of `map` in the map at `path` (shallow). */
  merge(path: PathLike, map: DocumentMap): Mutation {
    return this.with('$merge', path, map)
  }

  /** Removes the fields; missing ones are ignored. */
  delete(...paths: PathLike[]): Mutation {
    return paths.reduce<Mutation>((m, p) => m.with('$delete', p, undefined), this)
  }

  /** The mutation as a JSON-shaped tree of OJAI values (multi form when an operation has several paths). */
  toJSON(): MutationJson {
    const groups = new Map<MutationOperator, MutationOperation[]>()
    for (const o of this.operations) {
      const list = groups.get(o.op)
      if (list === undefined) groups.set(o.op, [o])
      else list.push(o)
    }
    const out: Record<string, Value> = {}
    for (const [op, list] of groups) {
      if (op === '$delete') {
        const paths = list.map((o) => o.path.toString())
        out[op] = paths.length === 1 ? (paths[0] as string) : paths
      } else {
        const items = list.map((o): DocumentMap => ({ [o.path.toString()]: o.value as Value }))
        out[op] = items.length === 1 ? (items[0] as DocumentMap) : items
      }
    }
    return out
  }

  /** Extended-JSON text, as sent on the wire. */
  toJsonString(): string {
    return encodeValue(this.toJSON())
  }

  toString(): string {
    return this.toJsonString()
  }
}

/**
 * Starts a mutation: `mutation().set('a', 1).increment('n', 2).delete('old')`.
 * @category Documents and queries
 */
export function mutation(): Mutation {
  return Mutation.EMPTY
}

/**
 * The mutation of an update, which must change something: an empty one (`mutation()` with no
 * operation added) is refused with InvalidMutationError before it is sent.
 * @category Internals
 */
export function updateMutation(input: Mutation | MutationJson | string): Mutation {
  const parsed = Mutation.from(input)
  if (parsed.isEmpty)
    invalid(
      `an update needs at least one operation, and this mutation has none: add one, e.g. mutation().set('status', 'active') (operations: ${MUTATION_OPERATORS.join(' ')})`,
    )
  return parsed
}

// ---------------------------------------------------------------------------------------------
// Numeric arithmetic for $increment / $decrement

/** An exact decimal: unscaled × 10^-scale. */
interface Dec {
  readonly unscaled: bigint
  readonly scale: number
}

const MAX_SCALE = 10_000

function decOf(v: Value, where: string): Dec {
  if (typeof v === 'bigint') return { unscaled: v, scale: 0 }
  let text: string
  if (typeof v === 'number') text = String(v)
  else if (v instanceof OInt || v instanceof OShort || v instanceof OByte || v instanceof OFloat) text = String(v.value)
  else if (v instanceof ODecimal) text = v.value
  else throw new IllegalMutationError(`${where}: ${describeInput(v)} is not a number`)
  const m = DECIMAL_PARTS.exec(text)
  if (m === null) throw new IllegalMutationError(`${where}: ${text} cannot be used in arithmetic`)
  const frac = m[3] ?? ''
  const exp = m[4] === undefined ? 0 : Number(m[4])
  let scale = frac.length - exp
  if (Math.abs(scale) > MAX_SCALE) throw new IllegalMutationError(`${where}: ${text} is out of the range supported for arithmetic`)
  let unscaled = BigInt(`${m[1] === '-' ? '-' : ''}${(m[2] ?? '') + frac || '0'}`)
  if (scale < 0) {
    unscaled *= 10n ** BigInt(-scale)
    scale = 0
  }
  return { unscaled, scale }
}

function decAdd(a: Dec, b: Dec, sign: 1 | -1): Dec {
  const scale = Math.max(a.scale, b.scale)
  const x = a.unscaled * 10n ** BigInt(scale - a.scale)
  const y = b.unscaled * 10n ** BigInt(scale - b.scale)
  return { unscaled: sign === 1 ? x + y : x - y, scale }
}

function decTrunc(d: Dec): bigint {
  return d.scale === 0 ? d.unscaled : d.unscaled / 10n ** BigInt(d.scale)
}

function decToString(d: Dec): string {
  const neg = d.unscaled < 0n
  let digits = (neg ? -d.unscaled : d.unscaled).toString()
  if (d.scale > 0) {
    digits = digits.padStart(d.scale + 1, '0')
    digits = `${digits.slice(0, digits.length - d.scale)}.${digits.slice(digits.length - d.scale)}`.replace(/\.?0+$/, '')
  }
  return (neg ? '-' : '') + digits
}

function toDouble(v: Value): number {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  if (v instanceof ODecimal) return v.toNumber()
  return (v as OInt).value
}

const INTEGER_RANGES = {
  byte: [-128n, 127n],
  short: [-32768n, 32767n],
  int: [-2147483648n, 2147483647n],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
} as const

function addNumeric(stored: Value, amount: Value, sign: 1 | -1, where: string): Value {
  if (typeof stored === 'number') return sign === 1 ? stored + toDouble(amount) : stored - toDouble(amount)
  if (stored instanceof OFloat) return new OFloat(sign === 1 ? stored.value + toDouble(amount) : stored.value - toDouble(amount))
  if (stored instanceof ODecimal) return new ODecimal(decToString(decAdd(decOf(stored, where), decOf(amount, where), sign)))
  const type = typeOf(stored)
  if (type !== 'byte' && type !== 'short' && type !== 'int' && type !== 'long') {
    throw new IllegalMutationError(`${where}: the stored value is ${type} ${describeInput(stored)}, not a number`)
  }
  const sum = decTrunc(decAdd(decOf(stored, where), decOf(amount, where), sign))
  const [min, max] = INTEGER_RANGES[type]
  if (sum < min || sum > max) throw new IllegalMutationError(`${where}: the result ${sum} does not fit in the stored type ${type}`)
  if (type === 'long') return sum
  const n = Number(sum)
  return type === 'int' ? new OInt(n) : type === 'short' ? new OShort(n) : new OByte(n)
}

function negate(v: Value, where: string): Value {
  try {
    if (typeof v === 'number') return 0 - v
    if (typeof v === 'bigint') return -v
    if (v instanceof OInt) return new OInt(0 - v.value)
    if (v instanceof OShort) return new OShort(0 - v.value)
    if (v instanceof OByte) return new OByte(0 - v.value)
    if (v instanceof OFloat) return new OFloat(0 - v.value)
    if (v instanceof ODecimal) return new ODecimal(decToString(decAdd({ unscaled: 0n, scale: 0 }, decOf(v, where), -1)))
  } catch (e) {
    throw new IllegalMutationError(`${where}: cannot negate ${describeInput(v)} in its type`, { cause: e })
  }
  throw new IllegalMutationError(`${where}: ${describeInput(v)} is not a number`)
}

// ---------------------------------------------------------------------------------------------
// Application

type MutableMap = Record<string, Value | undefined>
type Container = MutableMap | Value[]

function setOwn(map: MutableMap, key: string, value: Value): void {
  // Plain assignment of "__proto__" would change the prototype instead of adding a field.
  if (key === '__proto__') Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true })
  else map[key] = value
}

function bytesConcat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/**
 * Applies operations to a copy-on-write view of one document: each container along a modified
 * path is copied once (the first time an operation goes through it) and the copies are then
 * changed in place; everything else is shared with the input, which is never modified.
 */
class Applier {
  private readonly owned = new Set<Container>()
  root: MutableMap

  constructor(doc: Document) {
    this.root = doc as MutableMap
  }

  private own<T extends Container>(c: T): T {
    if (this.owned.has(c)) return c
    const copy = (Array.isArray(c) ? c.slice() : { ...c }) as T
    this.owned.add(copy)
    return copy
  }

  private fresh(): MutableMap {
    const m: MutableMap = {}
    this.owned.add(m)
    return m
  }

  apply(o: MutationOperation): void {
    const where = `${o.op} on ${quote(o.path.toString())}`
    if (o.op === '$delete' && valueAt(this.root, o.path) === undefined) return
    const segs = o.path.segments
    this.root = this.own(this.root)
    let container: Container = this.root
    for (let i = 0; i < segs.length - 1; i++) {
      const seg = segs[i] as PathSegment
      const next = segs[i + 1] as PathSegment
      const child = this.get(container, seg)
      const fits = next.kind === 'name' ? isDocumentMap(child) : Array.isArray(child)
      let target: Container
      if (fits) {
        target = this.own(child as Container)
      } else if (next.kind !== 'name') {
        const at = FieldPath.fromSegments(segs.slice(0, i + 1)).toString()
        throw new IllegalMutationError(
          `${where}: ${quote(at)} ${child === undefined ? 'does not exist' : `is ${typeOf(child)}, not an array`}; array elements are never created`,
        )
      } else if (child === undefined || o.op === '$put') {
        // $put rebuilds a non-map intermediate as a map (destructive, per the protocol)
        target = this.fresh()
      } else {
        const at = FieldPath.fromSegments(segs.slice(0, i + 1)).toString()
        throw new IllegalMutationError(`${where}: ${quote(at)} is ${typeOf(child)}, not a map`)
      }
      this.put(container, seg, target, where)
      container = target
    }
    this.last(container, segs[segs.length - 1] as PathSegment, o, where)
  }

  private get(c: Container, seg: PathSegment): Value | undefined {
    if (seg.kind === 'name') return Array.isArray(c) ? undefined : getField(c, seg.name)
    if (seg.kind === 'index') return Array.isArray(c) ? c[seg.index] : undefined
    return undefined
  }

  private put(c: Container, seg: PathSegment, value: Value, where: string): void {
    if (seg.kind === 'name') {
      setOwn(c as MutableMap, seg.name, value)
    } else if (seg.kind === 'index') {
      const arr = c as Value[]
      if (seg.index >= arr.length)
        throw new IllegalMutationError(`${where}: index ${seg.index} is past the end of an array of ${arr.length} elements`)
      arr[seg.index] = value
    }
  }

  private last(c: Container, seg: PathSegment, o: MutationOperation, where: string): void {
    const existing = this.get(c, seg)
    const value = o.value as Value
    switch (o.op) {
      case '$set':
        if (existing !== undefined && typeOf(existing) !== typeOf(value)) {
          throw new IllegalMutationError(
            `${where}: the field holds ${typeOf(existing)}, the new value is ${typeOf(value)}; use $put to replace regardless of type`,
          )
        }
        this.put(c, seg, value, where)
        return
      case '$put':
        this.put(c, seg, value, where)
        return
      case '$increment':
      case '$decrement': {
        const sign = o.op === '$increment' ? 1 : -1
        if (existing === undefined) this.put(c, seg, sign === 1 ? value : negate(value, where), where)
        else if (!isNumeric(existing)) throw new IllegalMutationError(`${where}: the field holds ${typeOf(existing)}, not a number`)
        else this.put(c, seg, addNumeric(existing, value, sign, where), where)
        return
      }
      case '$append':
        this.put(c, seg, this.appended(existing, value, where), where)
        return
      case '$merge':
        if (existing === undefined) this.put(c, seg, value, where)
        else if (!isDocumentMap(existing)) throw new IllegalMutationError(`${where}: the field holds ${typeOf(existing)}, not a map`)
        else {
          const merged = this.own(existing as MutableMap)
          const add = value as DocumentMap
          for (const k of Object.keys(add)) {
            const v = add[k]
            if (v !== undefined) setOwn(merged, k, v)
          }
          this.put(c, seg, merged, where)
        }
        return
      case '$delete':
        if (Array.isArray(c)) {
          if (seg.kind === 'index' && seg.index < c.length) c.splice(seg.index, 1)
        } else if (seg.kind === 'name') {
          delete c[seg.name]
        }
        return
    }
  }

  private appended(existing: Value | undefined, value: Value, where: string): Value {
    if (existing === undefined) return value
    if (Array.isArray(existing))
      return Array.isArray(value)
        ? [...(existing as readonly Value[]), ...(value as readonly Value[])]
        : [...(existing as readonly Value[]), value]
    if (typeof existing === 'string') {
      if (typeof value !== 'string') throw new IllegalMutationError(`${where}: cannot append ${typeOf(value)} to a string`)
      return existing + value
    }
    if (existing instanceof Uint8Array) {
      if (!(value instanceof Uint8Array)) throw new IllegalMutationError(`${where}: cannot append ${typeOf(value)} to a binary`)
      return bytesConcat(existing, value)
    }
    throw new IllegalMutationError(`${where}: the field holds ${typeOf(existing)}; $append needs an array, a string or a binary`)
  }
}

/**
 * Applies the mutation atomically, returning a new document; throws IllegalMutationError and
 * leaves `doc` untouched. Only the containers along modified paths are copied.
 * @category Internals
 */
export function applyMutation(doc: Document, mutation: Mutation): Document {
  if (mutation.isEmpty) return doc
  if (!isDocumentMap(doc)) throw new IllegalMutationError(`a mutation applies to a document (a map), got ${describeInput(doc)}`)
  const applier = new Applier(doc)
  for (const o of mutation.operations) applier.apply(o)
  return applier.root as Document
}
