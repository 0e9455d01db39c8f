/**
 * More than 10 000 random and malformed requests: every one gets an answer (an in-band error code
 * or a gRPC status), and the gateway keeps serving correctly afterwards. Beside the random shapes:
 * conditions that would freeze a backtracking engine (`%` chains, nested quantifiers, alternations,
 * long texts), invalid UTF-8 in any string field, over-long table paths, and forged replication
 * batches (which must never store anything that a later filtered Find cannot decode).
 */
import * as grpc from '@grpc/grpc-js'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startGateway } from '../../lib/gateway/index.js'
import type { OjaiGateway } from '../../lib/gateway/index.js'
import { MapRDbServer } from '../../lib/proto/index.js'
import { encodeKey } from '../../lib/gateway/storage/keys.js'
import type { ChangeMessage } from '../../lib/gateway/internal-proto.js'
import { RawClient, RawPeer } from './raw-client.js'

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes)
    return true
  } catch {
    return false
  }
}

// Each test has a gateway of its own, seeded the same way: no test depends on another having run.
let gw: OjaiGateway
let c: RawClient
let peer: RawPeer
let crashed = false

beforeEach(async () => {
  crashed = false
  gw = await startGateway({ port: 0 })
  void gw.crashed.then(() => (crashed = true))
  c = new RawClient(gw.address)
  peer = new RawPeer(gw.address)
  await c.createTable('/fuzz')
  for (let i = 0; i < 20; i++) await c.insert('/fuzz', `{"_id":"k${i}","n":${i},"s":"v${i}","a":[1,{"b":${i}}],"m":{"x":${i}}}`)
  await c.insert('/fuzz', `{"_id":"long","s":"${'a'.repeat(5000)}","t":"${'ab'.repeat(1000)}"}`)
})

afterEach(async () => {
  peer.close()
  c.close()
  await gw.close()
})

/** The gateway did not crash and still answers. */
async function expectServing(): Promise<void> {
  expect(crashed).toBe(false)
  expect(await c.ping()).toEqual({})
}

const OPS = [
  '$eq',
  '$ne',
  '$lt',
  '$le',
  '$gt',
  '$ge',
  '$between',
  '$in',
  '$notin',
  '$exists',
  '$notexists',
  '$like',
  '$notlike',
  '$matches',
  '$notmatches',
  '$typeof',
  '$nottypeof',
  '$sizeof',
  '$and',
  '$or',
  '$elementAnd',
]
const BAD_OPS = ['$not', '$bogus', '$condition', '$where']
const MUTS = ['$set', '$put', '$increment', '$decrement', '$append', '$merge', '$delete', '$frob']
const TAGS = [
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
  '$oid',
]

const path = fc.oneof(
  { arbitrary: fc.constantFrom('n', 's', 'a', 'a[1].b', 'a[]', 'm.x', 'm', '_id', 'missing', '`q.x`'), weight: 8 },
  { arbitrary: fc.constantFrom('a[', 'x\\', '"'), weight: 1 },
  { arbitrary: fc.string({ maxLength: 8 }), weight: 1 },
)
const tagged: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...TAGS), fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.string()))
  .map(([t, v]) => `{"${t}":${JSON.stringify(v) ?? 'null'}}`)
/** Patterns that take a backtracking engine exponential or high-polynomial time. */
const REDOS = [
  '%a%a%a%a%a%b',
  '%a_a_a_a_a_a%b',
  `%${'a'.repeat(40)}b%`,
  '(a+)+$',
  '(a|aa)+$',
  '^(a|a?)+b',
  '(\\w+\\s?)+$',
  '(.*a){12}',
  '((ab)*)+c',
  '(a*)*b',
  '[ab]*a[ab]{20}$',
  '(a)\\1',
  'a(?=b)',
  '(?>a+)b',
  'a++b',
  'a{1001}',
]
const redos: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('$like', '$notlike', '$matches', '$notmatches'), fc.constantFrom('s', 't', 'n', 'a[]'), fc.constantFrom(...REDOS))
  .map(([op, p, pattern]) => `{"${op}":{"${p}":${JSON.stringify(pattern)}}}`)
