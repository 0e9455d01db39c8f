/**
 * The gateway's semantics, free of gRPC: tables, the five document operations and the find
 * cursor, over a {@link StorageEngine}. Every refusal is thrown as an OjaiError whose wire code
 * (`wireCodeOf`) the service layer puts in the response's `error`.
 *
 * The OJAI semantics (conditions, mutations, queries, projection, order, codec) come from
 * lib/ojai; this file only decides which of them apply, and in what order.
 *
 * Choices where the protocol says "unconfirmed" (Section 4.2, Appendix A):
 * - Validation order: payload encoding, table path, insert mode, request JSON, table existence,
 *   then the document itself. An all-default request therefore answers UNKNOWN_PAYLOAD_ENCODING.
 * - Table paths: any absolute path (`/a/b`) of at most 1 024 UTF-8 bytes can be created; there is
 *   no directory tree, so PATH_NOT_FOUND is never returned. Repeated and trailing slashes are
 *   ignored (`/a//b/` is `/a/b`). A path that is not absolute, or longer, is INVALID_ARGUMENT.
 * - A condition that is the empty string or `{}` means "no condition". A non-empty condition with
 *   INSERT or INSERT_OR_REPLACE is INVALID_ARGUMENT.
 * - Update on a missing `_id` is DOCUMENT_NOT_FOUND (proto comment; note U1), never an upsert.
 * - Delete of a missing `_id` is NO_ERROR (with or without a condition). Delete with a condition
 *   that is false on an existing document is DOCUMENT_NOT_FOUND and deletes nothing: note D1
 *   recommends NO_ERROR, but then no client could tell a check-and-delete that did nothing from
 *   one that deleted; DOCUMENT_NOT_FOUND is what GO reads as "false" and what the other check-and-
 *   operations (replace, update) answer for a false condition.
 * - Bad `_id` (missing, empty, not string/binary): INVALID_ARGUMENT. Unparsable JSON:
 *   DECODING_ERROR. A mutation that cannot be applied: ILLEGAL_MUTATION.
 * - A missing `json_query` in Find means `{}` (all documents).
 */
import { dotSegmentProblem } from '../ojai/table-path.js'
import {
  DecodingError,
  DocumentExistsError,
  DocumentNotFoundError,
  InvalidArgumentError,
  OjaiError,
  ServerError,
  TableExistsError,
  TableNotFoundError,
} from '../ojai/errors.js'
import { decodeDocument, decodeId, encodeDocument } from '../ojai/codec.js'
import { Condition } from '../ojai/condition.js'
import { applyMutation, Mutation } from '../ojai/mutation.js'
import { projector, Query } from '../ojai/query.js'
import { isDocumentId } from '../ojai/values.js'
import type { Document, DocumentId } from '../ojai/values.js'
import { InsertMode, PayloadEncoding } from '../proto/constants.js'
import { WireErrorCode } from '../proto/error-codes.js'
import type { DeleteRequest__Output } from '../proto/generated/com/mapr/data/db/DeleteRequest.js'
import type { FindByIdRequest__Output } from '../proto/generated/com/mapr/data/db/FindByIdRequest.js'
import type { FindRequest__Output } from '../proto/generated/com/mapr/data/db/FindRequest.js'
import type { InsertOrReplaceRequest__Output } from '../proto/generated/com/mapr/data/db/InsertOrReplaceRequest.js'
import type { UpdateRequest__Output } from '../proto/generated/com/mapr/data/db/UpdateRequest.js'
import { FindCursor, SCAN_BATCH, SCAN_BATCH_BYTES } from './find-cursor.js'
import { compareVersions } from './hlc.js'
import type { HybridClock } from './hlc.js'
import { resolveLimits, WorkingDoc } from './oplog.js'
import type { LoggedOp, OpLogLimits } from './oplog.js'
import type { StorageEngine, StoredRecord, TableMeta, TableStore } from './storage/engine.js'
import { decodeKey, encodeKey } from './storage/keys.js'
import { messageOf } from '../ojai/message-of.js'

/**
 * A replicated operation on one document (see oplog.ts): a put (whole document, or tombstone when
 * `text` is null), a mutation, or a document's whole state (base and log) as a resync ships it.
 */
