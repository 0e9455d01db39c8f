/**
 * The storage seam of the gateway: one small interface, two engines (memory, LMDB).
 *
 * Records hold the document as its canonical extended-JSON text, decoded only when a condition,
 * mutation or projection needs the value, so the hot paths (FindById, InsertOrReplace) move
 * strings, not trees. Each record carries its replication version (hybrid timestamp and origin
 * gateway of its newest operation), deletes stay as tombstones, and a document with recent
 * mutations also keeps their log (oplog.ts), so replicas can replay operations in one order.
 */

import type { DocHistory } from '../oplog.js'

/**
 * One stored version of a document.
 * @category Storage
 */
export interface StoredRecord {
  /** Canonical extended-JSON text of the document; `null` for a tombstone (deleted). */
  readonly text: string | null
  /** Hybrid logical timestamp of the write (see hlc.ts). */
  readonly ts: number
  /** Id of the gateway that accepted the write. */
  readonly origin: string
  /**
   * The base and the operation log behind `text` (see oplog.ts); absent when the text says it
   * all. Loaded by `transact` and `history`; `get` and `scan` may leave it out (the read path).
   */
  readonly history?: DocHistory
}

/**
 * A table's catalog entry; dropped tables stay as tombstones for last-writer-wins.
 * @category Storage
 */
export interface TableMeta {
  readonly path: string
  readonly ts: number
  readonly origin: string
  readonly dropped: boolean
}

/** @category Storage */
export interface ScanEntry {
  readonly key: Buffer
  readonly record: StoredRecord
}

/**
 * What a transaction callback decided: the value to return and, optionally, the record to write.
 * @category Storage
 */
export interface Decision<T> {
  readonly result: T
  readonly write?: StoredRecord
}

/**
 * One live table. Handles go stale when the table is dropped; writes through a stale handle fail.
 * @category Storage
 */
export interface TableStore {
  readonly path: string
  /** The record under `key`, tombstones included. Synchronous: both engines read from memory/mmap. */
  get(key: Buffer): StoredRecord | undefined
  /**
   * Up to `limit` records with keys strictly after `after` (from the start when undefined), in
   * key order, tombstones included; with `maxBytes`, it stops after the record that reaches that
   * many bytes of stored text (so at least one record). Empty = nothing left.
   */
  scan(after: Buffer | undefined, limit: number, maxBytes?: number): ScanEntry[]
  /**
   * Reads the record under `key` (with its history), lets `decide` choose, writes its record (and
   * its history, or none) if any, atomically with respect to every other write. Resolves only
   * when the write is durable (LMDB: flushed to disk).
   * `decide` must not throw; an exception rejects the promise and writes nothing.
   * Rejects with TableNotFoundError when the table was dropped meanwhile.
   */
  transact<T>(key: Buffer, decide: (current: StoredRecord | undefined) => Decision<T>): Promise<T>
  /** The history (base and operation log) stored with `key`, if any: what a resync ships. */
  history(key: Buffer): DocHistory | undefined
  /** Number of live (non-tombstone) documents; for stats and tests. */
  count(): number
}

/** @category Storage */
export interface StorageEngine {
  /** `memory` or `lmdb`. */
  readonly kind: string
  /** Longest document key (`encodeKey` bytes) it can store; a longer one is INVALID_ARGUMENT. */
  readonly maxKeyBytes: number
  /** The catalog entry of a table, dropped ones included. */
  tableMeta(path: string): TableMeta | undefined
  /** Every catalog entry, dropped ones included. */
  tableMetas(): TableMeta[]
  /** The live table, or undefined when absent or dropped. */
  table(path: string): TableStore | undefined
  /**
   * Writes a catalog entry if `decide(current)` returns true, atomically; dropping clears the
   * table's documents, (re)creating starts it empty. Resolves to whether it wrote, once durable.
   */
  setTable(meta: TableMeta, decide: (current: TableMeta | undefined) => boolean): Promise<boolean>
  close(): Promise<void>
}
