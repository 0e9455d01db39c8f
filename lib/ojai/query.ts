/**
 * OJAI queries (protocol Section 9): `$select`, `$where`, `$orderby`, `$limit`, `$offset`;
 * parsing and validation, a fluent builder (`query()`), and the pure pieces a server needs to run
 * one (filter, order, offset, limit, projection).
 *
 * Choices where the protocol leaves things unconfirmed:
 * - Unknown keys (including the DB shell's `$options`) are rejected, naming the allowed keys.
 * - `$where: {}` means no filter; `$select: []` means the whole document.
 * - Evaluation order is filter, sort, skip `$offset`, take `$limit`, project.
 * - Without `$orderby` results come in ascending `_id` order ({@link compareIds}: binary keys
 *   first). Ties in `$orderby` are broken by `_id`, so results are deterministic.
 */
import { encodeValue, decodeValue } from './codec.js'
import { compareIds, orderValues } from './compare.js'
import { Condition, cond, describeInput } from './condition.js'
import type { ConditionJson, PathLike } from './condition.js'
import { InvalidFieldPathError, InvalidQueryError, OjaiError } from './errors.js'
import { FieldPath, getField, valueAt } from './field-path.js'
import type { PathSegment } from './field-path.js'
import { isDocumentId, isDocumentMap } from './values.js'
import type { Document, DocumentId, DocumentMap, Value } from './values.js'
import { messageOf } from './message-of.js'

/**
 * A query as JSON: `{"$select":["a"],"$where":{…},"$orderby":{"a":"desc"},"$limit":10,"$offset":5}`; `{}` = all.
 * @category Documents and queries
 */
export type QueryJson = DocumentMap

/** @category Documents and queries */
export interface OrderKey {
  readonly path: FieldPath
  readonly direction: 'asc' | 'desc'
}

/** @category Internals */
export const QUERY_KEYS = ['$select', '$where', '$orderby', '$limit', '$offset'] as const

function invalid(message: string, cause?: unknown): never {
  throw new InvalidQueryError(message, cause === undefined ? undefined : { cause })
}

// ---------------------------------------------------------------------------------------------
// Validators (shared by the parser and the builder)

function pathOf(key: string, raw: unknown, allowContainer: boolean): FieldPath {
  let p: FieldPath
  if (raw instanceof FieldPath) p = raw
  else if (typeof raw !== 'string') return invalid(`${key} needs field path strings, got ${describeInput(raw)}`)
  else {
    try {
      p = FieldPath.parse(raw)
    } catch (e) {
      if (e instanceof InvalidFieldPathError) invalid(`${key}: ${e.message}`, e)
      throw e
    }
  }
  if (p.isRoot) invalid(`${key} needs a field path, got the empty path`)
  if (!allowContainer && p.hasContainer)
    invalid(`${key} on ${JSON.stringify(String(raw))}: ordering on a container path ([]) is not allowed`)
  return p
}

function selectOf(raw: unknown): readonly FieldPath[] | undefined {
  if (typeof raw === 'string' || raw instanceof FieldPath) return [pathOf('$select', raw, true)]
  if (!Array.isArray(raw)) invalid(`$select needs a path or an array of paths, got ${describeInput(raw)}`)
  if (raw.length === 0) return undefined
  return (raw as readonly unknown[]).map((p) => pathOf('$select', p, true))
}

function whereOf(raw: unknown): Condition | undefined {
  let c: Condition
  try {
    c = raw instanceof Condition ? raw : Condition.parse(raw as ConditionJson)
  } catch (e) {
    if (e instanceof OjaiError) invalid(`$where: ${e.message}`, e)
    throw e
  }
  return c.isEmpty ? undefined : c
}

function directionOf(path: string, raw: unknown): 'asc' | 'desc' {
  if (typeof raw === 'string') {
    const lower = raw.toLowerCase()
    if (lower === 'asc' || lower === 'desc') return lower
  }
  return invalid(`$orderby on ${JSON.stringify(path)} needs "asc" or "desc", got ${describeInput(raw)}`)
}