export type DocOp =
  | { readonly type: 'put'; readonly ts: number; readonly origin: string; readonly text: string | null }
  | ({ readonly type: 'mutate' } & LoggedOp)
  | { readonly type: 'state'; readonly record: StoredRecord }

/** An applied write, as replication ships it. */
export type Change =
  | { readonly kind: 'table'; readonly meta: TableMeta }
  | { readonly kind: 'doc'; readonly table: string; readonly key: Buffer; readonly op: DocOp }

/** The timestamp a change is ordered by. */
export function changeTs(change: Change): number {
  if (change.kind === 'table') return change.meta.ts
  return change.op.type === 'state' ? change.op.record.ts : change.op.ts
}

/**
 * Thrown instead of writing when the caller gave up (cancelled the call, or its deadline passed)
 * before the write was applied: applying it later would surprise a client that already moved on
 * (e.g. failed over and wrote elsewhere). The service layer answers with that gRPC status.
 */
export class CallAbandonedError extends Error {
  constructor(readonly reason: 'cancelled' | 'deadline') {
    super(
      reason === 'cancelled'
        ? 'the call was cancelled before the write was applied; nothing written'
        : 'the deadline passed before the write was applied; nothing written',
    )
    this.name = 'CallAbandonedError'
  }
}

/** Asked right before a write is committed: a reason to drop it, or undefined to go on. */
export type AbandonCheck = () => 'cancelled' | 'deadline' | undefined

export interface DatabaseOptions {
  readonly engine: StorageEngine
  readonly clock: HybridClock
  /** This gateway's id: the origin of its writes, and the tie-breaker of the operation order. */
  readonly gatewayId: string
  /** Called after each local write is durable (not for writes applied from a peer). */
  readonly onChange?: (change: Change) => void
  /**
   * Gateways that replicate to this one (full mesh: the peers this one replicates to). Operation
   * logs are folded only up to the smallest watermark of this many peers. Default 0.
   */
  readonly expectedPeers?: number
  /** Bounds of the per-document operation log. */
  readonly opLog?: OpLogLimits
  /** Wall clock in ms (log retention). Default `Date.now`. */
  readonly now?: () => number
}

interface Watermark {
  readonly wm: number
  readonly at: number
}

const { INSERT_OR_REPLACE, INSERT, REPLACE } = InsertMode
const { JSON_ENCODING } = PayloadEncoding

/** `{"_id":"<plain string>"}` needs no JSON parser: the hot FindById/Update/Delete key shape. */
// eslint-disable-next-line no-control-regex -- raw control characters are exactly what must fall through to the parser
const SIMPLE_KEY = /^\{\s*"_id"\s*:\s*"([^"\\\u0000-\u001f]+)"\s*\}$/

export class Database {
  readonly engine: StorageEngine
  private readonly clock: HybridClock
  private readonly gatewayId: string
  private readonly onChange: ((change: Change) => void) | undefined
  private expectedPeers: number
  private readonly limits: Required<OpLogLimits>
  private readonly now: () => number
  /** Timestamps of local writes committed or committing but not yet handed to replication. */
  private readonly inFlight = new Set<number>()
  private readonly watermarks = new Map<string, Watermark>()
  private stablePoint: number

  constructor(options: DatabaseOptions) {
    this.engine = options.engine
    this.clock = options.clock
    this.gatewayId = options.gatewayId
    this.onChange = options.onChange
    this.expectedPeers = options.expectedPeers ?? 0
    this.limits = resolveLimits(options.opLog)
    this.now = options.now ?? Date.now
    this.stablePoint = this.expectedPeers === 0 ? Number.POSITIVE_INFINITY : 0
  }

  // -------------------------------------------------------------------------------------------
  // Tables

  tableExists(rawPath: string): void {
    this.requireTable(normalizeTablePath(rawPath))
  }

  async createTable(rawPath: string): Promise<void> {
    const path = normalizeTablePath(rawPath)
    const meta: TableMeta = { path, ts: this.clock.tick(), origin: this.gatewayId, dropped: false }
    const created = await this.engine.setTable(meta, (current) => current === undefined || current.dropped)
    if (!created) throw new TableExistsError(`table ${path} already exists`)
    this.onChange?.({ kind: 'table', meta })
  }

