/**
 * Storage keys: a document id as bytes whose plain byte order (memcmp, as LMDB sorts) is the
 * `_id` order results are scanned in.
 *
 * Layout: one type byte, then the id's bytes (UTF-8 for strings). A string and a binary id with the
 * same bytes therefore differ in the first byte and never collide. Strings sort by their UTF-8
 * bytes, as the protocol recommends; the type byte puts every binary id before every string id
 * (the relative order is unconfirmed on the real gateway; this matches `compareIds`).
 */
import type { DocumentId } from '../../ojai/values.js'

const BINARY = 0x01
const STRING = 0x02

/** The storage key of a document id. */
export function encodeKey(id: DocumentId): Buffer {
  if (typeof id === 'string') {
    const len = Buffer.byteLength(id, 'utf8')
    const out = Buffer.allocUnsafe(len + 1)
    out[0] = STRING
    out.write(id, 1, 'utf8')
    return out
  }
  const out = Buffer.allocUnsafe(id.byteLength + 1)
  out[0] = BINARY
  out.set(id, 1)
  return out
}

/** The document id a storage key stands for. */
export function decodeKey(key: Uint8Array): DocumentId {
  const buf = Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength)
  if (buf[0] === STRING) return buf.toString('utf8', 1)
  if (buf[0] === BINARY) return new Uint8Array(buf.subarray(1))
  throw new Error(`not a document key (type byte ${String(buf[0])})`)
}

/** memcmp order of two keys: the scan order of both engines. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b)
}
