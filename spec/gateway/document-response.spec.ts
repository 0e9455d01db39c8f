/**
 * Found documents go out as their stored text, serialised without protobufjs: the bytes must be
 * exactly those of the service's serialiser, and over a real gateway (memory and LMDB storage)
 * the answers without a projection must be the same documents, types included, as the answers
 * through the projection path, which decodes and encodes again; a projection still projects.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DocumentResponses, acceptingDocumentResponses } from '../../lib/gateway/document-response.js'
import { startGateway } from '../../lib/gateway/index.js'
import type { OjaiGateway } from '../../lib/gateway/index.js'
import { NO_ERROR, rpcError } from '../../lib/gateway/wire.js'
import { decodeDocument, encodeDocument } from '../../lib/ojai/codec.js'
import { sameValue } from '../../lib/ojai/document.js'
import type { Document, Value } from '../../lib/ojai/values.js'
import { FindResponseType, MapRDbServer, PayloadEncoding } from '../../lib/proto/index.js'
import { document, value } from '../ojai/arbitraries.js'
import { docs, RawClient } from './raw-client.js'

const { JSON_ENCODING } = PayloadEncoding
const { RESULT_DOCUMENT } = FindResponseType
const service = MapRDbServer.service
const responses = new DocumentResponses(acceptingDocumentResponses(service))

/** Texts of every length class of the varint (1, 2 and 3 bytes) and of every UTF-8 width. */
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }), fc.integer({ min: 30, max: 20_000 })).map(([s, n]) => s.repeat(n)),
)

describe('DocumentResponses', () => {
  it('builds the very bytes the service serialises, for any stored document text', () => {
    fc.assert(
      fc.property(fc.oneof(document.map(encodeDocument), text), (json) => {
        const findById = service.FindById.responseSerialize({ error: NO_ERROR, payloadEncoding: JSON_ENCODING, jsonDocument: json })
        const find = service.Find.responseSerialize({
          error: NO_ERROR,
          payloadEncoding: JSON_ENCODING,
          type: RESULT_DOCUMENT,
          jsonResponse: json,
        })
        expect(responses.findById(json).bytes.equals(findById)).toBe(true)
        expect(responses.findResult(json).bytes.equals(find)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('is read back by the client deserialiser as that document', () => {
    const json = encodeDocument({ _id: 'k', at: new Date(0).toISOString(), n: 2n ** 62n })
    expect(service.FindById.responseDeserialize(responses.findById(json).bytes)).toMatchObject({
      error: { errCode: 0, errorMessage: '' },
      payloadEncoding: JSON_ENCODING,
      jsonDocument: json,
    })
    expect(service.Find.responseDeserialize(responses.findResult(json).bytes)).toMatchObject({
      type: RESULT_DOCUMENT,
      jsonResponse: json,
    })
  })

  it('lets every other answer through the service serialiser', () => {
    const wrapped = acceptingDocumentResponses(service)
    const miss = { error: rpcError(3, 'no document'), payloadEncoding: JSON_ENCODING }
    expect(wrapped.FindById.responseSerialize(miss).equals(service.FindById.responseSerialize(miss))).toBe(true)
    expect(wrapped.Ping.responseSerialize).toBe(service.Ping.responseSerialize)
  })
})

/** Plain field names, so that a projection can name every top-level field as a path. */
const fieldName = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/)
const typedDocument = fc.dictionary(fieldName, value, { minKeys: 1, maxKeys: 8 }).map((fields) => ({ ...fields, _id: 'k' }) as Document)

function same(a: Document, b: Document): boolean {
  return sameValue(a as unknown as Value, b as unknown as Value)
}

describe.each([
  ['memory', () => ({ storage: 'memory' as const, dir: undefined })],
  [
    'LMDB',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'ojai-gw-serve-'))
      return { storage: { dir }, dir }
    },
  ],
])('answers without a projection, %s storage', (_name, storageOf) => {
  let gw: OjaiGateway
  let c: RawClient
  let dir: string | undefined
  let tables = 0

  beforeAll(async () => {
    const s = storageOf()
    dir = s.dir
    gw = await startGateway({ port: 0, storage: s.storage })
    c = new RawClient(gw.address)
  })

  afterAll(async () => {
    c.close()
    await gw.close()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it('are the documents the projection path gives, types included, for any typed values', async () => {
    await fc.assert(
      fc.asyncProperty(typedDocument, async (doc) => {
        const path = `/t${++tables}`
        expect(await c.createTable(path)).toBe(0)
        expect(await c.insert(path, encodeDocument(doc))).toBe(0)
        const every = Object.keys(doc)
        const stored = encodeDocument(doc)

        // FindById: the stored text as is, and the same document through a projection of every field.
        const plain = await c.findById(path, '{"_id":"k"}')
        const projected = await c.findById(path, '{"_id":"k"}', { projections: every })
        expect(plain.error?.errCode).toBe(0)
        expect(plain.jsonDocument).toBe(stored)
        expect(same(decodeDocument(plain.jsonDocument ?? ''), doc)).toBe(true)
        expect(same(decodeDocument(projected.jsonDocument ?? ''), decodeDocument(plain.jsonDocument ?? ''))).toBe(true)

        // Find, with and without a condition (evaluated on the decoded document, sent as stored).
        const all = docs(await c.query(path, '{}'))
        const filtered = docs(await c.query(path, '{"$where":{"$eq":{"_id":"k"}}}'))
        const selected = docs(await c.query(path, JSON.stringify({ $select: every })))
        expect(all).toEqual([stored])
        expect(filtered).toEqual([stored])
        expect(selected).toHaveLength(1)
        expect(same(decodeDocument(selected[0] ?? ''), decodeDocument(stored))).toBe(true)
      }),
      { numRuns: 40 },
    )
  })

  it('leave projections projecting', async () => {
    const path = `/t${++tables}`
    await c.createTable(path)
    const doc = { _id: 'k', a: 1, b: { c: new Date(0).toISOString(), d: 2n ** 60n }, e: ['x'] }
    await c.insert(path, encodeDocument(doc))
    const byId = await c.findById(path, '{"_id":"k"}', { projections: ['b.d'] })
    expect(decodeDocument(byId.jsonDocument ?? '')).toEqual({ b: { d: 2n ** 60n } })
    const found = docs(await c.query(path, '{"$select":["a","e"]}'))
    expect(found.map(decodeDocument)).toEqual([{ a: 1, e: ['x'] }])
  })
})