  async deleteTable(rawPath: string): Promise<void> {
    const path = normalizeTablePath(rawPath)
    const meta: TableMeta = { path, ts: this.clock.tick(), origin: this.gatewayId, dropped: true }
    const dropped = await this.engine.setTable(meta, (current) => current !== undefined && !current.dropped)
    if (!dropped) throw new TableNotFoundError(`table ${path} does not exist`)
    this.onChange?.({ kind: 'table', meta })
  }

  // -------------------------------------------------------------------------------------------
  // Documents

  async insertOrReplace(r: InsertOrReplaceRequest__Output, abandoned?: AbandonCheck): Promise<void> {
    checkEncoding(r.payloadEncoding)
    const path = normalizeTablePath(r.tablePath)
    const mode = r.insertMode
    if (mode !== INSERT_OR_REPLACE && mode !== INSERT && mode !== REPLACE) {
      throw new InvalidArgumentError(`unknown insert_mode ${String(mode)}: use INSERT_OR_REPLACE (1), INSERT (2) or REPLACE (3)`)
    }
    const condition = parseCondition(r.condition === 'jsonCondition' ? r.jsonCondition : undefined)
    if (condition !== undefined && mode !== REPLACE)
      throw new InvalidArgumentError('a condition is only allowed with insert_mode REPLACE (3)')
    const text = required(r.data === 'jsonDocument' ? r.jsonDocument : undefined, 'json_document')
    const doc = decode(text)
    const id = documentIdOf(doc)
    const canonical = encodeDocument(doc)
    const table = this.requireTable(path)
    await this.write(path, table, encodeKey(id), abandoned, (current) => {
      const exists = current !== undefined && current.text !== null
      if (mode === INSERT && exists) throw new DocumentExistsError(`a document with _id ${describeId(id)} already exists in ${path}`)
      if (mode === REPLACE) {
        if (!exists) throw new DocumentNotFoundError(`no document with _id ${describeId(id)} in ${path}`)
        if (condition !== undefined && !condition.matches(decodeDocument(current.text as string))) {
          throw new DocumentNotFoundError(`the document with _id ${describeId(id)} does not satisfy the condition`)
        }
      }
      return { put: canonical }
    })
  }

  /** The stored (and projected) document text; DocumentNotFoundError for a miss or a false condition. */
  findById(r: FindByIdRequest__Output): string {
    checkEncoding(r.payloadEncoding)
    const path = normalizeTablePath(r.tablePath)
    const id = keyOf(r.document === 'jsonDocument' ? r.jsonDocument : undefined)
    const condition = parseCondition(r.condition === 'jsonCondition' ? r.jsonCondition : undefined)
    const project = r.projections.length > 0 ? projector(r.projections) : undefined
    const table = this.requireTable(path)
    const record = table.get(encodeKey(id))
    if (record === undefined || record.text === null) throw new DocumentNotFoundError(`no document with _id ${describeId(id)} in ${path}`)
    // The hot path: the stored canonical text goes out as is, never parsed.
    if (condition === undefined && project === undefined) return record.text
    const doc = decodeDocument(record.text)
    if (condition !== undefined && !condition.matches(doc))
      throw new DocumentNotFoundError(`the document with _id ${describeId(id)} does not satisfy the condition`)
    return project === undefined ? record.text : encodeDocument(project(doc))
  }