const ORDER_SHAPES = '"path", {"path":"asc"|"desc"}, ["p1","p2"] or [{"p1":"asc"},{"p2":"desc"}]'

function orderOf(raw: unknown): readonly OrderKey[] {
  const keys: OrderKey[] = []
  const addMap = (m: DocumentMap): void => {
    for (const k of Object.keys(m)) {
      if (m[k] === undefined) continue
      keys.push({ path: pathOf('$orderby', k, false), direction: directionOf(k, m[k]) })
    }
  }
  if (typeof raw === 'string') keys.push({ path: pathOf('$orderby', raw, false), direction: 'asc' })
  else if (isDocumentMap(raw)) addMap(raw)
  else if (Array.isArray(raw)) {
    for (const item of raw as readonly unknown[]) {
      if (typeof item === 'string') keys.push({ path: pathOf('$orderby', item, false), direction: 'asc' })
      else if (isDocumentMap(item)) addMap(item)
      else invalid(`$orderby items must be "path" or {"path":"asc"|"desc"}, got ${describeInput(item)}`)
    }
  } else invalid(`$orderby needs ${ORDER_SHAPES}, got ${describeInput(raw)}`)
  return keys
}

function countOf(key: '$limit' | '$offset', raw: unknown): number {
  let n: number | undefined
  if (typeof raw === 'number') n = raw
  else if (typeof raw === 'bigint') n = Number(raw)
  else if (raw !== null && typeof raw === 'object' && 'value' in raw && typeof raw.value === 'number') n = raw.value
  if (n === undefined || !Number.isSafeInteger(n) || n < 0) invalid(`${key} needs a non-negative integer, got ${describeInput(raw)}`)
  return n
}

// ---------------------------------------------------------------------------------------------
// The class

interface Parts {
  readonly select: readonly FieldPath[] | undefined
  readonly where: Condition | undefined
  readonly orderBy: readonly OrderKey[]
  readonly limit: number | undefined
  readonly offset: number
}

const NO_PARTS: Parts = { select: undefined, where: undefined, orderBy: [], limit: undefined, offset: 0 }

let makeQuery: (parts: Parts) => Query

function isIdPath(p: FieldPath): boolean {
  const s = p.segments
  return s.length === 1 && s[0]?.kind === 'name' && s[0].name === '_id'
}

/** @category Documents and queries */
export class Query {
  /** The query that returns every document, whole, in `_id` order. */
  static readonly ALL: Query = new Query(NO_PARTS)

  static {
    makeQuery = (parts) => new Query(parts)
  }

  /** Projection paths; `undefined` = the whole document. */
  readonly select: readonly FieldPath[] | undefined
  /** The filter; `undefined` = every document. */
  readonly where: Condition | undefined
  readonly orderBy: readonly OrderKey[]
  readonly limit: number | undefined
  readonly offset: number
  /**
   * True when results come in ascending `_id` order: no `$orderby`, or `$orderby` whose first key
   * is `_id` ascending (keys are unique, so later keys never matter).
   */
  readonly isIdOrdered: boolean

  private constructor(parts: Parts) {
    this.select = parts.select === undefined ? undefined : Object.freeze([...parts.select])
    this.where = parts.where
    this.orderBy = Object.freeze(parts.orderBy.map((k) => Object.freeze({ ...k })))
    this.limit = parts.limit
    this.offset = parts.offset
    const first = this.orderBy[0]
    this.isIdOrdered = first === undefined || (isIdPath(first.path) && first.direction === 'asc')
  }

