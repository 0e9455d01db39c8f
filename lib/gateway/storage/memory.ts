/**
 * The in-memory engine (default): per table a key-sorted array searched by binary search.
 *
 * Lookups are O(log n); inserting in key order (the common case: growing ids) is an append.
 * Scans restart from the last key seen by binary search, so a long-running find stays correct
 * while writes shift the array underneath it. Nothing here ever waits: writes are "durable"
 * the moment they are applied.
 */
import { TableNotFoundError } from '../../ojai/errors.js'
import type { DocHistory } from '../oplog.js'
import type { Decision, ScanEntry, StorageEngine, StoredRecord, TableMeta, TableStore } from './engine.js'
import { compareKeys } from './keys.js'

class MemoryTable implements TableStore {
  private readonly keys: Buffer[] = []
  private readonly records: StoredRecord[] = []
  private live = 0
  dropped = false

  constructor(readonly path: string) {}

  /** Index of `key`, or `-(insertion point) - 1` when absent. */
  private search(key: Buffer): number {
    let lo = 0
    let hi = this.keys.length - 1
    // Appends in increasing key order are the common case: check the end first.
    if (hi >= 0) {
      const last = compareKeys(this.keys[hi] as Buffer, key)
      if (last < 0) return -(hi + 1) - 1
      if (last === 0) return hi
    }
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const c = compareKeys(this.keys[mid] as Buffer, key)
      if (c < 0) lo = mid + 1
      else if (c > 0) hi = mid - 1
      else return mid
    }
    return -lo - 1
  }

  get(key: Buffer): StoredRecord | undefined {
    const i = this.search(key)
    return i >= 0 ? this.records[i] : undefined
  }

  scan(after: Buffer | undefined, limit: number, maxBytes = Infinity): ScanEntry[] {
    let start = 0
    if (after !== undefined) {
      const i = this.search(after)
      start = i >= 0 ? i + 1 : -i - 1
    }
    const end = Math.min(this.keys.length, start + limit)
    const out: ScanEntry[] = []
    let bytes = 0
    for (let i = start; i < end && bytes < maxBytes; i++) {
      const record = this.records[i] as StoredRecord
      out.push({ key: this.keys[i] as Buffer, record })
      bytes += record.text?.length ?? 0
    }
    return out
  }

  transact<T>(key: Buffer, decide: (current: StoredRecord | undefined) => Decision<T>): Promise<T> {
    if (this.dropped) return Promise.reject(new TableNotFoundError(`table ${this.path} was deleted`))
    const i = this.search(key)
    const current = i >= 0 ? this.records[i] : undefined
    let decision: Decision<T>
    try {
      decision = decide(current)
    } catch (error) {
      return Promise.reject(error)
    }
    const write = decision.write
    if (write !== undefined) {
      if (i >= 0) {
        this.records[i] = write
        this.live += (write.text !== null ? 1 : 0) - (current?.text !== null ? 1 : 0)
      } else {
        const at = -i - 1
        // Copy the key: the caller's buffer may be a view into a reused request buffer.
        const owned = Buffer.from(key)
        if (at === this.keys.length) {
          this.keys.push(owned)
          this.records.push(write)
        } else {
          this.keys.splice(at, 0, owned)
          this.records.splice(at, 0, write)
        }
        if (write.text !== null) this.live++
      }
    }
    return Promise.resolve(decision.result)
  }

  history(key: Buffer): DocHistory | undefined {
    return this.get(key)?.history
  }

  count(): number {
    return this.live
  }
}

/** @category Storage */
export class MemoryEngine implements StorageEngine {
  readonly kind = 'memory'
  readonly maxKeyBytes = Number.POSITIVE_INFINITY
  private readonly metas = new Map<string, TableMeta>()
  private readonly tables = new Map<string, MemoryTable>()

  tableMeta(path: string): TableMeta | undefined {
    return this.metas.get(path)
  }

  tableMetas(): TableMeta[] {
    return [...this.metas.values()]
  }

  table(path: string): TableStore | undefined {
    return this.tables.get(path)
  }

  setTable(meta: TableMeta, decide: (current: TableMeta | undefined) => boolean): Promise<boolean> {
    const current = this.metas.get(meta.path)
    let ok: boolean
    try {
      ok = decide(current)
    } catch (error) {
      return Promise.reject(error)
    }
    if (!ok) return Promise.resolve(false)
    this.metas.set(meta.path, meta)
    const existing = this.tables.get(meta.path)
    if (meta.dropped) {
      if (existing) existing.dropped = true
      this.tables.delete(meta.path)
    } else if (!existing) {
      this.tables.set(meta.path, new MemoryTable(meta.path))
    }
    return Promise.resolve(true)
  }

  close(): Promise<void> {
    return Promise.resolve()
  }
}
