/**
 * The gateway's bounds, as outcomes: Find slots per gateway and per connection, the waiting line
 * and its RESOURCE_EXHAUSTED, cancellation giving slots and bytes back, the sort cap, strict UTF-8,
 * over-long table paths, and conditions that would freeze a backtracking engine.
 */
import * as grpc from '@grpc/grpc-js'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startGateway } from '../../lib/gateway/index.js'
import type { FindLimits, OjaiGateway } from '../../lib/gateway/index.js'
import { ReplicationService } from '../../lib/gateway/internal-proto.js'
import { encodeKey } from '../../lib/gateway/storage/keys.js'
import { MapRDbServer } from '../../lib/proto/index.js'
import type { FindResponse__Output } from '../../lib/proto/generated/com/mapr/data/db/FindResponse.js'
import { docs, RawClient, RawPeer } from './raw-client.js'

const closers: { close(): unknown }[] = []

afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close()
})

async function gateway(findLimits?: FindLimits): Promise<OjaiGateway> {
  const gw = await startGateway({ port: 0, ...(findLimits === undefined ? {} : { findLimits }) })
  closers.push(gw)
  return gw
}

/** A client on its own TCP connection. */
function connection(gw: OjaiGateway): RawClient {
  const c = new RawClient(gw.address, undefined, { 'grpc.use_local_subchannel_pool': 1 })
  closers.push(c)
  return c
}

/** A Find whose client reads one message and then stops reading. */
function stalledFind(c: RawClient, table: string) {
  const stream = c.client.Find({ tablePath: table, payloadEncoding: 1, jsonQuery: '{}' })
  const messages: FindResponse__Output[] = []
  stream.on('data', (m: FindResponse__Output) => {
    messages.push(m)
    stream.pause()
  })
  stream.on('error', () => {})
  const status = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve))
  return { stream, messages, status }
}

async function fill(c: RawClient, table: string, n: number, pad: number): Promise<void> {
  expect(await c.createTable(table)).toBe(0)
  const text = 'x'.repeat(pad)
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, (_, j) =>
        c.insert(table, `{"_id":"k${String(i + j).padStart(5, '0')}","n":${i + j},"pad":"${text}"}`),
      ),
    )
  }
}

describe('Find slots', () => {
  it('caps streams per connection and per gateway; the rest wait, then run; a full line is RESOURCE_EXHAUSTED', async () => {
    const gw = await gateway({ maxStreams: 2, maxStreamsPerConnection: 1, maxWaiting: 2 })
    const a = connection(gw)
    const b = connection(gw)
    await fill(a, '/big', 300, 2000)
    const first = stalledFind(a, '/big')
    await vi.waitFor(() => expect(first.messages.length).toBeGreaterThan(0), { timeout: 5000 })
    // Same connection: waits although the gateway has a free slot.
    const second = stalledFind(a, '/big')
    await vi.waitFor(() => expect(gw.stats().finds).toMatchObject({ running: 1, waiting: 1 }), { timeout: 5000 })
    // Another connection takes the free slot.
    const third = stalledFind(b, '/big')
    await vi.waitFor(() => expect(third.messages.length).toBeGreaterThan(0), { timeout: 5000 })
    expect(gw.stats().finds).toMatchObject({ running: 2, waiting: 1 })
    const fourth = stalledFind(b, '/big')
    await vi.waitFor(() => expect(gw.stats().finds.waiting).toBe(2), { timeout: 5000 })
    // The line is full: one more is refused at once, as a busy server.
    const refused = await b.query('/big', '{}')
    expect(refused.status.code).toBe(grpc.status.RESOURCE_EXHAUSTED)
    expect(refused.status.details).toMatch(/the gateway is busy: 2 Find streams are running and 2 more are waiting/)
    // A waiting Find that is cancelled leaves the line at once.
    fourth.stream.cancel()
    await vi.waitFor(() => expect(gw.stats().finds.waiting).toBe(1), { timeout: 5000 })
    // Cancelling the first gives its slot to the second (same connection).
    first.stream.cancel()
    await vi.waitFor(() => expect(second.messages.length).toBeGreaterThan(0), { timeout: 5000 })
    expect(gw.stats().finds).toMatchObject({ running: 2, waiting: 0 })
    // Reading again finishes both, completely.
    const ends = [second, third].map(async (f) => {
      f.stream.removeAllListeners('data')
      f.stream.on('data', (m: FindResponse__Output) => f.messages.push(m))
      f.stream.resume()
      return (await f.status).code
    })
    expect(await Promise.all(ends)).toEqual([grpc.status.OK, grpc.status.OK])
    expect(second.messages).toHaveLength(300)
    expect(third.messages).toHaveLength(300)
    await vi.waitFor(() => expect(gw.stats().finds).toEqual({ running: 0, waiting: 0, bufferedBytes: 0 }), { timeout: 5000 })
  })

  it('a stalled client holds at most its window; cancelling gives slot and bytes back at once', async () => {
    const gw = await gateway()
    const c = connection(gw)
    await fill(c, '/w', 200, 10_000)
    const finds = Array.from({ length: 10 }, () => stalledFind(c, '/w'))
    await vi.waitFor(() => expect(finds.every((f) => f.messages.length > 0)).toBe(true), { timeout: 10_000 })
    await new Promise((r) => setTimeout(r, 200))
    const { bufferedBytes, running } = gw.stats().finds
    expect(running).toBe(10)
    // Each stream: its 256 KiB window plus at most one message, far from the 2 MB table.
    expect(bufferedBytes).toBeLessThanOrEqual(10 * (256 * 1024 + 10_100))
    for (const f of finds) f.stream.cancel()
    await vi.waitFor(() => expect(gw.stats().finds).toEqual({ running: 0, waiting: 0, bufferedBytes: 0 }), { timeout: 5000 })
    expect(await c.ping()).toEqual({})
  })

  it('a sort holding more than maxSortBytes is UNSUPPORTED_OPERATION in-band; with $limit it keeps only the best', async () => {
    const gw = await gateway({ maxSortBytes: 20_000 })
    const c = connection(gw)
    await fill(c, '/s', 100, 1000)
    const tooBig = await c.query('/s', '{"$orderby":{"n":"desc"}}')
    expect(tooBig.status.code).toBe(grpc.status.OK)
    expect(tooBig.messages.at(-1)?.error?.errCode).toBe(38)
    expect(tooBig.messages.at(-1)?.error?.errorMessage).toMatch(/sorted result holds more than 20000 bytes/)
    const top = await c.query('/s', '{"$orderby":{"n":"desc"},"$offset":2,"$limit":3,"$select":"n"}')
    expect(docs(top)).toEqual(['{"n":97}', '{"n":96}', '{"n":95}'])
    expect(gw.stats().finds.running).toBe(0)
  })
})

