import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { TableNotFoundError } from '../../../lib/ojai/errors.js'
import { compareIds } from '../../../lib/ojai/compare.js'
import type { DocumentId } from '../../../lib/ojai/values.js'
import type { StorageEngine, StoredRecord } from '../../../lib/gateway/storage/engine.js'
import { compareKeys, decodeKey, encodeKey } from '../../../lib/gateway/storage/keys.js'
import { LmdbEngine } from '../../../lib/gateway/storage/lmdb.js'
import { MemoryEngine } from '../../../lib/gateway/storage/memory.js'
import { decodeRecord, encodeRecord } from '../../../lib/gateway/storage/record-codec.js'

const dirs: string[] = []
const engines: StorageEngine[] = []

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ojai-gw-engine-'))
  dirs.push(dir)
  return dir
}

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()))
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const idArb: fc.Arbitrary<DocumentId> = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  fc.uint8Array({ minLength: 1, maxLength: 12 }),
)

describe('storage keys', () => {
  it('byte order of encoded keys is compareIds order (binary first, strings by UTF-8 bytes)', () => {
    fc.assert(
      fc.property(idArb, idArb, (a, b) => {
        expect(Math.sign(compareKeys(encodeKey(a), encodeKey(b)))).toBe(Math.sign(compareIds(a, b)))
      }),
      { numRuns: 2000 },
    )
  })

  it('decodeKey inverts encodeKey; a string and a binary with the same bytes differ', () => {
    fc.assert(
      fc.property(idArb, (id) => {
        expect(decodeKey(encodeKey(id))).toEqual(id)
      }),
    )
    expect(compareKeys(encodeKey('1234'), encodeKey(new TextEncoder().encode('1234')))).not.toBe(0)
  })

  it('records round-trip through their byte layout, tombstones included', () => {
    const records: StoredRecord[] = [
      { text: '{"_id":"a","é":"ü"}', ts: 1_700_000_000_000 * 1024 + 5, origin: 'gw-1' },
      { text: null, ts: 42, origin: '' },
    ]
    for (const r of records) expect(decodeRecord(encodeRecord(r))).toEqual(r)
  })
})

const kinds: [string, () => StorageEngine][] = [
  ['memory', () => new MemoryEngine()],
  ['lmdb', () => new LmdbEngine({ dir: tempDir() })],
]

describe.each(kinds)('%s engine', (_kind, make) => {
  function open(): StorageEngine {
    const e = make()
    engines.push(e)
    return e
  }

  const rec = (text: string | null, ts = 1): StoredRecord => ({ text, ts, origin: 'o' })

  async function withTable(e: StorageEngine, path = '/t') {
    expect(await e.setTable({ path, ts: 1, origin: 'o', dropped: false }, (c) => c === undefined || c.dropped)).toBe(true)
    const t = e.table(path)
    if (t === undefined) throw new Error('table missing')
    return t
  }

  it('scans in compareIds order from any start key, tombstones included', async () => {
    const e = open()
    const t = await withTable(e)
    const ids = fc.sample(idArb, 300)
    for (const id of ids) await t.transact(encodeKey(id), () => ({ result: 0, write: rec(`{"v":1}`) }))
    await t.transact(encodeKey(ids[0] as DocumentId), () => ({ result: 0, write: rec(null, 2) }))
    const distinct = [...new Map(ids.map((id) => [encodeKey(id).toString('hex'), id])).values()].sort(compareIds)
    const seen: DocumentId[] = []
    let after: Buffer | undefined
    for (;;) {
      const batch = t.scan(after, 7)
      if (batch.length === 0) break
      seen.push(...batch.map((b) => decodeKey(b.key)))
      after = batch[batch.length - 1]?.key
    }
    expect(seen).toEqual(distinct)
    expect(t.count()).toBe(distinct.length - 1)
    expect(t.get(encodeKey(ids[0] as DocumentId))?.text).toBeNull()
  })

  it('a decide that throws writes nothing, rejects, and later writes still work', async () => {
    const e = open()
    const t = await withTable(e)
    const k = encodeKey('k')
    await expect(
      t.transact(k, () => {
        throw new Error('no')
      }),
    ).rejects.toThrow('no')
    expect(t.get(k)).toBeUndefined()
    await expect(t.transact(k, (cur) => ({ result: cur, write: rec('{"a":1}') }))).resolves.toBeUndefined()
    expect(t.get(k)?.text).toBe('{"a":1}')
  })

  it('concurrent read-modify-writes on one key are serialised (no lost update)', async () => {
    const e = open()
    const t = await withTable(e)
    const k = encodeKey('counter')
    await Promise.all(
      Array.from({ length: 50 }, () => t.transact(k, (cur) => ({ result: 0, write: rec(String(Number(cur?.text ?? '0') + 1)) }))),
    )
    expect(t.get(k)?.text).toBe('50')
  })

  it('dropping a table clears it, stale handles refuse writes, re-creating starts empty', async () => {
    const e = open()
    const t = await withTable(e)
    await t.transact(encodeKey('a'), () => ({ result: 0, write: rec('{}') }))
    expect(await e.setTable({ path: '/t', ts: 2, origin: 'o', dropped: true }, (c) => c !== undefined && !c.dropped)).toBe(true)
    expect(e.table('/t')).toBeUndefined()
    expect(e.tableMeta('/t')).toMatchObject({ dropped: true, ts: 2 })
    await expect(t.transact(encodeKey('b'), () => ({ result: 0, write: rec('{}') }))).rejects.toBeInstanceOf(TableNotFoundError)
    const again = await withTable(e)
    expect(again.scan(undefined, 10)).toEqual([])
    expect(await e.setTable({ path: '/t', ts: 3, origin: 'o', dropped: false }, (c) => c === undefined || c.dropped)).toBe(false)
  })
})

