/**
 * Thousands of random and malformed requests: every one gets an answer (an in-band error code or
 * a gRPC status), and the gateway keeps serving correctly afterwards.
 */
import * as grpc from '@grpc/grpc-js'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../lib/gateway/index.js'
import type { OjaiGateway } from '../../lib/gateway/index.js'
import { MapRDbServer } from '../../lib/proto/index.js'
import { RawClient } from './raw-client.js'

let gw: OjaiGateway
let c: RawClient
let crashed = false

beforeAll(async () => {
  gw = await startGateway({ port: 0 })
  void gw.crashed.then(() => (crashed = true))
  c = new RawClient(gw.address)
  await c.createTable('/fuzz')
  for (let i = 0; i < 20; i++) await c.insert('/fuzz', `{"_id":"k${i}","n":${i},"s":"v${i}","a":[1,{"b":${i}}],"m":{"x":${i}}}`)
})

afterAll(async () => {
  c.close()
  await gw.close()
})

const OPS = ['$eq', '$ne', '$lt', '$le', '$gt', '$ge', '$between', '$in', '$notin', '$exists', '$notexists', '$like', '$notlike', '$matches', '$notmatches', '$typeof', '$nottypeof', '$sizeof', '$and', '$or', '$elementAnd']
const BAD_OPS = ['$not', '$bogus', '$condition', '$where']
const MUTS = ['$set', '$put', '$increment', '$decrement', '$append', '$merge', '$delete', '$frob']
const TAGS = ['$numberByte', '$numberShort', '$numberInt', '$numberLong', '$numberFloat', '$decimal', '$dateDay', '$time', '$date', '$interval', '$binary', '$oid']

const path = fc.oneof({ arbitrary: fc.constantFrom('n', 's', 'a', 'a[1].b', 'a[]', 'm.x', 'm', '_id', 'missing', '`q.x`'), weight: 8 }, { arbitrary: fc.constantFrom('a[', 'x\\', '"'), weight: 1 }, { arbitrary: fc.string({ maxLength: 8 }), weight: 1 })
const tagged: fc.Arbitrary<string> = fc.tuple(fc.constantFrom(...TAGS), fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.string())).map(([t, v]) => `{"${t}":${JSON.stringify(v) ?? 'null'}}`)
const value: fc.Arbitrary<string> = fc.oneof({ arbitrary: fc.oneof(fc.integer({ min: -5, max: 25 }), fc.constantFrom('"v1"', '"x"', 'true', 'null')).map(String), weight: 6 }, { arbitrary: fc.json({ maxDepth: 2 }), weight: 2 }, { arbitrary: tagged, weight: 2 })
const condition: fc.Arbitrary<string> = fc.letrec<{ c: string }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small' },
    fc.tuple(fc.oneof({ arbitrary: fc.constantFrom(...OPS), weight: 9 }, { arbitrary: fc.constantFrom(...BAD_OPS), weight: 1 }), path, value).map(([op, p, v]) => `{"${op}":{${JSON.stringify(p)}:${v}}}`),
    fc.tuple(fc.constantFrom('$exists', '$notexists', ...BAD_OPS), path).map(([op, p]) => `{"${op}":${JSON.stringify(p)}}`),
    fc.tuple(fc.constantFrom('$and', '$or'), fc.array(tie('c'), { maxLength: 3 })).map(([op, cs]) => `{"${op}":[${cs.join(',')}]}`),
    fc.constant('{}'),
  ),
})).c
const mutation = fc.array(fc.tuple(fc.constantFrom(...MUTS), path, value), { minLength: 1, maxLength: 3 }).map((ops) => `{${ops.map(([op, p, v]) => `"${op}":${op === '$delete' ? JSON.stringify(p) : `{${JSON.stringify(p)}:${v}}`}`).join(',')}}`)
const query = fc.record({ $select: fc.option(fc.oneof(path, fc.array(path))), $where: fc.option(condition), $orderby: fc.option(fc.oneof(path, fc.dictionary(path, fc.constantFrom('asc', 'desc', 'up')))), $limit: fc.option(fc.integer({ min: -3, max: 30 })), $offset: fc.option(fc.integer({ min: -3, max: 30 })) }, { requiredKeys: [] }).map((q) => {
  const parts = Object.entries(q).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `"${k}":${k === '$where' ? String(v) : JSON.stringify(v)}`)
  return `{${parts.join(',')}}`
})
const key = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 25 }).map((i) => `{"_id":"k${i}"}`), weight: 8 }, fc.constant('{"_id":{"$binary":"AAE="}}'), fc.json({ maxDepth: 2 }), fc.string())
const document = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 25 }), fc.dictionary(fc.string({ maxLength: 5 }), value, { maxKeys: 4 })).map(([i, fields]) => `{"_id":"k${i}"${Object.entries(fields).map(([k, v]) => `,${JSON.stringify(k)}:${v}`).join('')}}`),
  fc.json({ maxDepth: 3 }),
  fc.string(),
  fc.constantFrom('{"_id":"deep","x":' + '['.repeat(50_000) + ']'.repeat(50_000) + '}', '{"_id":"huge","x":"' + 'y'.repeat(3_000_000) + '"}', '{"_id":"k1"', '\u0000', ''),
)
const table = fc.oneof({ arbitrary: fc.constant('/fuzz'), weight: 8 }, { arbitrary: fc.constant('/fuzz-missing'), weight: 1 }, { arbitrary: fc.string({ maxLength: 10 }), weight: 1 })
// Admin RPCs never touch /fuzz, so document RPCs keep finding their table.
const adminTable = fc.oneof(fc.constant('/fuzz-admin'), fc.string({ maxLength: 10 }).filter((t) => t.replace(/\/+/g, '/').replace(/\/$/, '') !== '/fuzz'))
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 })
const mode = fc.oneof({ arbitrary: fc.constantFrom(1, 2, 3), weight: 8 }, { arbitrary: fc.integer({ min: -2, max: 100 }), weight: 2 })
const encoding = fc.oneof({ arbitrary: fc.constant(1), weight: 9 }, { arbitrary: fc.integer({ min: -1, max: 5 }), weight: 1 })