/** `request` serialized, with the first occurrence of `marker` (ASCII) overwritten by `bytes` of the same length. */
function withBytes(serialize: (r: object) => Buffer, request: object, marker: string, bytes: number[]): Buffer {
  const buf = Buffer.from(serialize(request))
  const at = buf.indexOf(marker)
  if (at < 0 || bytes.length !== marker.length) throw new Error('marker not found')
  Buffer.from(bytes).copy(buf, at)
  return buf
}

function rawUnary(
  c: RawClient,
  path: string,
  bytes: Buffer,
  decode: (b: Buffer) => object,
): Promise<{ response?: object; error?: grpc.ServiceError }> {
  return new Promise((resolve) => {
    c.client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      decode,
      bytes,
      new grpc.Metadata(),
      { deadline: Date.now() + 5000 },
      (err, res) => resolve(err === null ? { response: res as object } : { error: err }),
    )
  })
}

describe('strict UTF-8', () => {
  const BAD = [0xc3, 0x28] // a lead byte followed by an ASCII byte: never valid UTF-8

  it('a request string with invalid UTF-8 is INVALID_ARGUMENT naming the field, and nothing is written', async () => {
    const gw = await gateway()
    const c = connection(gw)
    expect(await c.createTable('/u')).toBe(0)
    const svc = MapRDbServer.service
    const insert = withBytes(
      svc.InsertOrReplace.requestSerialize,
      { tablePath: '/u', insertMode: 1, payloadEncoding: 1, jsonDocument: '{"_id":"a","s":"XX"}' },
      'XX',
      BAD,
    )
    const answer = await rawUnary(c, svc.InsertOrReplace.path, insert, svc.InsertOrReplace.responseDeserialize)
    expect(answer.response).toMatchObject({
      error: { errCode: 22, errorMessage: 'json_document is not valid UTF-8 (proto3 strings must be); nothing was done' },
    })
    expect((await c.findById('/u', '{"_id":"a"}')).error?.errCode).toBe(281)
    const create = withBytes(svc.CreateTable.requestSerialize, { tablePath: '/vXX' }, 'XX', BAD)
    expect((await rawUnary(c, svc.CreateTable.path, create, svc.CreateTable.responseDeserialize)).response).toMatchObject({
      error: { errCode: 22, errorMessage: expect.stringMatching(/^table_path is not valid UTF-8/) },
    })
    expect(gw.storage.tableMetas().map((m) => m.path)).toEqual(['/u'])
    const byId = withBytes(
      svc.FindById.requestSerialize,
      { tablePath: '/u', payloadEncoding: 1, jsonDocument: '{"_id":"a"}', projections: ['XX'] },
      'XX',
      BAD,
    )
    expect((await rawUnary(c, svc.FindById.path, byId, svc.FindById.responseDeserialize)).response).toMatchObject({
      error: { errCode: 22, errorMessage: expect.stringMatching(/^projections is not valid UTF-8/) },
    })
    // Valid multi-byte text is of course fine.
    expect(await c.insert('/u', '{"_id":"é","s":"日本語 😀"}')).toBe(0)
    expect((await c.findById('/u', '{"_id":"é"}')).jsonDocument).toBe('{"_id":"é","s":"日本語 😀"}')
  })

  it('a Find query and a replication batch with invalid UTF-8 are refused too', async () => {
    const gw = await gateway()
    const c = connection(gw)
    await c.createTable('/u')
    const svc = MapRDbServer.service
    const find = withBytes(
      svc.Find.requestSerialize,
      { tablePath: '/u', payloadEncoding: 1, jsonQuery: '{"$where":{"$eq":{"s":"XX"}}}' },
      'XX',
      BAD,
    )
    const messages = await new Promise<FindResponse__Output[]>((resolve) => {
      const out: FindResponse__Output[] = []
      const stream = c.client.makeServerStreamRequest(
        svc.Find.path,
        (b: Buffer) => b,
        svc.Find.responseDeserialize,
        find,
        new grpc.Metadata(),
        { deadline: Date.now() + 5000 },
      )
      stream.on('data', (m: FindResponse__Output) => out.push(m))
      stream.on('error', () => {})
      stream.on('status', () => resolve(out))
    })
    expect(messages).toHaveLength(1)
    expect(messages[0]?.error).toMatchObject({ errCode: 22, errorMessage: expect.stringMatching(/^json_query is not valid UTF-8/) })
    const peer = new RawPeer(gw.address)
    closers.push(peer)
    const apply = (ReplicationService.service as unknown as Record<string, grpc.MethodDefinition<object, object>>)
      .Apply as grpc.MethodDefinition<object, object>
    const batch = withBytes(
      apply.requestSerialize,
      {
        source: 'X',
        changes: [
          {
            kind: 0,
            tablePath: '/u',
            key: encodeKey('a'),
            jsonDocument: '{"_id":"a","s":"XX"}',
            ts: 1e15,
            origin: 'X',
            tombstone: false,
            op: 0,
          },
        ],
      },
      'XX',
      BAD,
    )
    const answer = await rawUnary(c, apply.path, batch, apply.responseDeserialize)
    expect(answer.error?.code).toBe(grpc.status.INVALID_ARGUMENT)
    expect(answer.error?.details).toMatch(/changes\.json_document is not valid UTF-8/)
    expect((await c.findById('/u', '{"_id":"a"}')).error?.errCode).toBe(281)
  })
})