describe('lmdb engine durability', () => {
  it('reopening the directory finds every acknowledged write and the catalog', async () => {
    const dir = tempDir()
    const first = new LmdbEngine({ dir })
    await first.setTable({ path: '/t', ts: 1, origin: 'o', dropped: false }, () => true)
    await first.setTable({ path: '/gone', ts: 1, origin: 'o', dropped: false }, () => true)
    await first.setTable({ path: '/gone', ts: 2, origin: 'o', dropped: true }, () => true)
    const t = first.table('/t')
    for (let i = 0; i < 100; i++)
      await t?.transact(encodeKey(`k${i}`), () => ({ result: 0, write: { text: `{"i":${i}}`, ts: i, origin: 'o' } }))
    await first.close()
    const second = new LmdbEngine({ dir })
    engines.push(second)
    expect(second.table('/t')?.count()).toBe(100)
    expect(second.table('/t')?.get(encodeKey('k42'))).toEqual({ text: '{"i":42}', ts: 42, origin: 'o' })
    expect(second.table('/gone')).toBeUndefined()
    expect(second.tableMeta('/gone')?.dropped).toBe(true)
  })

  it('refuses an _id longer than LMDB keys allow with INVALID_ARGUMENT instead of failing the write queue', async () => {
    const e = new LmdbEngine({ dir: tempDir() })
    engines.push(e)
    await e.setTable({ path: '/t', ts: 1, origin: 'o', dropped: false }, () => true)
    const t = e.table('/t')
    await expect(
      t?.transact(encodeKey('x'.repeat(5000)), () => ({ result: 0, write: { text: '{}', ts: 1, origin: 'o' } })),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect(t?.get(encodeKey('x'.repeat(5000)))).toBeUndefined()
    await expect(t?.transact(encodeKey('ok'), () => ({ result: 1, write: { text: '{}', ts: 1, origin: 'o' } }))).resolves.toBe(1)
  })

  it('refuses a table path longer than a catalog key before registering anything, and stays usable', async () => {
    const dir = tempDir()
    const e = new LmdbEngine({ dir })
    const long = `/${'p'.repeat(2500)}`
    await expect(e.setTable({ path: long, ts: 1, origin: 'o', dropped: false }, () => true)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    expect(e.table(long)).toBeUndefined()
    expect(e.tableMeta(long)).toBeUndefined()
    await expect(e.setTable({ path: '/t', ts: 1, origin: 'o', dropped: false }, () => true)).resolves.toBe(true)
    await e.close()
    const reopened = new LmdbEngine({ dir })
    engines.push(reopened)
    expect(reopened.tableMetas().map((m) => m.path)).toEqual(['/t'])
  })

  it('uses any directory name, dots included, as a directory', async () => {
    const dir = join(tempDir(), 'x.y')
    const e = new LmdbEngine({ dir })
    await e.setTable({ path: '/t', ts: 1, origin: 'o', dropped: false }, () => true)
    await e.close()
    expect(readdirSync(dir).sort()).toEqual(['data.mdb', 'lock.mdb'])
    expect(readdirSync(dirname(dir))).toEqual(['x.y'])
  })

  it('leaves nothing behind when it cannot open: no directory, no lock file', () => {
    const parent = tempDir()
    writeFileSync(join(parent, 'file'), 'not a directory')
    expect(() => new LmdbEngine({ dir: join(parent, 'file', 'data') })).toThrow()
    const occupied = join(parent, 'occupied')
    mkdirSync(join(occupied, 'data.mdb'), { recursive: true })
    expect(() => new LmdbEngine({ dir: occupied })).toThrow(/cannot open LMDB storage in/)
    expect(readdirSync(occupied)).toEqual(['data.mdb'])
    expect(readdirSync(parent).sort()).toEqual(['file', 'occupied'])
  })

  it('keeps a document\u2019s operation log with its record, written and removed in the same transaction, across a reopen', async () => {
    const dir = tempDir()
    const first = new LmdbEngine({ dir })
    await first.setTable({ path: '/t', ts: 1, origin: 'o', dropped: false }, () => true)
    const t = first.table('/t')
    const key = encodeKey('c')
    const history = {
      base: '{"_id":"c","n":0}',
      baseTs: 1,
      baseOrigin: 'A',
      resetTs: 1,
      resetOrigin: 'A',
      exact: true,
      log: [{ ts: 5, origin: 'B', mutation: '{"$increment":{"n":1}}' }],
    }
    await t?.transact(key, () => ({ result: 0, write: { text: '{"_id":"c","n":1}', ts: 5, origin: 'B', history } }))
    // The read path leaves the history out; transact and history() bring it.
    expect(t?.get(key)).toEqual({ text: '{"_id":"c","n":1}', ts: 5, origin: 'B' })
    await first.close()
    const second = new LmdbEngine({ dir })
    engines.push(second)
    const again = second.table('/t')
    expect(again?.history(key)).toEqual(history)
    expect(
      await again?.transact(key, (cur) => ({ result: cur?.history, write: { text: '{"_id":"c","n":1}', ts: 6, origin: 'B' } })),
    ).toEqual(history)
    // Written without a history: the stored one is gone too.
    expect(again?.history(key)).toBeUndefined()
  })
})
