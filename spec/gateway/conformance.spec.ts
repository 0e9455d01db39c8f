/**
 * Conformance of the embedded gateway with the Data Access Gateway protocol
 * (the gateway protocol reference), driven by a raw grpc-js client over a real socket: every RPC, the error
 * paths of Section 4.2, and the Section 13 checklist item by item.
 */
import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../lib/gateway/index.js'
import type { OjaiGateway } from '../../lib/gateway/index.js'
import { decodeDocument, encodeDocument } from '../../lib/ojai/codec.js'
import { typeOf } from '../../lib/ojai/values.js'
import { DEFAULT_PORT, MapRDbServer, SERVICE_NAME } from '../../lib/proto/index.js'
import { docs, RawClient } from './raw-client.js'
import { EXAMPLE_CONDITIONS, EXAMPLE_DOCUMENTS } from '../support/condition-examples.js'
import { occupy } from '../support/ports.js'

const E = {
  NO_ERROR: 0,
  TABLE_NOT_FOUND: 2,
  TABLE_ALREADY_EXISTS: 17,
  INVALID_ARGUMENT: 22,
  UNKNOWN_PAYLOAD_ENCODING: 260,
  DOCUMENT_ALREADY_EXISTS: 280,
  DOCUMENT_NOT_FOUND: 281,
  DECODING_ERROR: 291,
  ILLEGAL_MUTATION: 292,
} as const

let gw: OjaiGateway
let c: RawClient
let tableNo = 0

/** A fresh table per test, so tests never see each other's documents. */
async function table(): Promise<string> {
  const path = `/conformance/t${++tableNo}`
  expect(await c.createTable(path)).toBe(E.NO_ERROR)
  return path
}

async function get(path: string, idJson: string): Promise<string | undefined> {
  const r = await c.findById(path, `{"_id":${idJson}}`)
  return r.jsonDocument
}

async function ids(path: string, query: string): Promise<string[]> {
  const result = await c.query(path, query)
  expect(result.status.code).toBe(grpc.status.OK)
  return docs(result).map((t) => String(decodeDocument(t)._id))
}

beforeAll(async () => {
  gw = await startGateway({ port: 0 })
  c = new RawClient(gw.address)
})

afterAll(async () => {
  c.close()
  await gw.close()
})

describe('every RPC answers over a real socket', () => {
  it('Ping answers an empty PingResponse', async () => {
    expect(await c.ping()).toEqual({})
  })

  it('CreateTable, TableExists, DeleteTable', async () => {
    expect(await c.createTable('/rpc/admin')).toBe(E.NO_ERROR)
    expect(await c.tableExists('/rpc/admin')).toBe(E.NO_ERROR)
    expect(await c.deleteTable('/rpc/admin')).toBe(E.NO_ERROR)
    expect(await c.tableExists('/rpc/admin')).toBe(E.TABLE_NOT_FOUND)
  })

  it('InsertOrReplace, FindById, Update, Delete, Find', async () => {
    const t = await table()
    expect(await c.insert(t, '{"_id":"a","n":1}')).toBe(E.NO_ERROR)
    expect(await c.update(t, '{"_id":"a"}', '{"$set":{"m":2}}')).toBe(E.NO_ERROR)
    expect(decodeDocument((await get(t, '"a"')) ?? '')).toEqual({ _id: 'a', n: 1, m: 2 })
    expect(await ids(t, '{}')).toEqual(['a'])
    expect(await c.delete(t, '{"_id":"a"}')).toBe(E.NO_ERROR)
    expect(await get(t, '"a"')).toBeUndefined()
  })

  it('counts every call per RPC in stats()', async () => {
    const before = gw.stats().requests.TableExists
    await c.tableExists('/nope')
    await c.tableExists('/nope')
    expect(gw.stats().requests.TableExists).toBe(before + 2)
  })

  it('re-creating a deleted table starts empty; nested paths need no parent', async () => {
    expect(await c.createTable('/a/b/c/d')).toBe(E.NO_ERROR)
    expect(await c.insert('/a/b/c/d', '{"_id":"x"}')).toBe(E.NO_ERROR)
    expect(await c.deleteTable('/a/b/c/d')).toBe(E.NO_ERROR)
    expect(await c.createTable('/a/b/c/d')).toBe(E.NO_ERROR)
    expect(await ids('/a/b/c/d', '{}')).toEqual([])
    expect(await c.tableExists('/a//b/c/d/')).toBe(E.NO_ERROR)
  })
})