describe('table paths', () => {
  it('a path over 1 024 bytes is INVALID_ARGUMENT for every RPC, and no table half-exists', async () => {
    const gw = await gateway()
    const c = connection(gw)
    const long = `/${'é'.repeat(600)}`
    expect(await c.createTable(long)).toBe(22)
    expect((await c.error('CreateTable', { tablePath: long })).errorMessage).toBe('table path is 1201 bytes long; at most 1024 are allowed')
    expect(await c.tableExists(long)).toBe(22)
    expect(await c.insert(long, '{"_id":"a"}')).toBe(22)
    expect(gw.storage.tableMetas()).toEqual([])
    expect(await c.createTable(`/${'é'.repeat(511)}`)).toBe(0)
  })
})

describe('conditions that freeze a backtracking engine', () => {
  it('FindById and Find answer them, and the gateway keeps answering Ping', async () => {
    const gw = await gateway()
    const c = connection(gw)
    await c.createTable('/re')
    expect(await c.insert('/re', `{"_id":"s","s":"${'a'.repeat(5000)}"}`)).toBe(0)
    const like = await c.findById('/re', '{"_id":"s"}', { jsonCondition: '{"$like":{"s":"%a%a%a%b"}}' })
    expect(like.error?.errCode).toBe(281)
    const nested = await c.findById('/re', '{"_id":"s"}', { jsonCondition: '{"$matches":{"s":"(a+)+$"}}' })
    expect(nested.error?.errCode).toBe(0)
    const found = await c.query('/re', '{"$where":{"$matches":{"s":"^(a|aa)+b"}},"$select":"_id"}')
    expect(found.status.code).toBe(grpc.status.OK)
    expect(found.messages).toEqual([])
    const refused = await c.findById('/re', '{"_id":"s"}', { jsonCondition: '{"$matches":{"s":"(a)\\\\1"}}' })
    expect(refused.error?.errCode).toBe(22)
    expect(refused.error?.errorMessage).toMatch(/uses backreference \\1, which the linear-time engine cannot run/)
    expect(await c.ping()).toEqual({})
  })
})
