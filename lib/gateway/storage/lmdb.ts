/**
 * The durable engine on LMDB (`lmdb` package): one environment per data directory.
 *
 * - `docs` holds every document record under `[table id: uint32 BE][document key]`, so a table
 *   is one contiguous key range scanned in `_id` order, and dropping it clears that range.
 *   Table ids are never reused, so a stale handle can never see a re-created table's rows.
 * - `catalog` maps a table path to its entry (version, dropped flag, id).
 * - `hist` holds, under the same key as `docs`, the base and operation log of a document that has
 *   unfolded mutations (oplog.ts), written in the same transaction as the record. Kept apart so
 *   FindById and scans read the record alone, as before.
 *
 * Durability: a write is acknowledged only after its transaction is committed AND flushed
 * (`db.flushed`, fsync under LMDB's overlapping sync), so `kill -9` right after an answer
 * loses nothing. Concurrent writes share one commit/flush (lmdb-js batches every write issued
 * in the same event turn), which keeps throughput reasonable under load.
 *
 * `lmdb` is an optional peer dependency (load-lmdb.ts): loaded when the first engine opens, not
 * when this module is imported; and no public member's type names it, so the published
 * declarations never pull in lmdb's own (which do not compile under `skipLibCheck: false`).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Database, RootDatabase } from 'lmdb'
import { InvalidArgumentError, TableNotFoundError } from '../../ojai/errors.js'
import { decodeHistory, encodeHistory } from '../oplog.js'
import type { DocHistory } from '../oplog.js'
import type { Decision, ScanEntry, StorageEngine, StoredRecord, TableMeta, TableStore } from './engine.js'
import { loadLmdb } from './load-lmdb.js'
import { decodeRecord, encodeRecord } from './record-codec.js'
import { messageOf } from '../../ojai/message-of.js'

/** LMDB's compiled-in key limit is 1978 bytes; keep room for the table prefix. */
export const MAX_KEY_BYTES = 1970

/** Longest table path in the catalog (an LMDB key, with room for lmdb-js's string encoding). */
export const MAX_CATALOG_KEY_BYTES = 1900

interface CatalogEntry {
  ts: number
  origin: string
  dropped: boolean
  id: number
}

const NEXT_ID = '\u0000next-table-id'

class LmdbTable implements TableStore {
  dropped = false
  private readonly prefix: Buffer
  private readonly end: Buffer

  constructor(
    readonly path: string,
    readonly id: number,
    private readonly docs: Database<Buffer, Buffer>,
    private readonly hist: Database<string, Buffer>,
  ) {
    this.prefix = Buffer.alloc(4)
    this.prefix.writeUInt32BE(id)
    this.end = Buffer.alloc(4)
    this.end.writeUInt32BE(id + 1)
  }

  private full(key: Buffer): Buffer {
    if (key.length > MAX_KEY_BYTES)
      throw new InvalidArgumentError(`_id is ${key.length - 1} bytes; durable storage allows at most ${MAX_KEY_BYTES - 1}`)
    return Buffer.concat([this.prefix, key], 4 + key.length)
  }

  get(key: Buffer): StoredRecord | undefined {
    if (key.length > MAX_KEY_BYTES) return undefined
    const bytes = this.docs.getBinaryFast(this.full(key))
    return bytes === undefined ? undefined : decodeRecord(bytes)
  }

  scan(after: Buffer | undefined, limit: number, maxBytes = Infinity): ScanEntry[] {
    // The smallest key strictly greater than `after` is `after` followed by a zero byte.
    const start = after === undefined ? this.prefix : Buffer.concat([this.prefix, after, ZERO])
    const out: ScanEntry[] = []
    let bytes = 0
    // Lazy: each record is read (and decoded) only when the iteration reaches it.
    for (const { key, value } of this.docs.getRange({ start, end: this.end, limit })) {
      out.push({ key: key.subarray(4), record: decodeRecord(value) })
      bytes += value.length
      if (bytes >= maxBytes) break
    }
    return out
  }

  async transact<T>(key: Buffer, decide: (current: StoredRecord | undefined) => Decision<T>): Promise<T> {
    const full = this.full(key)
    const docs = this.docs
    const hist = this.hist
    // An exception escaping an lmdb-js transaction callback stalls the write queue for good, so
    // every failure is carried out of the callback as a value and rethrown here.
    const outcome = await docs.transaction((): Outcome<T> => {
      try {
        // Callbacks run in call order on this thread, so a drop queued earlier has already run.
        if (this.dropped) return { error: new TableNotFoundError(`table ${this.path} was deleted`) }
        const bytes = docs.getBinaryFast(full)
        let current = bytes === undefined ? undefined : decodeRecord(bytes)
        const stored = current === undefined ? undefined : hist.get(full)
        if (current !== undefined && stored !== undefined) current = { ...current, history: decodeHistory(stored, current.text) }
        const decision = decide(current)
        const write = decision.write
        if (write !== undefined) {
          docs.putSync(full, encodeRecord(write))
          if (write.history !== undefined) hist.putSync(full, encodeHistory(write.history))
          else if (stored !== undefined) hist.removeSync(full)
        }
        return { value: decision.result }
      } catch (error) {
        return { error }
      }
    })
    await docs.flushed
    if ('error' in outcome) throw outcome.error
    return outcome.value
  }

  history(key: Buffer): DocHistory | undefined {
    if (key.length > MAX_KEY_BYTES) return undefined
    const full = this.full(key)
    const stored = this.hist.get(full)
    if (stored === undefined) return undefined
    const bytes = this.docs.getBinaryFast(full)
    return decodeHistory(stored, bytes === undefined ? null : decodeRecord(bytes).text)
  }