  /** Validates JSON (object or text); throws InvalidQueryError naming the problem. */
  static parse(input: QueryJson | string): Query {
    let tree: unknown = input
    if (typeof input === 'string') {
      try {
        tree = decodeValue(input)
      } catch (e) {
        invalid(`query is not valid extended JSON: ${messageOf(e)}`, e)
      }
    }
    if (tree instanceof Query) return tree
    if (tree instanceof QueryBuilder) return tree.build()
    if (!isDocumentMap(tree)) invalid(`a query must be a JSON object, got ${describeInput(tree)}`)
    let parts: Parts = NO_PARTS
    for (const key of Object.keys(tree)) {
      const raw = tree[key]
      if (raw === undefined) continue
      switch (key) {
        case '$select':
          parts = { ...parts, select: selectOf(raw) }
          break
        case '$where':
          parts = { ...parts, where: whereOf(raw) }
          break
        case '$orderby':
          parts = { ...parts, orderBy: orderOf(raw) }
          break
        case '$limit':
          parts = { ...parts, limit: countOf('$limit', raw) }
          break
        case '$offset':
          parts = { ...parts, offset: countOf('$offset', raw) }
          break
        default:
          invalid(`unknown query key ${JSON.stringify(key)}; allowed keys are ${QUERY_KEYS.join(', ')}`)
      }
    }
    return parts === NO_PARTS ? Query.ALL : new Query(parts)
  }

  /** `Query.parse` for JSON or a builder, identity for a Query, {@link Query.ALL} for `undefined`. */
  static from(input: Query | QueryBuilder | QueryJson | string | undefined): Query {
    if (input === undefined) return Query.ALL
    if (input instanceof Query) return input
    if (input instanceof QueryBuilder) return input.build()
    return Query.parse(input)
  }

  /**
   * The query that continues this one after `delivered` results, the last of which had key `lastId`
   * (only for id-ordered queries): where AND `_id > lastId`, offset 0, limit reduced.
   * After a binary key, "later" includes every string key (see {@link compareIds}).
   */
  resumeAfter(lastId: DocumentId, delivered: number): Query {
    if (!this.isIdOrdered) {
      invalid(
        `a query ordered by ${this.orderBy.map((k) => `${k.path.toString()} ${k.direction}`).join(', ')} cannot resume after an _id; only queries in _id order can`,
      )
    }
    if (!isDocumentId(lastId)) invalid(`resumeAfter needs the last _id delivered (a string or binary), got ${describeInput(lastId)}`)
    if (!Number.isSafeInteger(delivered) || delivered < 0)
      invalid(`resumeAfter needs the number of results delivered, got ${describeInput(delivered)}`)
    const after = typeof lastId === 'string' ? cond.gt('_id', lastId) : cond.or(cond.gt('_id', lastId), cond.typeOf('_id', 'string'))
    return new Query({
      select: this.select,
      where: this.where === undefined ? after : cond.and(this.where, after),
      orderBy: this.orderBy,
      limit: this.limit === undefined ? undefined : Math.max(0, this.limit - delivered),
      offset: 0,
    })
  }