type Req = { rpc: string; request: Record<string, unknown> }
const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

const requestArb: fc.Arbitrary<Req> = fc.oneof(
  fc.tuple(fc.constantFrom('CreateTable', 'TableExists', 'DeleteTable', 'Ping'), adminTable).map(([rpc, tablePath]) => ({ rpc, request: { tablePath } })),
  fc.record({ tablePath: table, insertMode: mode, payloadEncoding: encoding, jsonDocument: maybe(document), jsonCondition: maybe(condition) }).map((r) => ({ rpc: 'InsertOrReplace', request: clean(r) })),
  fc.record({ tablePath: table, payloadEncoding: encoding, jsonDocument: maybe(key), jsonCondition: maybe(condition), projections: fc.array(path, { maxLength: 3 }) }).map((r) => ({ rpc: 'FindById', request: clean(r) })),
  fc.record({ tablePath: table, payloadEncoding: encoding, jsonDocument: maybe(key), jsonCondition: maybe(condition), jsonMutation: maybe(fc.oneof(mutation, fc.string())) }).map((r) => ({ rpc: 'Update', request: clean(r) })),
  fc.record({ tablePath: table, payloadEncoding: encoding, jsonDocument: maybe(key), jsonCondition: maybe(condition) }).map((r) => ({ rpc: 'Delete', request: clean(r) })),
  fc.record({ tablePath: table, payloadEncoding: encoding, includeQueryPlan: fc.boolean(), jsonQuery: maybe(fc.oneof(query, fc.string(), fc.json({ maxDepth: 2 }))) }).map((r) => ({ rpc: 'Find', request: clean(r) })),
)

/** One answer per call: a response object (with an error field except for Ping), a Find result, or a gRPC status. */
async function send(req: Req): Promise<void> {
  if (req.rpc === 'Find') {
    const r = await c.find(req.request)
    expect(typeof r.status.code).toBe('number')
    if (r.status.code === grpc.status.OK) for (const m of r.messages) expect(m.error).not.toBeNull()
    return
  }
  try {
    const { response } = await c.call<{ error?: { errCode: number } | null }>(req.rpc, req.request)
    if (req.rpc === 'Ping') return
    expect(response.error).toBeTruthy()
    expect(typeof response.error?.errCode).toBe('number')
  } catch (error) {
    expect(typeof (error as grpc.ServiceError).code).toBe('number')
  }
}

describe('fuzz', () => {
  it('answers thousands of random and malformed requests and keeps serving', async () => {
    let sent = 0
    await fc.assert(
      fc.asyncProperty(fc.array(requestArb, { minLength: 10, maxLength: 10 }), async (batch) => {
        await Promise.all(batch.map(send))
        sent += batch.length
      }),
      { numRuns: 300 },
    )
    expect(sent).toBeGreaterThanOrEqual(3000)
    expect(crashed).toBe(false)
    expect(gw.stats().totalRequests).toBeGreaterThanOrEqual(3000)
    // Still healthy and still correct.
    expect(await c.ping()).toEqual({})
    expect(await c.createTable('/after-fuzz')).toBe(0)
    expect(await c.insert('/after-fuzz', '{"_id":"a","ok":true}')).toBe(0)
    expect((await c.findById('/after-fuzz', '{"_id":"a"}')).jsonDocument).toBe('{"_id":"a","ok":true}')
  })

  it('answers undecodable protobuf bytes on every method with a gRPC status', async () => {
    const methods = Object.values(MapRDbServer.service)
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...methods), fc.uint8Array({ minLength: 1, maxLength: 64 }), async (method, bytes) => {
        const outcome = await new Promise<number>((resolve) => {
          if (method.responseStream) {
            const stream = c.client.makeServerStreamRequest(method.path, () => Buffer.from(bytes), (b: Buffer) => b, {}, { deadline: Date.now() + 5000 })
            stream.on('data', () => {})
            stream.on('error', () => {})
            stream.on('status', (s: grpc.StatusObject) => resolve(s.code))
          } else {
            c.client.makeUnaryRequest(method.path, () => Buffer.from(bytes), (b: Buffer) => b, {}, { deadline: Date.now() + 5000 }, (err) => resolve(err === null ? 0 : err.code))
          }
        })
        expect(outcome).not.toBe(grpc.status.DEADLINE_EXCEEDED)
      }),
      { numRuns: 300 },
    )
    expect(await c.ping()).toEqual({})
  })
})