  count(): number {
    let n = 0
    for (const { value } of this.docs.getRange({ start: this.prefix, end: this.end })) {
      if (((value[0] as number) & 1) === 0) n++
    }
    return n
  }

  clear(): void {
    for (const k of this.docs.getKeys({ start: this.prefix, end: this.end })) this.docs.removeSync(k)
    for (const k of this.hist.getKeys({ start: this.prefix, end: this.end })) this.hist.removeSync(k)
  }
}

const ZERO = Buffer.from([0])

type Outcome<T> = { readonly value: T } | { readonly error: unknown }

/** @category Storage */
export interface LmdbEngineOptions {
  /** Data directory; created when missing. */
  readonly dir: string
  /** Upper bound of the memory map in bytes. Default 8 GiB (virtual address space only). */
  readonly mapSize?: number
}

/** @category Storage */
export class LmdbEngine implements StorageEngine {
  readonly kind = 'lmdb'
  readonly maxKeyBytes = MAX_KEY_BYTES
  private readonly root: RootDatabase
  private readonly docs: Database<Buffer, Buffer>
  private readonly hist: Database<string, Buffer>
  private readonly catalog: Database<CatalogEntry | number, string>
  private readonly metas = new Map<string, TableMeta & { id: number }>()
  private readonly tables = new Map<string, LmdbTable>()
  private closed = false

  constructor(options: LmdbEngineOptions) {
    // First, so that a missing package leaves nothing behind.
    const lmdb = loadLmdb()
    const dir = options.dir
    const files = [join(dir, 'data.mdb'), join(dir, 'lock.mdb')]
    const existed = files.map((f) => existsSync(f))
    // The first directory created (undefined when `dir` existed): removed again if opening fails.
    const madeDir = mkdirSync(dir, { recursive: true })
    try {
      // Always a directory, whatever the name: lmdb-js would take a path with an extension
      // (`/tmp/x.y`) for a data file of its own.
      this.root = lmdb.open(dir, { noSubdir: false, maxDbs: 8, mapSize: options.mapSize ?? 8 * 1024 ** 3, noMemInit: true })
      this.docs = this.root.openDB<Buffer, Buffer>({ name: 'docs', keyEncoding: 'binary', encoding: 'binary' })
      this.hist = this.root.openDB<string, Buffer>({ name: 'hist', keyEncoding: 'binary', encoding: 'string' })
      this.catalog = this.root.openDB<CatalogEntry | number, string>({ name: 'catalog' })
    } catch (error) {
      // Leave nothing behind that this attempt created (a lock file, an empty data file, the directory).
      if (madeDir !== undefined) rmSync(madeDir, { recursive: true, force: true })
      else files.forEach((f, i) => existed[i] || rmSync(f, { force: true }))
      throw new Error(`cannot open LMDB storage in ${dir}: ${messageOf(error)}`, { cause: error })
    }
    for (const { key, value } of this.catalog.getRange()) {
      if (key === NEXT_ID || typeof value === 'number') continue
      this.metas.set(key, { path: key, ts: value.ts, origin: value.origin, dropped: value.dropped, id: value.id })
      if (!value.dropped) this.tables.set(key, new LmdbTable(key, value.id, this.docs, this.hist))
    }
  }

  tableMeta(path: string): TableMeta | undefined {
    const m = this.metas.get(path)
    return m === undefined ? undefined : { path: m.path, ts: m.ts, origin: m.origin, dropped: m.dropped }
  }

  tableMetas(): TableMeta[] {
    return [...this.metas.keys()].map((p) => this.tableMeta(p) as TableMeta)
  }

  table(path: string): TableStore | undefined {
    return this.tables.get(path)
  }

  async setTable(meta: TableMeta, decide: (current: TableMeta | undefined) => boolean): Promise<boolean> {
    // Checked before the transaction: once it starts, nothing in it may fail half-way.
    const bytes = Buffer.byteLength(meta.path, 'utf8')
    if (bytes > MAX_CATALOG_KEY_BYTES)
      throw new InvalidArgumentError(`table path is ${bytes} bytes; durable storage allows at most ${MAX_CATALOG_KEY_BYTES}`)
    const outcome = await this.root.transaction((): Outcome<boolean> => {
      try {
        return { value: this.applyTable(meta, decide) }
      } catch (error) {
        return { error }
      }
    })
    await this.root.flushed
    if ('error' in outcome) throw outcome.error
    return outcome.value
  }

  /**
   * Runs inside the catalog transaction. The catalog is written first and this engine's maps
   * only after, so a write that fails leaves no table registered that storage does not have.
   */
  private applyTable(meta: TableMeta, decide: (current: TableMeta | undefined) => boolean): boolean {
    const current = this.tableMeta(meta.path)
    if (!decide(current)) return false
    const existing = this.tables.get(meta.path)
    let id = existing?.id ?? this.metas.get(meta.path)?.id
    if (!meta.dropped && existing === undefined) {
      const next = this.catalog.get(NEXT_ID)
      id = typeof next === 'number' ? next : 1
      this.catalog.putSync(NEXT_ID, id + 1)
    }
    this.catalog.putSync(meta.path, { ts: meta.ts, origin: meta.origin, dropped: meta.dropped, id: id ?? 0 })
    if (meta.dropped && existing !== undefined) {
      existing.dropped = true
      existing.clear()
      this.tables.delete(meta.path)
    } else if (!meta.dropped && existing === undefined) {
      this.tables.set(meta.path, new LmdbTable(meta.path, id as number, this.docs, this.hist))
    }
    this.metas.set(meta.path, { ...meta, id: id ?? 0 })
    return true
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.root.flushed
    await this.root.close()
  }
}
