/**
 * The per-document replication model: a document is the result of replaying its operations in
 * one total order, (hybrid timestamp, origin gateway id), so every replica that holds the same set
 * of operations holds the same document, whatever order they arrived in.
 *
 * Operations:
 * - put: a whole document (insert, replace, insertOrReplace, checkAndReplace) or a tombstone
 *   (delete). It replaces whatever came before it, so it is last-writer-wins: operations older
 *   than a put are irrelevant and are dropped.
 * - mutate: the mutation text of an update (increment, checkAndMutate...). A condition was checked
 *   where the write was accepted; the replicated operation is the unconditional mutation. A
 *   mutation that cannot be applied on replay (absent document, type clash) is skipped, the same
 *   way on every replica, because every replica replays the same sequence.
 *
 * Per document a replica keeps a {@link DocHistory}: a base (the document after every operation up
 * to the base version) and a short log of the mutations after it, sorted. Writes in timestamp
 * order (the normal case, and every local write) are applied to the current text and appended; an
 * operation that arrives late is inserted in order and the current text is recomputed from the
 * base (only then). A duplicate (same timestamp and origin) is ignored.
 *
 * Folding (keeping the log short): the log's prefix is folded into the base once it is stable,
 * meaning no operation older than it can still arrive. Every peer tells, with each replication
 * batch, the timestamp up to which it has shipped all of its own writes (its watermark); the
 * smallest watermark of all peers is the stable point. Acknowledgements of what *we* shipped do not
 * make anything stable: a peer may still hold older writes of its own that it has not sent.
 *
 * The trade-off: a log is also folded, stable or not, when its oldest operation is older than
 * `retentionMs` (default 10 min) or when it is longer than `maxOps` (default 1 000). The base is
 * then no longer exact, and an operation older than the base that arrives afterwards (a peer cut
 * off for longer than the retention) cannot be put in its place: a mutation newer than the base's
 * last put is applied on top of the current document (its effect is kept, its order among the
 * folded ones may differ between replicas, and a re-delivered copy of an operation already folded
 * would apply twice), anything else older than the base is dropped (last-writer-wins).
 */
import { decodeDocument, encodeDocument } from '../ojai/codec.js'
import { applyMutation, Mutation } from '../ojai/mutation.js'
import { wallMillisOf } from './hlc.js'
import type { StoredRecord } from './storage/engine.js'

/**
 * A mutation as replicated and logged.
 * @category Storage
 */
export interface LoggedOp {
  readonly ts: number
  readonly origin: string
  /** The mutation as JSON text. */
  readonly mutation: string
}

/** A point in the total order of operations. */
export interface Version {
  readonly ts: number
  readonly origin: string
}

/**
 * What a record keeps beyond its current text when it has unfolded operations or an inexact base.
 * @category Storage
 */
export interface DocHistory {
  /** The document after every operation up to `baseTs`/`baseOrigin`; null when absent or deleted. */
  readonly base: string | null
  readonly baseTs: number
  readonly baseOrigin: string
  /** The put (or delete) the base starts from: a mutation older than it was overwritten. */
  readonly resetTs: number
  readonly resetOrigin: string
  /** False once operations were folded before they were known stable (retention, length bound). */
  readonly exact: boolean
  /** Mutations newer than the base, sorted by (ts, origin). */
  readonly log: readonly LoggedOp[]
}

/** @category Gateway */
export interface OpLogLimits {
  /** Operations older than this (by their timestamp's wall time) are folded even if not known stable. Default 600 000 ms. */
  readonly retentionMs?: number
  /** Longest log per document before the oldest operations are folded anyway. Default 1 000. */
  readonly maxOps?: number
}

export const DEFAULT_RETENTION_MS = 600_000
export const DEFAULT_MAX_OPS = 1000
/** A stable prefix shorter than this stays in the log until the whole log is stable (folding it then costs nothing). */
const FOLD_BATCH = 32

const NONE: Version = Object.freeze({ ts: 0, origin: '' })

export function compareVersion(a: Version, b: Version): number {
  if (a.ts !== b.ts) return a.ts > b.ts ? 1 : -1
  return a.origin === b.origin ? 0 : a.origin > b.origin ? 1 : -1
}

/**
 * A document's state being changed inside one storage transaction. Mutable on purpose: a batch of
 * replicated operations for one key is integrated into one working copy and written once.
 */
export class WorkingDoc {
  base: string | null
  baseV: Version
  reset: Version
  exact: boolean
  log: LoggedOp[]
  private text: string | null
  /** Decoded `text`, kept while consecutive fast-path mutations apply to it. */
  private doc: ReturnType<typeof decodeDocument> | undefined
  private dirty = false