  async update(r: UpdateRequest__Output, abandoned?: AbandonCheck): Promise<void> {
    checkEncoding(r.payloadEncoding)
    const path = normalizeTablePath(r.tablePath)
    const id = keyOf(r.document === 'jsonDocument' ? r.jsonDocument : undefined)
    const mutation = Mutation.parse(required(r.mutation === 'jsonMutation' ? r.jsonMutation : undefined, 'json_mutation'))
    const condition = parseCondition(r.condition === 'jsonCondition' ? r.jsonCondition : undefined)
    const table = this.requireTable(path)
    let text: string | undefined
    await this.write(path, table, encodeKey(id), abandoned, (current, working) => {
      if (current === undefined || current.text === null)
        throw new DocumentNotFoundError(`no document with _id ${describeId(id)} in ${path}`)
      const doc = working.currentDocument() ?? decodeDocument(current.text)
      if (condition !== undefined && !condition.matches(doc))
        throw new DocumentNotFoundError(`the document with _id ${describeId(id)} does not satisfy the condition`)
      // Replicated without its condition: it held here, where the write was accepted.
      text ??= mutation.toJsonString()
      return { mutate: text, result: applyMutation(doc, mutation) }
    })
  }

  async delete(r: DeleteRequest__Output, abandoned?: AbandonCheck): Promise<void> {
    checkEncoding(r.payloadEncoding)
    const path = normalizeTablePath(r.tablePath)
    const id = keyOf(r.document === 'jsonDocument' ? r.jsonDocument : undefined)
    const condition = parseCondition(r.condition === 'jsonCondition' ? r.jsonCondition : undefined)
    const table = this.requireTable(path)
    await this.write(path, table, encodeKey(id), abandoned, (current) => {
      const exists = current !== undefined && current.text !== null
      if (condition !== undefined) {
        if (!exists) return undefined
        if (!condition.matches(decodeDocument(current.text as string)))
          throw new DocumentNotFoundError(`the document with _id ${describeId(id)} does not satisfy the condition; not deleted`)
      }
      // A tombstone even for a missing id: a delete must win over any older write still on its
      // way from a peer.
      return { put: null }
    })
  }

  /**
   * Validates a find and returns its cursor; throws before any result for a bad query or missing
   * table. A sorted find may hold at most `maxSortBytes` of documents (see find-cursor.ts).
   */
  openFind(r: FindRequest__Output, maxSortBytes: number): FindCursor {
    checkEncoding(r.payloadEncoding)
    const path = normalizeTablePath(r.tablePath)
    const text = r.data === 'jsonQuery' ? r.jsonQuery : undefined
    const query = text === undefined || text.trim() === '' ? Query.ALL : Query.parse(text)
    const table = this.requireTable(path)
    return new FindCursor(table, query, maxSortBytes)
  }

  // -------------------------------------------------------------------------------------------
  // Replication

  /**
   * Applies operations from a peer without reporting them to `onChange` (replication is a full
   * mesh, nothing is forwarded). The operations of one document in a batch are integrated in one
   * transaction, so a batch of late operations costs one replay per document, not one per
   * operation. Resolves to how many changes took effect.
   */
  async applyRemote(changes: readonly Change[]): Promise<number> {
    let applied = 0
    let groups = new Map<string, { table: string; key: Buffer; ops: DocOp[] }>()
    const flush = async () => {
      const pending = [...groups.values()].map((g) => this.integrate(g.table, g.key, g.ops))
      groups = new Map()
      for (const n of await Promise.all(pending)) applied += n
    }
    for (const change of changes) {
      if (change.kind === 'table') {
        // Table changes are barriers: documents after a create must find the table.
        await flush()
        this.clock.observe(change.meta.ts)
        const meta = change.meta
        if (await this.engine.setTable(meta, (current) => current === undefined || compareVersions(meta, current) > 0)) applied++
        continue
      }
      this.clock.observe(changeTs(change))
      const id = `${change.table}\u0000${change.key.toString('latin1')}`
      const group = groups.get(id)
      if (group === undefined) groups.set(id, { table: change.table, key: change.key, ops: [change.op] })
      else group.ops.push(change.op)
    }
    await flush()
    return applied
  }

