/**
 * Byte layout of a stored record (LMDB values, replication payloads):
 *
 *   [0]      flags: bit 0 = tombstone
 *   [1..8]   hybrid timestamp, float64 big-endian (a safe integer)
 *   [9]      length n of the origin gateway id (UTF-8, at most 255 bytes)
 *   [10..]   origin id, then the document's extended-JSON text as UTF-8 (empty for a tombstone)
 *
 * A fixed header keeps reads to one `toString` of the text: no JSON or msgpack parsing on the
 * FindById path.
 */
import type { StoredRecord } from './engine.js'

const TOMBSTONE = 0x01

export function encodeRecord(record: StoredRecord): Buffer {
  const origin = Buffer.from(record.origin, 'utf8')
  if (origin.length > 255) throw new Error('gateway id longer than 255 bytes')
  const textLen = record.text === null ? 0 : Buffer.byteLength(record.text, 'utf8')
  const out = Buffer.allocUnsafe(10 + origin.length + textLen)
  out[0] = record.text === null ? TOMBSTONE : 0
  out.writeDoubleBE(record.ts, 1)
  out[9] = origin.length
  origin.copy(out, 10)
  if (record.text !== null) out.write(record.text, 10 + origin.length, 'utf8')
  return out
}

export function decodeRecord(bytes: Uint8Array): StoredRecord {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf.length < 10) throw new Error('corrupt record: too short')
  const flags = buf[0] as number
  const ts = buf.readDoubleBE(1)
  const n = buf[9] as number
  const origin = buf.toString('utf8', 10, 10 + n)
  const text = (flags & TOMBSTONE) !== 0 ? null : buf.toString('utf8', 10 + n)
  return { text, ts, origin }
}