  constructor(state: StoredRecord | undefined) {
    if (state === undefined) {
      this.base = null
      this.baseV = NONE
      this.reset = NONE
      this.exact = true
      this.log = []
      this.text = null
      return
    }
    const h = state.history
    this.text = state.text
    if (h === undefined) {
      this.base = state.text
      this.baseV = { ts: state.ts, origin: state.origin }
      this.reset = this.baseV
      this.exact = true
      this.log = []
    } else {
      this.base = h.base
      this.baseV = { ts: h.baseTs, origin: h.baseOrigin }
      this.reset = { ts: h.resetTs, origin: h.resetOrigin }
      this.exact = h.exact
      this.log = [...h.log]
    }
  }

  /** The current document text (null: absent or deleted). */
  get current(): string | null {
    if (this.dirty) {
      this.text = this.doc === undefined ? null : encodeDocument(this.doc)
      this.dirty = false
    }
    return this.text
  }

  /** The current document, decoded (undefined when absent or deleted). */
  currentDocument(): ReturnType<typeof decodeDocument> | undefined {
    if (this.doc === undefined && this.text !== null) this.doc = decodeDocument(this.text)
    return this.doc
  }

  /** Version of the newest operation. */
  get version(): Version {
    return this.log.length > 0 ? (this.log[this.log.length - 1] as LoggedOp) : this.baseV
  }

  /**
   * A put (document or tombstone) at `v`. Everything older is overwritten; an older put than the
   * base is dropped (last-writer-wins). Returns false when it changed nothing.
   */
  put(v: Version, text: string | null): boolean {
    return this.adoptBase({ base: text, baseTs: v.ts, baseOrigin: v.origin, resetTs: v.ts, resetOrigin: v.origin, exact: true })
  }

  /** A local put: newer than everything by construction, so no replay. */
  putNewest(v: Version, text: string | null): void {
    this.base = text
    this.baseV = v
    this.reset = v
    this.exact = true
    this.log = []
    this.setText(text)
  }

  /** A local mutation already applied to `result` by the caller (who checked the condition). */
  appendNewest(op: LoggedOp, result: ReturnType<typeof decodeDocument>): void {
    this.log.push(op)
    this.doc = result
    this.dirty = true
  }

  /** A peer's snapshot of the document: its base (when newer than ours) and its log. */
  merge(state: StoredRecord): boolean {
    const h = state.history
    if (h === undefined) return this.put(state, state.text)
    const adopted = this.adoptBase(h)
    return this.integrate(h.log) || adopted
  }

  /**
   * Integrates mutations (any order, duplicates allowed). Returns false when none changed anything.
   */
  integrate(ops: readonly LoggedOp[]): boolean {
    let changed = false
    let replay = false
    const tail: LoggedOp[] = []
    for (const op of ops) {
      if (compareVersion(op, this.baseV) <= 0) {
        // Older than the base: with an exact base it is already in it (a duplicate). Otherwise see
        // the module comment: applied on top when no put overwrote it.
        if (!this.exact && compareVersion(op, this.reset) > 0) {
          this.base = applyText(this.base, op)
          replay = changed = true
        }
        continue
      }
      const at = this.search(op)
      if (at >= 0) continue // duplicate
      const index = -at - 1
      if (index === this.log.length) {
        this.log.push(op)
        tail.push(op)
      } else {
        this.log.splice(index, 0, op)
        replay = true
      }
      changed = true
    }
    if (replay) this.replay()
    else if (tail.length > 0) for (const op of tail) this.applyToCurrent(op)
    return changed
  }

  /**
   * Folds the log's stable prefix (operations at or before `stable`) into the base, and, stable or
   * not, operations older than the retention or beyond the length bound.
   */
  fold(stable: number, nowMs: number, limits: Required<OpLogLimits>): void {
    const log = this.log
    if (log.length === 0) return
    let stableCount = 0
    while (stableCount < log.length && (log[stableCount] as LoggedOp).ts <= stable) stableCount++
    let forced = Math.max(0, log.length - limits.maxOps)
    const oldest = nowMs - limits.retentionMs
    while (forced < log.length && wallMillisOf((log[forced] as LoggedOp).ts) < oldest) forced++
    const k = Math.max(stableCount, forced)
    if (k === 0) return
    if (k < log.length && forced <= stableCount && k < FOLD_BATCH) return
    if (forced > stableCount) this.exact = false
    if (k === log.length) {
      this.base = this.current
    } else {
      let base = this.base
      for (let i = 0; i < k; i++) base = applyText(base, log[i] as LoggedOp)
      this.base = base
    }
    const last = log[k - 1] as LoggedOp
    this.baseV = { ts: last.ts, origin: last.origin }
    this.log = log.slice(k)
  }