  /**
   * Checks a peer's change exactly as the data RPCs check a request, before anything of its batch
   * is applied: a canonical absolute table path, a well-formed key within the engine's limit, a
   * document that decodes and whose `_id` is that key, a mutation that parses, a version (finite
   * positive timestamp, origin id of 1 to 255 bytes). Throws the same typed errors (INVALID_ARGUMENT,
   * DECODING_ERROR); returns the change with its document text in canonical form.
   */
  validateRemote(change: Change): Change {
    if (change.kind === 'table') {
      checkTablePathCanonical(change.meta.path)
      checkVersion(change.meta.ts, change.meta.origin)
      return change
    }
    checkTablePathCanonical(change.table)
    const key = change.key
    let id: DocumentId
    try {
      id = decodeKey(key)
    } catch {
      throw new InvalidArgumentError('the document key is not a storage key (type byte, then the _id)')
    }
    if (!encodeKey(id).equals(key) || (typeof id === 'string' && id === ''))
      throw new InvalidArgumentError('the document key is not the storage key of a non-empty _id')
    if (key.length > this.engine.maxKeyBytes)
      throw new InvalidArgumentError(`_id is ${key.length - 1} bytes; this storage allows at most ${this.engine.maxKeyBytes - 1}`)
    const op = change.op
    switch (op.type) {
      case 'put':
        checkVersion(op.ts, op.origin)
        return op.text === null ? change : { ...change, op: { ...op, text: canonicalFor(op.text, id) } }
      case 'mutate':
        checkVersion(op.ts, op.origin)
        Mutation.parse(op.mutation)
        return change
      case 'state': {
        const r = op.record
        const h = r.history
        checkVersion(r.ts, r.origin)
        if (h === undefined)
          return r.text === null ? change : { ...change, op: { type: 'state', record: { ...r, text: canonicalFor(r.text, id) } } }
        checkVersion(h.baseTs, h.baseOrigin)
        checkVersion(h.resetTs, h.resetOrigin)
        for (const l of h.log) {
          checkVersion(l.ts, l.origin)
          Mutation.parse(l.mutation)
        }
        if (h.base === null) return change
        const base = canonicalFor(h.base, id)
        return { ...change, op: { type: 'state', record: { ...r, text: base, history: { ...h, base } } } }
      }
    }
  }

  /**
   * Records a peer's watermark: it has shipped every write of its own up to `wm` (0: unknown, e.g.
   * while it resyncs). Call only after the batch it came with is applied.
   */
  recordWatermark(source: string, wm: number): void {
    this.clock.observe(wm)
    this.watermarks.set(source, { wm: Number.isFinite(wm) && wm > 0 ? wm : 0, at: this.now() })
    this.stablePoint = this.computeStable()
  }

  /**
   * What this gateway can promise a peer: every local write up to the returned timestamp has been
   * handed to replication (writes still committing hold it back). A link lowers it further for its
   * own unsent queue.
   */
  localWatermark(): number {
    let min = this.clock.peek()
    for (const ts of this.inFlight) if (ts - 1 < min) min = ts - 1
    return min
  }

  /**
   * `count` more gateways replicate to this one from now on (peers added after start): logs are
   * folded only up to what they, too, have shipped.
   */
  expectMorePeers(count: number): void {
    this.expectedPeers += count
    this.stablePoint = this.computeStable()
  }

  /** The timestamp up to which operation logs may be folded (see oplog.ts). */
  stable(): number {
    return this.stablePoint
  }

  /** Every table entry and every document's state (tombstones included): what a peer needs to catch up from nothing. */
  *snapshot(): Generator<Change[], void, undefined> {
    const metas = this.engine.tableMetas()
    yield metas.map((meta) => ({ kind: 'table' as const, meta }))
    for (const meta of metas) {
      if (meta.dropped) continue
      const table = this.engine.table(meta.path)
      if (table === undefined) continue
      let after: Buffer | undefined
      for (;;) {
        const batch = table.scan(after, SCAN_BATCH, SCAN_BATCH_BYTES)
        if (batch.length === 0) break
        yield batch.map((e) => {
          const history = e.record.history ?? table.history(e.key)
          const record: StoredRecord =
            history === undefined ? { text: e.record.text, ts: e.record.ts, origin: e.record.origin } : { ...e.record, history }
          return { kind: 'doc' as const, table: meta.path, key: e.key, op: { type: 'state' as const, record } }
        })
        after = (batch[batch.length - 1] as (typeof batch)[number]).key
      }
    }
  }

  // -------------------------------------------------------------------------------------------

  private requireTable(path: string): TableStore {
    const table = this.engine.table(path)
    if (table === undefined) throw new TableNotFoundError(`table ${path} does not exist`)
    return table
  }