describe('Section 4.2 error paths', () => {
  it('TableExists / CreateTable with a relative path: INVALID_ARGUMENT', async () => {
    expect(await c.tableExists('relative')).toBe(E.INVALID_ARGUMENT)
    expect(await c.createTable('')).toBe(E.INVALID_ARGUMENT)
  })

  it('a condition with INSERT or INSERT_OR_REPLACE: INVALID_ARGUMENT; {} is allowed', async () => {
    const t = await table()
    expect(await c.insert(t, '{"_id":"a"}', 2, { jsonCondition: '{"$exists":"a"}' })).toBe(E.INVALID_ARGUMENT)
    expect(await c.insert(t, '{"_id":"a"}', 1, { jsonCondition: '{"$exists":"a"}' })).toBe(E.INVALID_ARGUMENT)
    expect(await c.insert(t, '{"_id":"a"}', 1, { jsonCondition: '{}' })).toBe(E.NO_ERROR)
  })

  it('UNKNOWN_MODE and an unrecognised mode number: INVALID_ARGUMENT, nothing written', async () => {
    const t = await table()
    expect(await c.insert(t, '{"_id":"a"}', 0)).toBe(E.INVALID_ARGUMENT)
    expect(await c.insert(t, '{"_id":"a"}', 7)).toBe(E.INVALID_ARGUMENT)
    expect(await get(t, '"a"')).toBeUndefined()
  })

  it('payload_encoding other than JSON_ENCODING: UNKNOWN_PAYLOAD_ENCODING on every document RPC', async () => {
    const t = await table()
    expect(await c.insert(t, '{"_id":"a"}', 1, { payloadEncoding: 0 })).toBe(E.UNKNOWN_PAYLOAD_ENCODING)
    expect((await c.findById(t, '{"_id":"a"}', { payloadEncoding: 0 })).error?.errCode).toBe(E.UNKNOWN_PAYLOAD_ENCODING)
    expect(await c.update(t, '{"_id":"a"}', '{"$set":{"a":1}}', { payloadEncoding: 0 })).toBe(E.UNKNOWN_PAYLOAD_ENCODING)
    expect(await c.delete(t, '{"_id":"a"}', { payloadEncoding: 0 })).toBe(E.UNKNOWN_PAYLOAD_ENCODING)
    const find = await c.find({ tablePath: t, payloadEncoding: 0, jsonQuery: '{}' })
    expect(find.messages.map((m) => m.error?.errCode)).toEqual([E.UNKNOWN_PAYLOAD_ENCODING])
  })

  it('a document RPC on a missing table: TABLE_NOT_FOUND', async () => {
    const t = '/missing/table'
    expect(await c.insert(t, '{"_id":"a"}')).toBe(E.TABLE_NOT_FOUND)
    expect((await c.findById(t, '{"_id":"a"}')).error?.errCode).toBe(E.TABLE_NOT_FOUND)
    expect(await c.update(t, '{"_id":"a"}', '{"$set":{"a":1}}')).toBe(E.TABLE_NOT_FOUND)
    expect(await c.delete(t, '{"_id":"a"}')).toBe(E.TABLE_NOT_FOUND)
    const find = await c.query(t, '{}')
    expect(find.status.code).toBe(grpc.status.OK)
    expect(find.messages).toHaveLength(1)
    expect(find.messages[0]).toMatchObject({ type: 0, error: { errCode: E.TABLE_NOT_FOUND } })
    expect(find.messages[0]?.jsonResponse).toBeUndefined()
  })

  it('malformed JSON: DECODING_ERROR; missing or non-string/binary _id: INVALID_ARGUMENT', async () => {
    const t = await table()
    expect(await c.insert(t, '{"_id":"a",')).toBe(E.DECODING_ERROR)
    expect(await c.insert(t, '[1,2]')).toBe(E.DECODING_ERROR)
    expect(await c.insert(t, '{"a":1}')).toBe(E.INVALID_ARGUMENT)
    expect(await c.insert(t, '{"_id":5}')).toBe(E.INVALID_ARGUMENT)
    expect(await c.insert(t, '{"_id":""}')).toBe(E.INVALID_ARGUMENT)
    expect(await c.insert(t, '', 1)).toBe(E.INVALID_ARGUMENT)
    expect((await c.findById(t, 'nope')).error?.errCode).toBe(E.DECODING_ERROR)
    expect((await c.findById(t, '{"_id":{"a":1}}')).error?.errCode).toBe(E.INVALID_ARGUMENT)
    expect(await c.delete(t, '{}')).toBe(E.INVALID_ARGUMENT)
    expect(await c.update(t, '{"_id":true}', '{"$set":{"a":1}}')).toBe(E.INVALID_ARGUMENT)
  })

  it('a malformed condition, mutation or projection: INVALID_ARGUMENT or DECODING_ERROR, never a gRPC error', async () => {
    const t = await table()
    await c.insert(t, '{"_id":"a","n":1}')
    expect((await c.findById(t, '{"_id":"a"}', { jsonCondition: '{"$not":{"a":1}}' })).error?.errCode).toBe(E.INVALID_ARGUMENT)
    expect((await c.findById(t, '{"_id":"a"}', { projections: ['a[x'] })).error?.errCode).toBe(E.INVALID_ARGUMENT)
    expect(await c.update(t, '{"_id":"a"}', '{"$frobnicate":{"n":1}}')).toBe(E.INVALID_ARGUMENT)
    expect(await c.update(t, '{"_id":"a"}', '{"$set":{"_id":"b"}}')).toBe(E.INVALID_ARGUMENT)
    expect(await c.update(t, '{"_id":"a"}', '')).toBe(E.INVALID_ARGUMENT)
    expect([E.DECODING_ERROR, E.INVALID_ARGUMENT]).toContain(await c.update(t, '{"_id":"a"}', '{"$set":'))
  })

  it('a mutation that cannot be applied: ILLEGAL_MUTATION and the document is unchanged', async () => {
    const t = await table()
    await c.insert(t, '{"_id":"a","s":"text","n":1}')
    expect(await c.update(t, '{"_id":"a"}', '{"$increment":{"s":1}}')).toBe(E.ILLEGAL_MUTATION)
    expect(await c.update(t, '{"_id":"a"}', '{"$set":{"n":2},"$increment":{"s":1}}')).toBe(E.ILLEGAL_MUTATION)
    expect(decodeDocument((await get(t, '"a"')) ?? '')).toEqual({ _id: 'a', s: 'text', n: 1 })
  })

  it('Delete with a condition: true deletes; false on an existing document is DOCUMENT_NOT_FOUND and deletes nothing; missing is NO_ERROR', async () => {
    const t = await table()
    await c.insert(t, '{"_id":"a","n":1}')
    await c.insert(t, '{"_id":"b","n":1}')
    expect(await c.delete(t, '{"_id":"a"}', { jsonCondition: '{"$eq":{"n":2}}' })).toBe(E.DOCUMENT_NOT_FOUND)
    expect(await get(t, '"a"')).toBeDefined()
    expect(await c.delete(t, '{"_id":"a"}', { jsonCondition: '{"$eq":{"n":1}}' })).toBe(E.NO_ERROR)
    expect(await get(t, '"a"')).toBeUndefined()
    expect(await c.delete(t, '{"_id":"zz"}', { jsonCondition: '{"$eq":{"n":1}}' })).toBe(E.NO_ERROR)
    expect(await c.delete(t, '{"_id":"b","other":"fields are ignored"}')).toBe(E.NO_ERROR)
    expect(await get(t, '"b"')).toBeUndefined()
  })

  it('Find with a bad query: one in-band error message (UNKNOWN_TYPE, no document) before any result, then status OK', async () => {
    const t = await table()
    await c.insert(t, '{"_id":"a"}')
    for (const q of ['{"$where":', '{"$limit":-1}', '{"$bogus":1}', '{"$orderby":{"a":"sideways"}}', '[]']) {
      const r = await c.query(t, q, true)
      expect(r.status.code).toBe(grpc.status.OK)
      expect(r.messages).toHaveLength(1)
      expect(r.messages[0]?.type).toBe(0)
      expect([E.DECODING_ERROR, E.INVALID_ARGUMENT]).toContain(r.messages[0]?.error?.errCode)
    }
  })
})