  /** The state to store. */
  state(): StoredRecord {
    const v = this.version
    const text = this.current
    if (this.log.length === 0 && this.exact) return { text, ts: v.ts, origin: v.origin }
    return {
      text,
      ts: v.ts,
      origin: v.origin,
      history: {
        base: this.log.length === 0 ? text : this.base,
        baseTs: this.baseV.ts,
        baseOrigin: this.baseV.origin,
        resetTs: this.reset.ts,
        resetOrigin: this.reset.origin,
        exact: this.exact,
        log: this.log,
      },
    }
  }

  private adoptBase(h: Omit<DocHistory, 'log'>): boolean {
    const v: Version = { ts: h.baseTs, origin: h.baseOrigin }
    if (compareVersion(v, this.baseV) <= 0) return false
    const old = this.log
    this.base = h.base
    this.baseV = v
    this.reset = { ts: h.resetTs, origin: h.resetOrigin }
    this.exact = h.exact
    this.log = []
    let i = 0
    while (i < old.length && compareVersion(old[i] as LoggedOp, v) <= 0) {
      const op = old[i] as LoggedOp
      // An exact base already contains every operation up to its version.
      if (!h.exact && compareVersion(op, this.reset) > 0) this.base = applyText(this.base, op)
      i++
    }
    this.log = old.slice(i)
    this.replay()
    return true
  }

  /** Index of `op` in the log, or `-(insertion point) - 1` when absent. Appends are checked first. */
  private search(op: Version): number {
    const log = this.log
    let hi = log.length - 1
    if (hi < 0) return -1
    const last = compareVersion(log[hi] as LoggedOp, op)
    if (last < 0) return -log.length - 1
    if (last === 0) return hi
    let lo = 0
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const c = compareVersion(log[mid] as LoggedOp, op)
      if (c < 0) lo = mid + 1
      else if (c > 0) hi = mid - 1
      else return mid
    }
    return -lo - 1
  }

  private setText(text: string | null): void {
    this.text = text
    this.doc = undefined
    this.dirty = false
  }

  private replay(): void {
    this.setText(this.base)
    for (const op of this.log) this.applyToCurrent(op)
  }

  private applyToCurrent(op: LoggedOp): void {
    const doc = this.currentDocument()
    if (doc === undefined) return
    const next = tryApply(doc, op)
    if (next === undefined) return
    this.doc = next
    this.dirty = true
  }
}

function tryApply(doc: ReturnType<typeof decodeDocument>, op: LoggedOp): ReturnType<typeof decodeDocument> | undefined {
  try {
    return applyMutation(doc, Mutation.parse(op.mutation))
  } catch {
    // Skipped on every replica alike: they all replay the same operations on the same document.
    return undefined
  }
}

function applyText(text: string | null, op: LoggedOp): string | null {
  if (text === null) return null
  const next = tryApply(decodeDocument(text), op)
  return next === undefined ? text : encodeDocument(next)
}

export function resolveLimits(limits: OpLogLimits | undefined): Required<OpLogLimits> {
  return { retentionMs: limits?.retentionMs ?? DEFAULT_RETENTION_MS, maxOps: Math.max(1, limits?.maxOps ?? DEFAULT_MAX_OPS) }
}

// ---------------------------------------------------------------------------------------------
// Storage form of a history (LMDB): compact JSON, the base left out when it equals the text.

interface HistoryJson {
  b?: string | null
  bt: number
  bo: string
  rt: number
  ro: string
  x: 0 | 1
  l: [number, string, string][]
}

export function encodeHistory(h: DocHistory): string {
  const json: HistoryJson = {
    bt: h.baseTs,
    bo: h.baseOrigin,
    rt: h.resetTs,
    ro: h.resetOrigin,
    x: h.exact ? 1 : 0,
    l: h.log.map((op) => [op.ts, op.origin, op.mutation]),
  }
  if (h.log.length > 0) json.b = h.base
  return JSON.stringify(json)
}

/** @param text the record's current text: the base when the log is empty. */
export function decodeHistory(encoded: string, text: string | null): DocHistory {
  const json = JSON.parse(encoded) as HistoryJson
  return {
    base: json.b === undefined ? text : json.b,
    baseTs: json.bt,
    baseOrigin: json.bo,
    resetTs: json.rt,
    resetOrigin: json.ro,
    exact: json.x === 1,
    log: json.l.map(([ts, origin, mutation]) => ({ ts, origin, mutation })),
  }
}