  /**
   * A local write: `plan` checks the request against the current document and says what to do
   * (a put, a mutation with its result, or nothing); the operation gets a fresh timestamp, newer
   * than everything in the log, so it is appended without replay. Reported to replication once
   * durable.
   */
  private async write(
    path: string,
    table: TableStore,
    key: Buffer,
    abandoned: AbandonCheck | undefined,
    plan: (
      current: StoredRecord | undefined,
      working: WorkingDoc,
    ) => { put: string | null } | { mutate: string; result: Document } | undefined,
  ): Promise<void> {
    let op: DocOp | undefined
    let ts: number | undefined
    try {
      await table.transact(key, (current) => {
        // The last moment to notice a caller that gave up: after this the write is applied.
        const reason = abandoned?.()
        if (reason !== undefined) throw new CallAbandonedError(reason)
        const working = new WorkingDoc(current)
        const step = plan(current, working)
        if (step === undefined) return { result: undefined }
        working.fold(this.stablePoint, this.now(), this.limits)
        ts = this.clock.tick()
        this.inFlight.add(ts)
        if ('put' in step) {
          working.putNewest({ ts, origin: this.gatewayId }, step.put)
          op = { type: 'put', ts, origin: this.gatewayId, text: step.put }
        } else {
          const logged: LoggedOp = { ts, origin: this.gatewayId, mutation: step.mutate }
          working.appendNewest(logged, step.result)
          op = { type: 'mutate', ...logged }
        }
        return { result: undefined, write: working.state() }
      })
      if (op !== undefined) this.onChange?.({ kind: 'doc', table: path, key, op })
    } finally {
      if (ts !== undefined) this.inFlight.delete(ts)
    }
  }

  /** Integrates one document's operations from a peer in one transaction; resolves how many took effect. */
  private async integrate(path: string, key: Buffer, ops: readonly DocOp[]): Promise<number> {
    // A document of a table this gateway does not have (dropped here later, or never created) is ignored.
    const table = this.engine.table(path)
    if (table === undefined) return 0
    try {
      return await table.transact(key, (current) => {
        const working = new WorkingDoc(current)
        let effective = 0
        let mutations: LoggedOp[] = []
        const flushMutations = () => {
          if (mutations.length > 0 && working.integrate(mutations)) effective += mutations.length
          mutations = []
        }
        for (const op of ops) {
          if (op.type === 'mutate') {
            mutations.push({ ts: op.ts, origin: op.origin, mutation: op.mutation })
            continue
          }
          flushMutations()
          if (op.type === 'put' ? working.put(op, op.text) : working.merge(op.record)) effective++
        }
        flushMutations()
        if (effective === 0) return { result: 0 }
        working.fold(this.stablePoint, this.now(), this.limits)
        return { result: effective, write: working.state() }
      })
    } catch (error) {
      if (error instanceof TableNotFoundError) return 0
      throw error
    }
  }

  private computeStable(): number {
    const n = Math.max(this.expectedPeers, this.watermarks.size > 0 ? 1 : 0)
    if (n === 0) return Number.POSITIVE_INFINITY
    // The n peers heard from most recently: a peer restarted under a new id leaves its old entry
    // behind, which must not hold folding back for ever.
    const recent = [...this.watermarks.values()].sort((a, b) => b.at - a.at).slice(0, n)
    if (recent.length < n) return 0
    return recent.reduce((min, w) => Math.min(min, w.wm), Number.POSITIVE_INFINITY)
  }
}

// ---------------------------------------------------------------------------------------------
// Request validation helpers

/**
 * Longest table path, in UTF-8 bytes, on every engine (LMDB could hold a little more; one limit
 * keeps the engines interchangeable). Checked before anything is registered or written.
 */
export const MAX_TABLE_PATH_BYTES = 1024

/**
 * The canonical form of a table path (repeated and trailing `/` removed); INVALID_ARGUMENT when
 * it is not absolute, too long, or has a `.` or `..` segment (never resolved: the answer would be
 * about a table the client did not name).
 */
