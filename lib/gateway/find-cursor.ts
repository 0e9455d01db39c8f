/**
 * A Find's results, produced one at a time as the stream asks for them: the table is read in
 * batches bounded by count and by bytes, each result is projected and encoded only when it is
 * next to go out, and one call does a bounded amount of work. In `_id` order the cursor holds one
 * batch; with `$orderby` it must hold the matches to sort them: only their text and sort keys, at
 * most `maxSortBytes` of text (with `$limit`, only the best `$offset + $limit` so far).
 */
import { UnsupportedOperationError } from '../ojai/errors.js'
import { decodeDocument, encodeDocument } from '../ojai/codec.js'
import { compileQuery, projector } from '../ojai/query.js'
import type { CompiledQuery, Query } from '../ojai/query.js'
import type { Document } from '../ojai/values.js'
import type { ScanEntry, TableStore } from './storage/engine.js'

/** Records per table read: enough to amortise a read, few enough to bound a step. */
export const SCAN_BATCH = 256

/** Bytes of stored records per table read (at least one record, whatever its size). */
export const SCAN_BATCH_BYTES = 256 * 1024

/** Returned by {@link FindCursor.next} when it did its share of work without finding a result yet. */
export const NOT_YET = Symbol('not yet')

interface Collected {
  readonly text: string
  /** The document reduced to its sort keys (and `_id`, the tie-breaker). */
  readonly keys: Document
}

export class FindCursor {
  readonly plan: string
  private readonly compiled: CompiledQuery
  private readonly hasFilter: boolean
  private readonly hasProjection: boolean
  private batch: ScanEntry[] = []
  private at = 0
  private after: Buffer | undefined
  private scanDone = false
  private skip: number
  private left: number
  /** Sorted finds: the matches so far, then (once sorted) what is left to send. */
  private collected: Collected[] | undefined
  private collectedBytes = 0
  private sorted = false
  private readonly sortKeys: ((doc: Document) => Document) | undefined

  constructor(
    private readonly table: TableStore,
    query: Query,
    private readonly maxSortBytes: number,
  ) {
    this.compiled = compileQuery(query)
    this.hasFilter = query.where !== undefined && !query.where.isEmpty
    this.hasProjection = query.select !== undefined
    this.skip = query.offset
    this.left = query.limit ?? Infinity
    if (this.compiled.compare !== undefined) {
      this.collected = []
      this.sortKeys = projector([...query.orderBy.map((k) => k.path), '_id'])
    }
    this.plan = planOf(table.path, query)
  }

  /**
   * The next result's text; {@link NOT_YET} after examining a batch's worth of records without
   * one (call again); undefined when there are no more. Throws UnsupportedOperationError when a
   * sort would hold more than `maxSortBytes`.
   */
  next(): string | typeof NOT_YET | undefined {
    if (this.left <= 0) return this.finish()
    if (this.collected !== undefined) return this.nextSorted(this.collected)
    for (let examined = 0; examined < SCAN_BATCH; examined++) {
      const entry = this.nextRecord()
      if (entry === undefined) return this.finish()
      const text = entry.record.text
      if (text === null) continue
      let doc: Document | undefined
      if (this.hasFilter) {
        doc = decodeDocument(text)
        if (!this.compiled.filter(doc)) continue
      }
      if (this.skip > 0) {
        this.skip--
        continue
      }
      this.left--
      return this.hasProjection ? encodeDocument(this.compiled.project(doc ?? decodeDocument(text))) : text
    }
    return NOT_YET
  }

  /** Drops everything held (batch, collected matches) at once: the stream is over. */
  close(): void {
    this.batch = []
    this.collected = undefined
    this.scanDone = true
    this.left = 0
  }

  private finish(): undefined {
    this.close()
    return undefined
  }

  private nextRecord(): ScanEntry | undefined {
    if (this.at >= this.batch.length) {
      if (this.scanDone) return undefined
      this.batch = this.table.scan(this.after, SCAN_BATCH, SCAN_BATCH_BYTES)
      this.at = 0
      if (this.batch.length === 0) {
        this.scanDone = true
        return undefined
      }
    }
    const entry = this.batch[this.at++] as ScanEntry
    this.after = entry.key
    return entry
  }

  private nextSorted(collected: Collected[]): string | typeof NOT_YET | undefined {
    const compare = this.compiled.compare as (a: Document, b: Document) => number
    const byKeys = (a: Collected, b: Collected) => compare(a.keys, b.keys)
    if (!this.sorted) {
      for (let examined = 0; examined < SCAN_BATCH; examined++) {
        const entry = this.nextRecord()
        if (entry === undefined) {
          collected.sort(byKeys)
          if (this.skip > 0) collected.splice(0, this.skip)
          this.sorted = true
          return this.nextSorted(collected)
        }
        const text = entry.record.text
        if (text === null) continue
        const doc = decodeDocument(text)
        if (!this.compiled.filter(doc)) continue
        collected.push({ text, keys: (this.sortKeys as (d: Document) => Document)(doc) })
        this.collectedBytes += text.length
        this.keepBest(collected, byKeys)
      }
      return NOT_YET
    }
    const item = collected.shift()
    if (item === undefined || this.left <= 0) return this.finish()
    this.left--
    return this.hasProjection ? encodeDocument(this.compiled.project(decodeDocument(item.text))) : item.text
  }

  /** With a limit only the best `offset + limit` matches can be sent: drop the rest now and then. */
  private keepBest(collected: Collected[], byKeys: (a: Collected, b: Collected) => number): void {
    const keep = this.skip + this.left
    if (keep < collected.length / 2 || (this.collectedBytes > this.maxSortBytes && keep < collected.length)) {
      collected.sort(byKeys)
      for (const dropped of collected.splice(keep)) this.collectedBytes -= dropped.text.length
    }
    if (this.collectedBytes > this.maxSortBytes) {
      this.close()
      throw new UnsupportedOperationError(
        `the sorted result holds more than ${this.maxSortBytes} bytes of documents; add a $limit or a narrower $where, sort in _id order (which streams), or raise findLimits.maxSortBytes`,
      )
    }
  }
}

function planOf(path: string, query: Query): string {
  const parts: string[] = [`"table":${JSON.stringify(path)}`, `"access":"full table scan in _id order"`]
  if (query.where !== undefined && !query.where.isEmpty) parts.push(`"filter":${query.where.toJsonString()}`)
  if (!query.isIdOrdered)
    parts.push(
      `"sort":${JSON.stringify(query.orderBy.map((k) => ({ path: k.path.toString(), direction: k.direction })))}`,
      `"streaming":false`,
    )
  else parts.push(`"streaming":true`)
  if (query.offset > 0) parts.push(`"offset":${query.offset}`)
  if (query.limit !== undefined) parts.push(`"limit":${query.limit}`)
  if (query.select !== undefined) parts.push(`"select":${JSON.stringify(query.select.map((p) => p.toString()))}`)
  return `{${parts.join(',')}}`
}