  /** The query as a JSON-shaped tree of OJAI values (`$orderby` in the array-of-objects form). */
  toJSON(): QueryJson {
    const out: Record<string, Value> = {}
    if (this.select !== undefined) out.$select = this.select.map((p) => p.toString())
    if (this.where !== undefined) out.$where = this.where.toJSON()
    if (this.orderBy.length > 0) out.$orderby = this.orderBy.map((k): DocumentMap => ({ [k.path.toString()]: k.direction }))
    if (this.limit !== undefined) out.$limit = this.limit
    if (this.offset !== 0) out.$offset = this.offset
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
 * An immutable query builder: each call returns a new builder, and validates its argument at once.
 * `build()` gives the {@link Query}; `Query.from` also accepts a builder.
 *
 * ```ts
 * query().select('a', 'b').where(cond.gt('n', 1)).orderBy('n', 'desc').limit(10).offset(5).build()
 * ```
 * @category Documents and queries
 */
export class QueryBuilder {
  /** Builders come from {@link query}. @internal */
  constructor(private readonly parts: Parts = NO_PARTS) {}

  /** Projection: only these paths (and `_id` only if listed). Adds to earlier `select` calls. */
  select(...paths: PathLike[]): QueryBuilder {
    const added = paths.map((p) => pathOf('$select', p, true))
    return new QueryBuilder({ ...this.parts, select: [...(this.parts.select ?? []), ...added] })
  }

  /** The filter; a second call ANDs with the first. */
  where(condition: Condition | ConditionJson | string): QueryBuilder {
    const c = whereOf(condition)
    if (c === undefined) return this
    return new QueryBuilder({ ...this.parts, where: this.parts.where === undefined ? c : cond.and(this.parts.where, c) })
  }

  /** Adds a sort key (after earlier ones); direction defaults to ascending. */
  orderBy(path: PathLike, direction: 'asc' | 'desc' = 'asc'): QueryBuilder {
    const key: OrderKey = { path: pathOf('$orderby', path, false), direction: directionOf(String(path), direction) }
    return new QueryBuilder({ ...this.parts, orderBy: [...this.parts.orderBy, key] })
  }

  limit(n: number): QueryBuilder {
    return new QueryBuilder({ ...this.parts, limit: countOf('$limit', n) })
  }

  offset(n: number): QueryBuilder {
    return new QueryBuilder({ ...this.parts, offset: countOf('$offset', n) })
  }

  build(): Query {
    return this.parts === NO_PARTS ? Query.ALL : makeQuery(this.parts)
  }

  toJSON(): QueryJson {
    return this.build().toJSON()
  }

  toJsonString(): string {
    return this.build().toJsonString()
  }
}

/**
 * Starts a query builder.
 * @category Documents and queries
 */
export function query(): QueryBuilder {
  return new QueryBuilder()
}

// ---------------------------------------------------------------------------------------------
// Projection

interface ProjectionNode {
  whole: boolean
  readonly names: Map<string, ProjectionNode>
  readonly indexes: Map<number, ProjectionNode>
  container: ProjectionNode | undefined
}

function newNode(): ProjectionNode {
  return { whole: false, names: new Map(), indexes: new Map(), container: undefined }
}

function buildProjection(paths: readonly FieldPath[]): ProjectionNode {
  const root = newNode()
  for (const p of paths) {
    let node = root
    for (const s of p.segments as readonly PathSegment[]) {
      let next: ProjectionNode | undefined
      if (s.kind === 'name') {
        next = node.names.get(s.name)
        if (next === undefined) node.names.set(s.name, (next = newNode()))
      } else if (s.kind === 'index') {
        next = node.indexes.get(s.index)
        if (next === undefined) node.indexes.set(s.index, (next = newNode()))
      } else {
        next = node.container ??= newNode()
      }
      node = next
    }
    node.whole = true
  }
  return root
}

/** The nodes that apply to a value: `a[]` also selects a non-array `a` itself (one-element rule). */
function expand(nodes: readonly ProjectionNode[], value: Value): readonly ProjectionNode[] {
  if (Array.isArray(value) || !nodes.some((n) => n.container !== undefined)) return nodes
  const out = [...nodes]
  for (let i = 0; i < out.length; i++) {
    const c = (out[i] as ProjectionNode).container
    if (c !== undefined) out.push(c)
  }
  return out
}

function setField(map: Record<string, Value>, key: string, value: Value): void {
  if (key === '__proto__') Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true })
  else map[key] = value
}

function projectValue(value: Value, given: readonly ProjectionNode[]): Value | undefined {
  const nodes = expand(given, value)
  for (const n of nodes) if (n.whole) return value
  if (isDocumentMap(value)) {
    const names = new Set<string>()
    for (const n of nodes) for (const k of n.names.keys()) names.add(k)
    let out: Record<string, Value> | undefined
    for (const name of names) {
      const child = getField(value, name)
      if (child === undefined) continue
      const sub: ProjectionNode[] = []
      for (const n of nodes) {
        const c = n.names.get(name)
        if (c !== undefined) sub.push(c)
      }
      const pv = projectValue(child, sub)
      if (pv !== undefined) setField((out ??= {}), name, pv)
    }
    return out
  }
  if (Array.isArray(value)) {
    const arr = value as readonly Value[]
    let out: Value[] | undefined
    for (let i = 0; i < arr.length; i++) {
      const sub: ProjectionNode[] = []
      for (const n of nodes) {
        if (n.container !== undefined) sub.push(n.container)
        const c = n.indexes.get(i)
        if (c !== undefined) sub.push(c)
      }
      if (sub.length === 0) continue
      const pv = projectValue(arr[i] as Value, sub)
      if (pv !== undefined) (out ??= []).push(pv)
    }
    return out
  }
  return undefined
}