const value: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.oneof(fc.integer({ min: -5, max: 25 }), fc.constantFrom('"v1"', '"x"', 'true', 'null')).map(String), weight: 6 },
  { arbitrary: fc.json({ maxDepth: 2 }), weight: 2 },
  { arbitrary: tagged, weight: 2 },
)
const condition: fc.Arbitrary<string> = fc.letrec<{ c: string }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small' },
    fc
      .tuple(
        fc.oneof({ arbitrary: fc.constantFrom(...OPS), weight: 9 }, { arbitrary: fc.constantFrom(...BAD_OPS), weight: 1 }),
        path,
        value,
      )
      .map(([op, p, v]) => `{"${op}":{${JSON.stringify(p)}:${v}}}`),
    fc.tuple(fc.constantFrom('$exists', '$notexists', ...BAD_OPS), path).map(([op, p]) => `{"${op}":${JSON.stringify(p)}}`),
    fc.tuple(fc.constantFrom('$and', '$or'), fc.array(tie('c'), { maxLength: 3 })).map(([op, cs]) => `{"${op}":[${cs.join(',')}]}`),
    fc.constant('{}'),
    redos,
  ),
})).c
const mutation = fc
  .array(fc.tuple(fc.constantFrom(...MUTS), path, value), { minLength: 1, maxLength: 3 })
  .map((ops) => `{${ops.map(([op, p, v]) => `"${op}":${op === '$delete' ? JSON.stringify(p) : `{${JSON.stringify(p)}:${v}}`}`).join(',')}}`)
const query = fc
  .record(
    {
      $select: fc.option(fc.oneof(path, fc.array(path))),
      $where: fc.option(condition),
      $orderby: fc.option(fc.oneof(path, fc.dictionary(path, fc.constantFrom('asc', 'desc', 'up')))),
      $limit: fc.option(fc.integer({ min: -3, max: 30 })),
      $offset: fc.option(fc.integer({ min: -3, max: 30 })),
    },
    { requiredKeys: [] },
  )
  .map((q) => {
    const parts = Object.entries(q)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `"${k}":${k === '$where' ? String(v) : JSON.stringify(v)}`)
    return `{${parts.join(',')}}`
  })
const key = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 25 }).map((i) => `{"_id":"k${i}"}`), weight: 8 },
  fc.constant('{"_id":{"$binary":"AAE="}}'),
  fc.json({ maxDepth: 2 }),
  fc.string(),
)
const document = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 25 }), fc.dictionary(fc.string({ maxLength: 5 }), value, { maxKeys: 4 })).map(
    ([i, fields]) =>
      `{"_id":"k${i}"${Object.entries(fields)
        .map(([k, v]) => `,${JSON.stringify(k)}:${v}`)
        .join('')}}`,
  ),
  fc.json({ maxDepth: 3 }),
  fc.string(),
  fc.constantFrom(
    '{"_id":"deep","x":' + '['.repeat(50_000) + ']'.repeat(50_000) + '}',
    '{"_id":"huge","x":"' + 'y'.repeat(3_000_000) + '"}',
    '{"_id":"k1"',
    '\u0000',
    '',
  ),
)
const longPath = fc.integer({ min: 1000, max: 3000 }).map((n) => `/${'p'.repeat(n)}`)
const table = fc.oneof(
  { arbitrary: fc.constant('/fuzz'), weight: 8 },
  { arbitrary: fc.constant('/fuzz-missing'), weight: 1 },
  { arbitrary: fc.string({ maxLength: 10 }), weight: 1 },
  { arbitrary: longPath, weight: 1 },
)
// Admin RPCs never touch /fuzz, so document RPCs keep finding their table.
const adminTable = fc.oneof(
  fc.constant('/fuzz-admin'),
  longPath,
  fc.string({ maxLength: 10 }).filter((t) => t.replace(/\/+/g, '/').replace(/\/$/, '') !== '/fuzz'),
)
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 })
const mode = fc.oneof({ arbitrary: fc.constantFrom(1, 2, 3), weight: 8 }, { arbitrary: fc.integer({ min: -2, max: 100 }), weight: 2 })
const encoding = fc.oneof({ arbitrary: fc.constant(1), weight: 9 }, { arbitrary: fc.integer({ min: -1, max: 5 }), weight: 1 })

type Req = { rpc: string; request: Record<string, unknown> }

/** `ChangeKind.TABLE` of internal.proto: a table catalog entry, dropped when `tombstone` is set. */
const TABLE_CHANGE = 1
/** Whether a table path, as the gateway reads it (slashes collapsed, the trailing one dropped, a leading one assumed), is /fuzz. */
const namesFuzz = (path: string) => `/${path}`.replace(/\/+/g, '/').replace(/\/$/, '') === '/fuzz'
const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