describe('Find streaming', () => {
  it('applies filter, then sort, then offset, then limit, then projection', async () => {
    const t = await table()
    for (let i = 0; i < 10; i++) await c.insert(t, `{"_id":"k${i}","n":${i % 5},"x":{"y":${i}}}`)
    const r = await c.query(
      t,
      '{"$where":{"$ge":{"n":2}},"$orderby":[{"n":"desc"},{"_id":"asc"}],"$offset":1,"$limit":3,"$select":["x.y"]}',
    )
    expect(docs(r).map((d) => decodeDocument(d))).toEqual([{ x: { y: 9 } }, { x: { y: 3 } }, { x: { y: 8 } }])
  })

  it('a missing json_query means all documents', async () => {
    const t = await table()
    await c.insert(t, '{"_id":"a"}')
    const r = await c.find({ tablePath: t, payloadEncoding: 1 })
    expect(docs(r)).toEqual(['{"_id":"a"}'])
  })
})

describe('Section 13 checklist', () => {
  it('13.1 the service is com.mapr.data.db.MapRDbServer with exactly nine RPCs; Find alone is server-streaming', async () => {
    const service = MapRDbServer.service
    expect(SERVICE_NAME).toBe('com.mapr.data.db.MapRDbServer')
    expect(Object.keys(service).sort()).toEqual([
      'CreateTable',
      'Delete',
      'DeleteTable',
      'Find',
      'FindById',
      'InsertOrReplace',
      'Ping',
      'TableExists',
      'Update',
    ])
    for (const [name, def] of Object.entries(service)) {
      expect(def.path).toBe(`/com.mapr.data.db.MapRDbServer/${name}`)
      expect(def.requestStream).toBe(false)
      expect(def.responseStream).toBe(name === 'Find')
    }
    // The path on the wire reaches the gateway with a hand-made request.
    const pong = await new Promise<unknown>((resolve, reject) =>
      c.client.makeUnaryRequest(
        '/com.mapr.data.db.MapRDbServer/Ping',
        () => Buffer.alloc(0),
        (b: Buffer) => b.length,
        {},
        (err, v) => (err ? reject(err) : resolve(v)),
      ),
    )
    expect(pong).toBe(0)
  })

  it('13.2 field numbers match Section 2 on the wire', () => {
    /** Field number -> value of every length-delimited or varint field in a serialised message. */
    const fields = (bytes: Buffer) => {
      const out: Record<number, string | number> = {}
      let i = 0
      const varint = () => {
        let v = 0
        let shift = 0
        for (;;) {
          const b = bytes[i++] as number
          v += (b & 0x7f) * 2 ** shift
          if (b < 0x80) return v
          shift += 7
        }
      }
      while (i < bytes.length) {
        const tag = varint()
        if ((tag & 7) === 2) {
          const len = varint()
          out[Math.floor(tag / 8)] = bytes.toString('latin1', i, i + len)
          i += len
        } else out[Math.floor(tag / 8)] = varint()
      }
      return out
    }
    const s = MapRDbServer.service
    expect(fields(s.Delete.requestSerialize({ tablePath: 't', payloadEncoding: 1, jsonCondition: 'c', jsonDocument: 'd' }))).toEqual({
      1: 't',
      2: 1,
      3: 'c',
      4: 'd',
    })
    expect(
      fields(
        s.FindById.requestSerialize({ tablePath: 't', payloadEncoding: 1, projections: ['p'], jsonCondition: 'c', jsonDocument: 'd' }),
      ),
    ).toEqual({ 1: 't', 2: 1, 3: 'p', 4: 'c', 5: 'd' })
    expect(
      fields(s.Update.requestSerialize({ tablePath: 't', payloadEncoding: 1, jsonDocument: 'd', jsonCondition: 'c', jsonMutation: 'm' })),
    ).toEqual({ 1: 't', 2: 1, 3: 'd', 4: 'c', 30: 'm' })
    expect(
      fields(
        s.InsertOrReplace.requestSerialize({ tablePath: 't', insertMode: 2, payloadEncoding: 1, jsonCondition: 'c', jsonDocument: 'd' }),
      ),
    ).toEqual({ 1: 't', 2: 2, 3: 1, 4: 'c', 30: 'd' })
    expect(fields(s.Find.requestSerialize({ tablePath: 't', payloadEncoding: 1, includeQueryPlan: true, jsonQuery: 'q' }))).toEqual({
      1: 't',
      2: 1,
      3: 1,
      4: 'q',
    })
    expect(fields(s.FindById.responseSerialize({ payloadEncoding: 1, jsonDocument: 'd' }))).toEqual({ 2: 1, 30: 'd' })
    expect(fields(s.Find.responseSerialize({ payloadEncoding: 1, type: 2, jsonResponse: 'r' }))).toEqual({ 2: 1, 3: 2, 30: 'r' })
    const error = s.Delete.responseSerialize({ error: { errCode: 281, errorMessage: 'm', javaStackTrace: 'j' } })
    expect(fields(Buffer.from(String(fields(error)[1]), 'latin1'))).toEqual({ 1: 281, 2: 'm', 3: 'j' })
    expect(fields(s.CreateTable.requestSerialize({ tablePath: 't' }))).toEqual({ 1: 't' })
  })

  it('13.3 every non-Ping response carries an error sub-message, also on success', async () => {
    const t = '/checklist/3'
    const responses: { error: unknown }[] = []
    const record = async (name: string, request: object) => responses.push((await c.call<{ error: unknown }>(name, request)).response)
    await record('CreateTable', { tablePath: t })
    await record('TableExists', { tablePath: t })
    await record('InsertOrReplace', { tablePath: t, insertMode: 1, payloadEncoding: 1, jsonDocument: '{"_id":"a"}' })
    await record('FindById', { tablePath: t, payloadEncoding: 1, jsonDocument: '{"_id":"a"}' })
    await record('Update', { tablePath: t, payloadEncoding: 1, jsonDocument: '{"_id":"a"}', jsonMutation: '{"$set":{"b":1}}' })
    await record('Delete', { tablePath: t, payloadEncoding: 1, jsonDocument: '{"_id":"a"}' })
    await c.insert(t, '{"_id":"b"}')
    responses.push(...(await c.query(t, '{}', true)).messages)
    await record('DeleteTable', { tablePath: t })
    expect(responses).toHaveLength(9)
    for (const r of responses) expect(r.error).toEqual({ errCode: 0, errorMessage: '', javaStackTrace: '' })
  })

  it('13.4 business errors come with status OK; an all-default InsertOrReplace gets OK and an error code', async () => {
    const { response } = await c.call<{ error: { errCode: number } }>('InsertOrReplace', {})
    expect(response.error.errCode).not.toBe(0)
    const t = await table()
    await c.insert(t, '{"_id":"a"}')
    // resolves (status OK) with a non-zero code; a gRPC error would reject
    expect(await c.insert(t, '{"_id":"a"}', 2)).toBe(E.DOCUMENT_ALREADY_EXISTS)
  })

  it('13.5 TableExists: NO_ERROR for an existing table, TABLE_NOT_FOUND otherwise', async () => {
    const t = await table()
    expect(await c.tableExists(t)).toBe(E.NO_ERROR)
    expect(await c.tableExists(`${t}-not`)).toBe(E.TABLE_NOT_FOUND)
  })

  it('13.6 CreateTable on an existing path: TABLE_ALREADY_EXISTS; DeleteTable on a missing path: TABLE_NOT_FOUND', async () => {
    const t = await table()
    expect(await c.createTable(t)).toBe(E.TABLE_ALREADY_EXISTS)
    expect(await c.deleteTable(`${t}-not`)).toBe(E.TABLE_NOT_FOUND)
  })

  it('13.7 INSERT on an existing _id: DOCUMENT_ALREADY_EXISTS and the stored document is unchanged', async () => {
    const t = await table()
    expect(await c.insert(t, '{"_id":"a","v":1}', 2)).toBe(E.NO_ERROR)
    expect(await c.insert(t, '{"_id":"a","v":2}', 2)).toBe(E.DOCUMENT_ALREADY_EXISTS)
    expect(await get(t, '"a"')).toBe('{"_id":"a","v":1}')
  })

  it('13.8 REPLACE on a missing _id or with a false condition: DOCUMENT_NOT_FOUND, nothing written; INSERT_OR_REPLACE always succeeds', async () => {
    const t = await table()
    expect(await c.insert(t, '{"_id":"a","v":1}', 3)).toBe(E.DOCUMENT_NOT_FOUND)
    expect(await get(t, '"a"')).toBeUndefined()
    expect(await c.insert(t, '{"_id":"a","v":1}', 1)).toBe(E.NO_ERROR)
    expect(await c.insert(t, '{"_id":"a","v":2}', 3, { jsonCondition: '{"$eq":{"v":5}}' })).toBe(E.DOCUMENT_NOT_FOUND)
    expect(await get(t, '"a"')).toBe('{"_id":"a","v":1}')
    expect(await c.insert(t, '{"_id":"a","v":3}', 3, { jsonCondition: '{"$eq":{"v":1}}' })).toBe(E.NO_ERROR)
    expect(await get(t, '"a"')).toBe('{"_id":"a","v":3}')
    expect(await c.insert(t, '{"_id":"a","v":4}', 1)).toBe(E.NO_ERROR)
    expect(await get(t, '"a"')).toBe('{"_id":"a","v":4}')
  })

  it('13.9 FindById: a miss or a false condition is DOCUMENT_NOT_FOUND without a document; a hit is NO_ERROR, payload_encoding 1 and the document', async () => {
    const t = await table()
    await c.insert(t, '{"_id":"a","v":1}')
    const miss = await c.findById(t, '{"_id":"b"}')
    expect(miss.error?.errCode).toBe(E.DOCUMENT_NOT_FOUND)
    expect(miss.jsonDocument).toBeUndefined()
    expect(miss.data).toBeUndefined()
    const falseCond = await c.findById(t, '{"_id":"a"}', { jsonCondition: '{"$eq":{"v":2}}' })
    expect(falseCond.error?.errCode).toBe(E.DOCUMENT_NOT_FOUND)
    expect(falseCond.jsonDocument).toBeUndefined()
    const hit = await c.findById(t, '{"_id":"a"}')
    expect(hit).toMatchObject({ error: { errCode: 0 }, payloadEncoding: 1, jsonDocument: '{"_id":"a","v":1}' })
  })

  it('13.10 Update with a false condition or on a missing _id: DOCUMENT_NOT_FOUND, no change; a true condition applies the mutation', async () => {
    const t = await table()
    await c.insert(t, '{"_id":"a","v":1}')
    expect(await c.update(t, '{"_id":"b"}', '{"$set":{"v":9}}')).toBe(E.DOCUMENT_NOT_FOUND)
    expect(await get(t, '"b"')).toBeUndefined()
    expect(await c.update(t, '{"_id":"a"}', '{"$set":{"v":9}}', { jsonCondition: '{"$eq":{"v":2}}' })).toBe(E.DOCUMENT_NOT_FOUND)
    expect(await get(t, '"a"')).toBe('{"_id":"a","v":1}')
    expect(await c.update(t, '{"_id":"a"}', '{"$set":{"v":9}}', { jsonCondition: '{"$eq":{"v":1}}' })).toBe(E.NO_ERROR)
    expect(await get(t, '"a"')).toBe('{"_id":"a","v":9}')
  })

  it('13.11 Delete of an existing _id removes it (NO_ERROR); of a missing _id also NO_ERROR', async () => {
    const t = await table()
    await c.insert(t, '{"_id":"a"}')
    expect(await c.delete(t, '{"_id":"a"}')).toBe(E.NO_ERROR)
    expect(await get(t, '"a"')).toBeUndefined()
    expect(await c.delete(t, '{"_id":"a"}')).toBe(E.NO_ERROR)
  })

  it('13.12 json_condition bare, in $condition, in $where and {} give identical results on every RPC', async () => {
    const t = await table()
    const shapes = (bare: string) => [bare, `{"$condition":${bare}}`, `{"$where":${bare}}`]
    const truthy = '{"$eq":{"v":1}}'
    const falsy = '{"$eq":{"v":2}}'
    for (const cond of [...shapes(truthy), '{}']) {
      await c.insert(t, '{"_id":"a","v":1}')
      expect((await c.findById(t, '{"_id":"a"}', { jsonCondition: cond })).error?.errCode).toBe(E.NO_ERROR)
      expect(await c.insert(t, '{"_id":"a","v":1}', 3, { jsonCondition: cond })).toBe(E.NO_ERROR)
      expect(await c.update(t, '{"_id":"a"}', '{"$set":{"w":1}}', { jsonCondition: cond })).toBe(E.NO_ERROR)
      expect(await c.delete(t, '{"_id":"a"}', { jsonCondition: cond })).toBe(E.NO_ERROR)
      expect(await get(t, '"a"')).toBeUndefined()
    }
    for (const cond of shapes(falsy)) {
      await c.insert(t, '{"_id":"a","v":1}')
      expect((await c.findById(t, '{"_id":"a"}', { jsonCondition: cond })).error?.errCode).toBe(E.DOCUMENT_NOT_FOUND)
      expect(await c.insert(t, '{"_id":"a","v":1}', 3, { jsonCondition: cond })).toBe(E.DOCUMENT_NOT_FOUND)
      expect(await c.update(t, '{"_id":"a"}', '{"$set":{"w":1}}', { jsonCondition: cond })).toBe(E.DOCUMENT_NOT_FOUND)
      expect(await c.delete(t, '{"_id":"a"}', { jsonCondition: cond })).toBe(E.DOCUMENT_NOT_FOUND)
      expect(await get(t, '"a"')).toBe('{"_id":"a","v":1}')
    }
  })

  it('13.13 projections keep nesting, return only the listed paths, and include _id only when listed', async () => {
    const t = await table()
    await c.insert(t, '{"_id":"a","a":{"b":1,"c":2},"d":3,"testField":{"$dateDay":"2012-10-20"}}')
    expect((await c.findById(t, '{"_id":"a"}', { projections: ['a.b'] })).jsonDocument).toBe('{"a":{"b":1}}')
    expect((await c.findById(t, '{"_id":"a"}', { jsonCondition: '{}', projections: ['testField'] })).jsonDocument).toBe(
      '{"testField":{"$dateDay":"2012-10-20"}}',
    )
    expect(decodeDocument((await c.findById(t, '{"_id":"a"}', { projections: ['_id', 'd', 'missing'] })).jsonDocument ?? '')).toEqual({
      _id: 'a',
      d: 3,
    })
    expect(docs(await c.query(t, '{"$select":["a.c","d"]}'))).toEqual(['{"a":{"c":2},"d":3}'])
    expect(docs(await c.query(t, '{"$select":"d"}'))).toEqual(['{"d":3}'])
  })

  it('13.14 Find streams one document per message (RESULT_DOCUMENT, JSON_ENCODING) and ends OK; an empty result has zero messages', async () => {
    const t = await table()
    expect(await c.query(t, '{}')).toEqual({ messages: [], status: expect.objectContaining({ code: grpc.status.OK }) })
    await c.insert(t, '{"_id":"a"}')
    await c.insert(t, '{"_id":"b"}')
    const r = await c.query(t, '{}')
    expect(r.status.code).toBe(grpc.status.OK)
    expect(r.messages).toHaveLength(2)
    for (const m of r.messages) expect(m).toMatchObject({ type: 1, payloadEncoding: 1, error: { errCode: 0 } })
    expect(r.messages.map((m) => m.jsonResponse)).toEqual(['{"_id":"a"}', '{"_id":"b"}'])
  })

  it('13.15 include_query_plan: first message is QUERY_PLAN with a non-empty JSON object; without it no plan message', async () => {
    const t = await table()
    await c.insert(t, '{"_id":"a"}')
    const withPlan = await c.query(t, '{"$where":{"$exists":"_id"}}', true)
    expect(withPlan.messages.map((m) => m.type)).toEqual([2, 1])
    const plan = JSON.parse(withPlan.messages[0]?.jsonResponse ?? '') as object
    expect(typeof plan).toBe('object')
    expect(Object.keys(plan).length).toBeGreaterThan(0)
    expect((await c.query(t, '{}', false)).messages.map((m) => m.type)).toEqual([1])
    expect((await c.query(t, '{"$limit":0}', true)).messages.map((m) => m.type)).toEqual([2])
  })

  it('13.16 default order is ascending _id; $orderby accepts all four forms and asc/desc; $offset before $limit', async () => {
    const t = await table()
    for (const id of ['d', 'b', 'e', 'a', 'c']) await c.insert(t, `{"_id":"${id}","n":${'edcba'.indexOf(id)}}`)
    expect(await ids(t, '{}')).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(await ids(t, '{"$orderby":"n"}')).toEqual(['e', 'd', 'c', 'b', 'a'])
    expect(await ids(t, '{"$orderby":{"n":"desc"}}')).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(await ids(t, '{"$orderby":["n"]}')).toEqual(['e', 'd', 'c', 'b', 'a'])
    expect(await ids(t, '{"$orderby":[{"_id":"desc"}]}')).toEqual(['e', 'd', 'c', 'b', 'a'])
    expect(await ids(t, '{"$orderby":{"_id":"ASC"}}')).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(await ids(t, '{"$offset":2,"$limit":1,"$orderby":{"_id":"asc"}}')).toEqual(['c'])
    expect(await ids(t, '{"$limit":2,"$offset":1}')).toEqual(['b', 'c'])
    expect(await ids(t, '{"$limit":2,"$offset":1,"$orderby":{"n":"asc"}}')).toEqual(['d', 'c'])
  })

  it('13.17 basic auth answers a bearer-token header; bearer is accepted later; basic stays accepted', async () => {
    const secured = await startGateway({ port: 0, auth: { user: 'u', password: 'p' } })
    const raw = new RawClient(secured.address)
    try {
      const basic = new grpc.Metadata()
      basic.set('authorization', `basic ${Buffer.from('u:p').toString('base64')}`)
      const first = await raw.call('Ping', {}, basic)
      const token = first.headers.get('bearer-token')[0]
      expect(typeof token).toBe('string')
      expect(String(token).length).toBeGreaterThan(10)
      const bearer = new grpc.Metadata()
      bearer.set('authorization', `bearer ${String(token)}`)
      await expect(raw.call('TableExists', { tablePath: '/x' }, bearer)).resolves.toBeDefined()
      const again = await raw.call('Ping', {}, basic)
      expect(again.headers.get('bearer-token')).toHaveLength(1)
    } finally {
      raw.close()
      await secured.close()
    }
  })

  it('13.18 an expired bearer token: UNAUTHENTICATED with details exactly STATUS_TOKEN_EXPIRED; bad credentials: UNAUTHENTICATED', async () => {
    let now = 1_000_000
    const secured = await startGateway({ port: 0, auth: { user: 'u', password: 'p', tokenTtlMs: 1000 }, clock: () => now })
    const raw = new RawClient(secured.address)
    try {
      const basic = new grpc.Metadata()
      basic.set('authorization', `basic ${Buffer.from('u:p').toString('base64')}`)
      const token = String((await raw.call('Ping', {}, basic)).headers.get('bearer-token')[0])
      const bearer = new grpc.Metadata()
      bearer.set('authorization', `bearer ${token}`)
      now += 1001
      await expect(raw.call('Ping', {}, bearer)).rejects.toMatchObject({
        code: grpc.status.UNAUTHENTICATED,
        details: 'STATUS_TOKEN_EXPIRED',
      })
      const wrong = new grpc.Metadata()
      wrong.set('authorization', `basic ${Buffer.from('u:wrong').toString('base64')}`)
      await expect(raw.call('Ping', {}, wrong)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED })
      await expect(raw.call('Ping', {}, new grpc.Metadata())).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED })
    } finally {
      raw.close()
      await secured.close()
    }
  })

  it('13.19 listens on 127.0.0.1:5678 by default (it must fail to bind when 5678 is taken) and serves TLS or plaintext', async () => {
    expect(DEFAULT_PORT).toBe(5678)
    // Proved without needing 5678 free on a shared machine: 5678 is made certainly taken (by this
    // test's own listener, or already by someone else), so a gateway started without a port must
    // fail to bind 127.0.0.1:5678. With any other default (or 0) it would start, or name another port.
    const blocker = await occupy(DEFAULT_PORT)
    try {
      await expect(startGateway()).rejects.toThrow(/EADDRINUSE: address already in use 127\.0\.0\.1:5678\b/)
    } finally {
      await blocker?.close()
    }
    const { generate } = await import('selfsigned')
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], { days: 1 } as never)
    const tls = await startGateway({ port: 0, tls: { cert: pems.cert, key: pems.private } })
    const secure = new RawClient(tls.address, grpc.credentials.createSsl(Buffer.from(pems.cert)), {
      'grpc.ssl_target_name_override': 'localhost',
    })
    const plain = new RawClient(tls.address)
    try {
      expect(await secure.ping()).toEqual({})
      await expect(plain.call('Ping', {}, new grpc.Metadata(), 3000)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE })
    } finally {
      secure.close()
      plain.close()
      await tls.close()
    }
  })

  it('13.20 all eleven tags are accepted (numeric ones as number or string) and the stored type is preserved', async () => {
    const t = await table()
    const input =
      '{"_id":"x","b":{"$numberByte":"1"},"s":{"$numberShort":2},"i":{"$numberInt":"3"},"l":{"$numberLong":"9223372036854775807"},"f":{"$numberFloat":"1.5"},' +
      '"d":{"$decimal":"123.456"},"dd":{"$dateDay":"2012-10-20"},"t":{"$time":"10:11:12"},"ts":{"$date":"2016-02-22T10:26:12.487Z"},"iv":{"$interval":"86400000"},"bin":{"$binary":"MTIzNA=="}}'
    expect(await c.insert(t, input)).toBe(E.NO_ERROR)
    const text = (await get(t, '"x"')) ?? ''
    const doc = decodeDocument(text)
    const types = Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, v === undefined ? 'undefined' : typeOf(v)]))
    expect(types).toEqual({
      _id: 'string',
      b: 'byte',
      s: 'short',
      i: 'int',
      l: 'long',
      f: 'float',
      d: 'decimal',
      dd: 'date',
      t: 'time',
      ts: 'timestamp',
      iv: 'interval',
      bin: 'binary',
    })
    expect(doc.l).toBe(9223372036854775807n)
    for (const tag of [
      '$numberByte',
      '$numberShort',
      '$numberInt',
      '$numberLong',
      '$numberFloat',
      '$decimal',
      '$dateDay',
      '$time',
      '$date',
      '$interval',
      '$binary',
    ])
      expect(text).toContain(`"${tag}"`)
    expect(text).toContain('"$numberLong":9223372036854775807')
  })

  it('13.21 plain JSON numbers are stored as DOUBLE and returned as plain numbers', async () => {
    const t = await table()
    await c.insert(t, '{"_id":"x","n":35,"f":35.25,"e":3.5e2}')
    expect(await get(t, '"x"')).toBe('{"_id":"x","n":35,"f":35.25,"e":350}')
    expect((await c.findById(t, '{"_id":"x"}', { jsonCondition: '{"$typeof":{"n":"double"}}' })).error?.errCode).toBe(E.NO_ERROR)
  })

  it('13.22 a binary _id works for insert, FindById, Update and Delete, comes back as $binary, and never collides with the same string', async () => {
    const t = await table()
    const bin = '{"$binary":"MTIzNA=="}' // bytes "1234"
    expect(await c.insert(t, `{"_id":${bin},"v":"binary"}`)).toBe(E.NO_ERROR)
    expect(await c.insert(t, '{"_id":"1234","v":"string"}')).toBe(E.NO_ERROR)
    expect(await get(t, bin)).toBe(`{"_id":${bin},"v":"binary"}`)
    expect(await get(t, '"1234"')).toBe('{"_id":"1234","v":"string"}')
    expect(await c.update(t, `{"_id":${bin}}`, '{"$set":{"w":1}}')).toBe(E.NO_ERROR)
    expect(await get(t, bin)).toBe(`{"_id":${bin},"v":"binary","w":1}`)
    expect(docs(await c.query(t, '{"$select":"_id"}'))).toEqual([`{"_id":${bin}}`, '{"_id":"1234"}'])
    expect(await c.delete(t, `{"_id":${bin}}`)).toBe(E.NO_ERROR)
    expect(await get(t, bin)).toBeUndefined()
    expect(await get(t, '"1234"')).toBeDefined()
  })

  it('13.23 field paths: dots, [n], [] containers, quoting and escapes; tags.t does not traverse arrays', async () => {
    const t = await table()
    await c.insert(t, '{"_id":"a","x":{"y":[{"z":1},{"z":2}]},"a.b":{"c":3},"work phone":{"cell phone":"555"},"tags":[{"t":"ipod"}]}')
    await c.insert(t, '{"_id":"b","x":{"y":[{"z":5}]},"tags":{"t":"ipod"}}')
    expect(await ids(t, '{"$where":{"$eq":{"x.y[1].z":2}}}')).toEqual(['a'])
    expect(await ids(t, '{"$where":{"$eq":{"x.y[].z":5}}}')).toEqual(['b'])
    expect(await ids(t, '{"$where":{"$eq":{"`a.b`.c":3}}}')).toEqual(['a'])
    expect(await ids(t, '{"$where":{"$eq":{"\\"a.b\\".c":3}}}')).toEqual(['a'])
    expect(await ids(t, '{"$where":{"$eq":{"a\\\\.b.c":3}}}')).toEqual(['a'])
    expect(await ids(t, '{"$where":{"$eq":{"work phone.cell phone":"555"}}}')).toEqual(['a'])
    expect(await ids(t, '{"$where":{"$eq":{"tags.t":"ipod"}}}')).toEqual(['b'])
    expect((await c.findById(t, '{"_id":"a"}', { projections: ['x.y[0].z'] })).jsonDocument).toBe('{"x":{"y":[{"z":1}]}}')
  })

  it('13.24 the Section 10.2 example set yields the documented match sets; numbers compare across types; string never equals number', async () => {
    const t = await table()
    for (const doc of EXAMPLE_DOCUMENTS) await c.insert(t, encodeDocument(doc))
    for (const [condition, expected] of EXAMPLE_CONDITIONS)
      expect({ condition, ids: await ids(t, `{"$where":${condition}}`) }).toEqual({ condition, ids: expected })
    const n = await table()
    await c.insert(n, '{"_id":"long","v":{"$numberLong":10}}')
    await c.insert(n, '{"_id":"int","v":{"$numberInt":20}}')
    await c.insert(n, '{"_id":"float","v":{"$numberFloat":30.5}}')
    await c.insert(n, '{"_id":"double","v":40}')
    await c.insert(n, '{"_id":"string","v":"10"}')
    expect(await ids(n, '{"$where":{"$eq":{"v":10}},"$orderby":"_id"}')).toEqual(['long'])
    expect(await ids(n, '{"$where":{"$ge":{"v":{"$numberInt":20}}},"$orderby":"v"}')).toEqual(['int', 'float', 'double'])
    expect(await ids(n, '{"$where":{"$lt":{"v":{"$numberLong":31}}},"$orderby":"v"}')).toEqual(['long', 'int', 'float'])
    expect(await ids(n, '{"$where":{"$eq":{"v":"40"}}}')).toEqual([])
  })

  it('13.25 mutations: $set/$put create maps, $set clashes while $put overwrites, $increment keeps type, $append, $merge, $delete, atomic', async () => {
    const t = await table()
    await c.insert(t, '{"_id":"m","s":"Hello","n":{"$numberInt":60},"arr":[5,6],"map":{"test_int":5},"str":"x"}')
    const doc = async () => (await get(t, '"m"')) ?? ''
    expect(await c.update(t, '{"_id":"m"}', '{"$set":{"a.b.c":50}}')).toBe(E.NO_ERROR)
    expect(decodeDocument(await doc()).a).toEqual({ b: { c: 50 } })
    expect(await c.update(t, '{"_id":"m"}', '{"$put":{"p.x":1}}')).toBe(E.NO_ERROR)
    expect(decodeDocument(await doc()).p).toEqual({ x: 1 })
    expect(await c.update(t, '{"_id":"m"}', '{"$set":{"str":1}}')).toBe(E.ILLEGAL_MUTATION)
    expect(await c.update(t, '{"_id":"m"}', '{"$put":{"str":1}}')).toBe(E.NO_ERROR)
    expect(decodeDocument(await doc()).str).toBe(1)
    expect(await c.update(t, '{"_id":"m"}', '{"$increment":{"n":5.675}}')).toBe(E.NO_ERROR)
    expect(await doc()).toContain('"n":{"$numberInt":65}')
    expect(await c.update(t, '{"_id":"m"}', '{"$increment":{"fresh":{"$numberLong":3}}}')).toBe(E.NO_ERROR)
    expect(await doc()).toContain('"fresh":{"$numberLong":3}')
    expect(await c.update(t, '{"_id":"m"}', '{"$append":{"arr":[{"name":"Jo"},7,8],"s":" MapR"}}')).toBe(E.NO_ERROR)
    expect(decodeDocument(await doc())).toMatchObject({ arr: [5, 6, { name: 'Jo' }, 7, 8], s: 'Hello MapR' })
    expect(await c.update(t, '{"_id":"m"}', '{"$merge":{"map":{"d":55,"g":"text"}}}')).toBe(E.NO_ERROR)
    expect(decodeDocument(await doc()).map).toEqual({ test_int: 5, d: 55, g: 'text' })
    expect(await c.update(t, '{"_id":"m"}', '{"$delete":["nothing.here","map.g"]}')).toBe(E.NO_ERROR)
    expect(decodeDocument(await doc()).map).toEqual({ test_int: 5, d: 55 })
    const before = await doc()
    expect(await c.update(t, '{"_id":"m"}', '{"$set":{"ok":1},"$increment":{"s":1}}')).toBe(E.ILLEGAL_MUTATION)
    expect(await doc()).toBe(before)
    expect(await c.update(t, '{"_id":"m"}', '{"$set":{"ok":1},"$decrement":{"fresh":1}}')).toBe(E.NO_ERROR)
    expect(decodeDocument(await doc())).toMatchObject({ ok: 1, fresh: 2n })
  })
})