export function normalizeTablePath(raw: string): string {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.includes('\u0000')) {
    throw new InvalidArgumentError(`table path must be absolute, e.g. "/apps/users", got ${JSON.stringify(String(raw)).slice(0, 200)}`)
  }
  const bytes = Buffer.byteLength(raw, 'utf8')
  if (bytes > MAX_TABLE_PATH_BYTES)
    throw new InvalidArgumentError(`table path is ${bytes} bytes long; at most ${MAX_TABLE_PATH_BYTES} are allowed`)
  const dots = dotSegmentProblem(raw)
  if (dots !== undefined) throw new InvalidArgumentError(dots)
  const path = raw.replace(/\/{2,}/g, '/').replace(/\/$/, '')
  if (path === '') throw new InvalidArgumentError('table path "/" is the root directory, not a table')
  return path
}

/** A path a peer sends must already be canonical (peers only ship normalized paths). */
function checkTablePathCanonical(path: string): void {
  if (normalizeTablePath(path) !== path)
    throw new InvalidArgumentError(
      `table path ${JSON.stringify(path).slice(0, 200)} is not in canonical form (${JSON.stringify(normalizeTablePath(path)).slice(0, 200)})`,
    )
}

/** A replicated version: a finite positive hybrid timestamp and the id of the gateway that accepted the write. */
function checkVersion(ts: number, origin: string): void {
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts <= 0)
    throw new InvalidArgumentError(`timestamp ${String(ts)} is not a positive finite number`)
  const bytes = typeof origin === 'string' ? Buffer.byteLength(origin, 'utf8') : 0
  if (bytes < 1 || bytes > 255) throw new InvalidArgumentError('origin gateway id must be 1 to 255 bytes')
}

/** The canonical text of a replicated document, which must decode and carry `_id` equal to its key. */
function canonicalFor(text: string, key: DocumentId): string {
  const doc = decode(text)
  const id = documentIdOf(doc)
  if (!encodeKey(id).equals(encodeKey(key)))
    throw new InvalidArgumentError(`the document's _id ${describeId(id)} is not its key ${describeId(key)}`)
  return encodeDocument(doc)
}

function checkEncoding(encoding: number): void {
  if (encoding !== JSON_ENCODING) {
    throw new ServerError(
      `unknown payload_encoding ${String(encoding)}: only JSON_ENCODING (1) is supported`,
      WireErrorCode.UNKNOWN_PAYLOAD_ENCODING,
    )
  }
}

function required(text: string | undefined, field: string): string {
  if (text === undefined || text === '') throw new InvalidArgumentError(`${field} is required`)
  return text
}

function parseCondition(text: string | undefined): Condition | undefined {
  if (text === undefined || text.trim() === '') return undefined
  const condition = Condition.parse(text)
  return condition.isEmpty ? undefined : condition
}

/** JSON decoding where any failure, even a stack overflow on absurd nesting, is a DECODING_ERROR. */
function decode(text: string): Document {
  try {
    return decodeDocument(text)
  } catch (error) {
    if (error instanceof OjaiError) throw error
    throw new DecodingError(`cannot decode the document: ${messageOf(error)}`)
  }
}

function keyOf(text: string | undefined): DocumentId {
  const json = required(text, 'json_document')
  const simple = SIMPLE_KEY.exec(json)
  if (simple !== null) return simple[1] as string
  try {
    return decodeId(json)
  } catch (error) {
    if (error instanceof OjaiError) throw error
    throw new DecodingError(`cannot decode the key document: ${messageOf(error)}`)
  }
}

function documentIdOf(doc: Document): DocumentId {
  const id = doc._id
  if (id === undefined) throw new InvalidArgumentError('the document has no _id')
  if (!isDocumentId(id) || (typeof id === 'string' && id === ''))
    throw new InvalidArgumentError('_id must be a non-empty string or a binary value')
  return id
}

function describeId(id: DocumentId): string {
  if (typeof id === 'string') return JSON.stringify(id.length > 100 ? `${id.slice(0, 100)}…` : id)
  return `{"$binary":"${Buffer.from(id.buffer, id.byteOffset, Math.min(id.byteLength, 64)).toString('base64')}"}`
}