const requestArb: fc.Arbitrary<Req> = fc.oneof(
  fc
    .tuple(fc.constantFrom('CreateTable', 'TableExists', 'DeleteTable', 'Ping'), adminTable)
    .map(([rpc, tablePath]) => ({ rpc, request: { tablePath } })),
  fc
    .record({
      tablePath: table,
      insertMode: mode,
      payloadEncoding: encoding,
      jsonDocument: maybe(document),
      jsonCondition: maybe(condition),
    })
    .map((r) => ({ rpc: 'InsertOrReplace', request: clean(r) })),
  fc
    .record({
      tablePath: table,
      payloadEncoding: encoding,
      jsonDocument: maybe(key),
      jsonCondition: maybe(condition),
      projections: fc.array(path, { maxLength: 3 }),
    })
    .map((r) => ({ rpc: 'FindById', request: clean(r) })),
  fc
    .record({
      tablePath: table,
      payloadEncoding: encoding,
      jsonDocument: maybe(key),
      jsonCondition: maybe(condition),
      jsonMutation: maybe(fc.oneof(mutation, fc.string())),
    })
    .map((r) => ({ rpc: 'Update', request: clean(r) })),
  fc
    .record({ tablePath: table, payloadEncoding: encoding, jsonDocument: maybe(key), jsonCondition: maybe(condition) })
    .map((r) => ({ rpc: 'Delete', request: clean(r) })),
  fc
    .record({
      tablePath: table,
      payloadEncoding: encoding,
      includeQueryPlan: fc.boolean(),
      jsonQuery: maybe(fc.oneof(query, fc.string(), fc.json({ maxDepth: 2 }))),
    })
    .map((r) => ({ rpc: 'Find', request: clean(r) })),
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
      { numRuns: 400 },
    )
    expect(sent).toBeGreaterThanOrEqual(4000)
    expect(gw.stats().totalRequests).toBeGreaterThanOrEqual(4000)
    // Still healthy and still correct.
    await expectServing()
    expect(await c.createTable('/after-fuzz')).toBe(0)
    expect(await c.insert('/after-fuzz', '{"_id":"a","ok":true}')).toBe(0)
    expect((await c.findById('/after-fuzz', '{"_id":"a"}')).jsonDocument).toBe('{"_id":"a","ok":true}')
  }, 240_000)

  it('answers undecodable protobuf bytes on every method with a gRPC status', async () => {
    const methods = Object.values(MapRDbServer.service)
    let answered = 0
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...methods), fc.uint8Array({ minLength: 1, maxLength: 64 }), async (method, bytes) => {
        const outcome = await new Promise<number>((resolve) => {
          if (method.responseStream) {
            const stream = c.client.makeServerStreamRequest(
              method.path,
              () => Buffer.from(bytes),
              (b: Buffer) => b,
              {},
              { deadline: Date.now() + 5000 },
            )
            stream.on('data', () => {})
            stream.on('error', () => {})
            stream.on('status', (s: grpc.StatusObject) => resolve(s.code))
          } else {
            c.client.makeUnaryRequest(
              method.path,
              () => Buffer.from(bytes),
              (b: Buffer) => b,
              {},
              { deadline: Date.now() + 5000 },
              (err) => resolve(err === null ? 0 : err.code),
            )
          }
        })
        expect(outcome).not.toBe(grpc.status.DEADLINE_EXCEEDED)
        answered++
      }),
      { numRuns: 300 },
    )
    expect(answered).toBe(300)
    await expectServing()
  })

  it('answers requests whose string fields hold arbitrary bytes (invalid UTF-8) in-band, storing nothing', async () => {
    const methods = MapRDbServer.service
    const shapes: [keyof typeof methods, object][] = [
      ['InsertOrReplace', { tablePath: '/fuzz', insertMode: 1, payloadEncoding: 1, jsonDocument: '{"_id":"u8","s":"@@@@@@@@"}' }],
      ['InsertOrReplace', { tablePath: '/fuzz@@@@@@@@', insertMode: 1, payloadEncoding: 1, jsonDocument: '{"_id":"u8"}' }],
      ['FindById', { tablePath: '/fuzz', payloadEncoding: 1, jsonDocument: '{"_id":"@@@@@@@@"}' }],
      ['Update', { tablePath: '/fuzz', payloadEncoding: 1, jsonDocument: '{"_id":"k1"}', jsonMutation: '{"$set":{"s":"@@@@@@@@"}}' }],
      ['Delete', { tablePath: '/fuzz', payloadEncoding: 1, jsonDocument: '{"_id":"k1"}', jsonCondition: '{"$eq":{"s":"@@@@@@@@"}}' }],
      ['CreateTable', { tablePath: '/u8-@@@@@@@@' }],
    ]
    // Random bytes are sometimes valid text; an insert of u8 with such bytes is rightly stored.
    let validU8Stored = false
    let answered = 0
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...shapes), fc.uint8Array({ minLength: 8, maxLength: 8 }), async ([rpc, request], bytes) => {
        answered++
        const method = methods[rpc] as (typeof methods)['InsertOrReplace']
        const buf = Buffer.from(method.requestSerialize(request as never))
        Buffer.from(bytes).copy(buf, buf.indexOf('@@@@@@@@'))
        const answer = await new Promise<{ error?: { errCode: number } | null } | grpc.ServiceError>((resolve) => {
          c.client.makeUnaryRequest(
            method.path,
            (b: Buffer) => b,
            method.responseDeserialize as (b: Buffer) => object,
            buf,
            new grpc.Metadata(),
            { deadline: Date.now() + 5000 },
            (err, res) => resolve(err ?? (res as { error?: { errCode: number } | null })),
          )
        })
        expect('code' in answer ? answer.code : answer.error?.errCode).toBeTypeOf('number')
        // Invalid means the strict decoder refuses it (valid text may spell U+FFFD itself).
        if (isValidUtf8(bytes) && !('code' in answer) && request === shapes[0]?.[1] && (answer.error?.errCode ?? 0) === 0)
          validU8Stored = true
        if (isValidUtf8(bytes) || 'code' in answer) return
        // Invalid UTF-8: refused, never stored altered.
        expect(answer.error?.errCode).toBe(22)
      }),
      { numRuns: 2000 },
    )
    expect(answered).toBe(2000)
    expect((await c.findById('/fuzz', '{"_id":"u8"}')).error?.errCode ?? 0).toBe(validU8Stored ? 0 : 281)
    await expectServing()
  }, 120_000)

  it('answers forged replication batches with a status, and what it stores stays decodable', async () => {
    // A table the forged changes may drop (a TABLE change with a tombstone): every such change
    // aimed at /fuzz is aimed here instead, so /fuzz, where forged documents land, is always
    // there for the final check.
    await c.createTable('/fuzz-droppable')
    await c.insert('/fuzz-droppable', '{"_id":"d","n":1}')
    const change: fc.Arbitrary<ChangeMessage> = fc
      .record({
        kind: fc.oneof({ arbitrary: fc.constant(0), weight: 6 }, fc.constantFrom(1, 2, 7)),
        tablePath: fc.oneof(
          { arbitrary: fc.constant('/fuzz'), weight: 6 },
          fc.constantFrom('fuzz', '/fuzz/', '//fuzz', '/repl-new'),
          longPath,
          fc.string({ maxLength: 8 }),
        ),
        key: fc.oneof(
          { arbitrary: fc.integer({ min: 0, max: 30 }).map((i) => encodeKey(`k${i}`)), weight: 6 },
          fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)),
        ),
        jsonDocument: fc.oneof(
          { arbitrary: fc.integer({ min: 0, max: 30 }).map((i) => `{"_id":"k${i}","r":${i}}`), weight: 4 },
          fc.constantFrom('{"_id":"mallory"}', '{"$set":{"r":1}}', '{"$set":{"_id":"x"}}', '{"_id":"k1",', '', 'null'),
          document,
        ),
        ts: fc.oneof(
          { arbitrary: fc.integer({ min: 1, max: 2 ** 50 }), weight: 6 },
          fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e300),
        ),
        origin: fc.oneof({ arbitrary: fc.constant('F'), weight: 6 }, fc.constantFrom('', 'x'.repeat(300)), fc.string({ maxLength: 4 })),
        tombstone: fc.boolean(),
        op: fc.constantFrom(0, 1, 2, 9),
        log: fc.array(
          fc.record({
            ts: fc.integer({ min: 1, max: 2 ** 50 }),
            origin: fc.constantFrom('F', ''),
            mutation: fc.oneof(mutation, fc.string()),
          }),
          { maxLength: 2 },
        ),
        resetTs: fc.integer({ min: 0, max: 2 ** 50 }),
        resetOrigin: fc.constantFrom('F', ''),
        inexact: fc.boolean(),
      })
      .map((c) => (c.kind === TABLE_CHANGE && c.tombstone && namesFuzz(c.tablePath) ? { ...c, tablePath: '/fuzz-droppable' } : c))
    let answered = 0
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 4 }), fc.constantFrom('F', ''), async (changes, source) => {
        const { response, error } = await peer.apply({ source, changes, watermark: 0, incarnation: '' })
        if (error !== undefined) expect(typeof error.code).toBe('number')
        else expect(typeof response?.applied).toBe('number')
        answered++
      }),
      { numRuns: 4000 },
    )
    expect(answered).toBe(4000)
    // Every stored document still decodes: a filtered Find over the table answers documents, and no error.
    const all = await c.query('/fuzz', '{"$where":{"$exists":"_id"}}')
    expect(all.status.code).toBe(grpc.status.OK)
    expect(all.messages.length).toBeGreaterThan(0)
    expect(all.messages.filter((m) => (m.error?.errCode ?? 0) !== 0).map((m) => m.error)).toEqual([])
    await expectServing()
  }, 180_000)
})