/**
 * A projection function for these paths, built once: keeps nesting (`a.b` gives `{a:{b:…}}`),
 * keeps `_id` only when listed, leaves out paths the document lacks. `a[1]` keeps that element
 * and `a[].b` keeps `b` of every element, as arrays of the kept elements in their original order.
 * @category Internals
 */
export function projector(paths: readonly (FieldPath | string)[]): (doc: Document) => Document {
  const root = buildProjection(paths.map((p) => FieldPath.from(p)))
  return (doc) => (projectValue(doc, [root]) ?? {}) as Document
}

/**
 * Projects one document (see {@link projector}; build the projector once for many documents).
 * @category Internals
 */
export function project(doc: Document, paths: readonly (FieldPath | string)[]): Document {
  return projector(paths)(doc)
}

// ---------------------------------------------------------------------------------------------
// Order and execution

function idOf(doc: Document): DocumentId | undefined {
  const id = getField(doc, '_id')
  return isDocumentId(id) ? id : undefined
}

function compareDocIds(a: Document, b: Document): number {
  const x = idOf(a)
  const y = idOf(b)
  if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1
  return compareIds(x, y)
}

/**
 * A comparator of documents for `$orderby` (see {@link orderValues} for mixed types); `_id` keys
 * use the store's key order ({@link compareIds}); ties are broken by `_id` ascending.
 * @category Internals
 */
export function orderComparator(orderBy: readonly OrderKey[]): (a: Document, b: Document) => number {
  const keys = orderBy.map((k) => {
    const desc = k.direction === 'desc'
    if (isIdPath(k.path)) return (a: Document, b: Document) => (desc ? -compareDocIds(a, b) : compareDocIds(a, b))
    const path = k.path
    return (a: Document, b: Document) => orderValues(valueAt(a, path), valueAt(b, path), k.direction)
  })
  return (a, b) => {
    for (const k of keys) {
      const r = k(a, b)
      if (r !== 0) return r
    }
    return compareDocIds(a, b)
  }
}

/**
 * What a server needs to run a query.
 * @category Internals
 */
export interface CompiledQuery {
  /** Does a document pass `$where`? */
  readonly filter: (doc: Document) => boolean
  /**
   * The sort order, or `undefined` when the query is in `_id` order: then a server can stream an
   * `_id`-ordered scan (filter, skip `offset`, stop after `limit`) without buffering.
   */
  readonly compare: ((a: Document, b: Document) => number) | undefined
  readonly offset: number
  /** `undefined` = no limit. */
  readonly limit: number | undefined
  /** Applies `$select` (identity when there is none). */
  readonly project: (doc: Document) => Document
}

/** @category Internals */
export function compileQuery(q: Query): CompiledQuery {
  const where = q.where
  const select = q.select
  return {
    filter: where === undefined ? () => true : (doc) => where.matches(doc),
    compare: q.isIdOrdered ? undefined : orderComparator(q.orderBy),
    offset: q.offset,
    limit: q.limit,
    project: select === undefined ? (doc) => doc : projector(select),
  }
}

/**
 * Runs a query over documents given in ascending `_id` order, lazily: without a sort it streams
 * (stops reading at the limit); with one it buffers the matching documents and sorts them.
 * @category Internals
 */
export function* executeQuery(q: Query | CompiledQuery, docsInIdOrder: Iterable<Document>): Generator<Document, void, undefined> {
  const c = q instanceof Query ? compileQuery(q) : q
  const limit = c.limit ?? Infinity
  if (limit === 0) return
  if (c.compare === undefined) {
    let skip = c.offset
    let left = limit
    for (const doc of docsInIdOrder) {
      if (!c.filter(doc)) continue
      if (skip > 0) {
        skip--
        continue
      }
      yield c.project(doc)
      if (--left === 0) return
    }
    return
  }
  const matched: Document[] = []
  for (const doc of docsInIdOrder) if (c.filter(doc)) matched.push(doc)
  matched.sort(c.compare)
  const end = Math.min(matched.length, c.offset + limit)
  for (let i = c.offset; i < end; i++) yield c.project(matched[i] as Document)
}
