/**
 * Two gateways replicating both ways behave like two replicated clusters: writes flow both ways,
 * concurrent puts resolve last-writer-wins identically on both sides, concurrent mutations are all
 * kept and replayed in one order on both sides, and after a partition (one gateway stopped) heals,
 * both hold the same documents.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startGateway } from '../../lib/gateway/index.js'
import type { GatewayOptions, OjaiGateway } from '../../lib/gateway/index.js'
import { ReplicationService } from '../../lib/gateway/internal-proto.js'
import type { ApplyRequest, ApplyResponse } from '../../lib/gateway/internal-proto.js'
import { encodeKey } from '../../lib/gateway/storage/keys.js'
import { docs, RawClient } from './raw-client.js'
import { closedPort } from '../support/ports.js'

const FAST = { retryMinMs: 20, retryMaxMs: 200, heartbeatMs: 100 } as const
const running = new Set<OjaiGateway>()
const clients: RawClient[] = []
const dirs: string[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await Promise.all([...running].map((g) => g.close()))
  running.clear()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function start(options: GatewayOptions): Promise<OjaiGateway> {
  const gw = await startGateway({ host: '127.0.0.1', ...options, replication: { ...FAST, ...options.replication } })
  running.add(gw)
  return gw
}

async function stop(gw: OjaiGateway): Promise<void> {
  running.delete(gw)
  await gw.close()
}

function client(gw: OjaiGateway): RawClient {
  // Own subchannels: a restarted peer must not inherit a channel stuck in reconnect backoff.
  const c = new RawClient(gw.address, undefined, { 'grpc.use_local_subchannel_pool': 1 })
  clients.push(c)
  return c
}

/** Bound on waiting for replication over real sockets, on a loaded shared machine (vi.waitFor's default is 1 s). */
const REPLICATED = { timeout: 15_000, interval: 50 } as const
/** Bound on waiting for a call sent over a real socket to reach the gateway. */
const ARRIVED = { timeout: 10_000, interval: 20 } as const

async function contents(c: RawClient, table: string): Promise<string[]> {
  const r = await c.query(table, '{}')
  return r.messages.some((m) => m.type === 0) ? [`error ${String(r.messages[0]?.error?.errCode)}`] : docs(r)
}

async function converged(a: RawClient, b: RawClient, table: string, timeout = 15_000): Promise<string[]> {
  let last: string[] = []
  await vi.waitFor(
    async () => {
      const [x, y] = await Promise.all([contents(a, table), contents(b, table)])
      last = x
      expect(y).toEqual(x)
    },
    { timeout, interval: 100 },
  )
  return last
}

async function pair(options: { a?: GatewayOptions; b?: GatewayOptions } = {}) {
  const [pa, pb] = await Promise.all([closedPort(), closedPort()])
  const a = await start({ port: pa, gatewayId: 'A', replicateTo: [`127.0.0.1:${pb}`], ...options.a })
  const b = await start({ port: pb, gatewayId: 'B', replicateTo: [`127.0.0.1:${pa}`], ...options.b })
  return { a, b, pa, pb }
}

describe('replication between two gateways', () => {
  it('ships table creation, inserts, updates and deletes both ways', async () => {
    const { a, b } = await pair()
    const ca = client(a)
    const cb = client(b)
    expect(await ca.createTable('/r')).toBe(0)
    await vi.waitFor(async () => expect(await cb.tableExists('/r')).toBe(0), REPLICATED)
    await ca.insert('/r', '{"_id":"1","v":"from A"}')
    await cb.insert('/r', '{"_id":"2","v":"from B"}')
    await cb.update('/r', '{"_id":"1"}', '{"$set":{"w":"B was here"}}').catch(() => undefined)
    expect(await converged(ca, cb, '/r')).toContain('{"_id":"2","v":"from B"}')
    await ca.delete('/r', '{"_id":"2"}')
    expect(await converged(ca, cb, '/r')).not.toContain('{"_id":"2","v":"from B"}')
    expect(await ca.deleteTable('/r')).toBe(0)
    await vi.waitFor(async () => expect(await cb.tableExists('/r')).toBe(2), REPLICATED)
  })

  it('concurrent writes to the same keys on both sides converge to the same last writer', async () => {
    const { a, b } = await pair({ a: { replicationLagMs: 50 }, b: { replicationLagMs: 50 } })
    const ca = client(a)
    const cb = client(b)
    await ca.createTable('/c')
    await vi.waitFor(async () => expect(await cb.tableExists('/c')).toBe(0), REPLICATED)
    const writes: Promise<unknown>[] = []
    for (let i = 0; i < 200; i++) {
      const key = `k${i % 40}`
      writes.push(ca.insert('/c', `{"_id":"${key}","side":"A","i":${i}}`))
      writes.push(cb.insert('/c', `{"_id":"${key}","side":"B","i":${i}}`))
      if (i % 7 === 0) writes.push(cb.delete('/c', `{"_id":"k${(i + 3) % 40}"}`))
      if (i % 5 === 0) writes.push(ca.update('/c', `{"_id":"k${(i + 1) % 40}"}`, '{"$increment":{"n":1}}'))
    }
    await Promise.all(writes)
    const final = await converged(ca, cb, '/c')
    expect(final.length).toBeGreaterThan(0)
    expect(a.stats().replication.peers[0]?.shipped).toBeGreaterThan(0)
  })

  it('partition (one gateway stopped), writes on the other, heal (restart on the same data): both converge', async () => {
    const dirA = mkdtempSync(join(tmpdir(), 'ojai-gw-repl-a-'))
    const dirB = mkdtempSync(join(tmpdir(), 'ojai-gw-repl-b-'))
    dirs.push(dirA, dirB)
    const { a, b, pa, pb } = await pair({ a: { storage: { dir: dirA } }, b: { storage: { dir: dirB } } })
    const ca = client(a)
    let cb = client(b)
    await ca.createTable('/p')
    await vi.waitFor(async () => expect(await cb.tableExists('/p')).toBe(0), REPLICATED)
    // Concurrent writes on both sides.
    await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? ca : cb).insert('/p', `{"_id":"before${i}","i":${i}}`)))
    await converged(ca, cb, '/p')

    // Partition: B goes away; A keeps taking writes, which queue up for B.
    await stop(b)
    for (let i = 0; i < 50; i++) await ca.insert('/p', `{"_id":"during${i}","i":${i}}`)
    await ca.delete('/p', '{"_id":"before0"}')
    await ca.update('/p', '{"_id":"before1"}', '{"$set":{"changed":"during partition"}}')
    await vi.waitFor(() => expect(a.stats().replication.peers[0]?.connected).toBe(false), REPLICATED)
    expect(a.stats().replication.queueDepth).toBeGreaterThan(0)
    expect(a.replicationLag()).toBeGreaterThan(0)

    // Heal: B restarts on its data directory and writes at once, concurrently with the catch-up.
    const b2 = await start({ port: pb, gatewayId: 'B', storage: { dir: dirB }, replicateTo: [`127.0.0.1:${pa}`] })
    cb = client(b2)
    await Promise.all(Array.from({ length: 20 }, (_, i) => cb.insert('/p', `{"_id":"after${i}","i":${i}}`)))
    const final = await converged(ca, cb, '/p')
    expect(final).toHaveLength(100 - 1 + 50 + 20)
    expect(final).toContain('{"_id":"before1","i":1,"changed":"during partition"}')
    await vi.waitFor(() => expect(a.stats().replication.queueDepth).toBe(0), REPLICATED)
  })

  it('a peer restarted empty (memory storage) is refilled by a resync', async () => {
    const { a, pa, pb } = await pair()
    const ca = client(a)
    await ca.createTable('/m')
    for (let i = 0; i < 30; i++) await ca.insert('/m', `{"_id":"m${i}"}`)
    const bAddress = `127.0.0.1:${pb}`
    const b = [...running].find((g) => g.address === bAddress)
    if (b === undefined) throw new Error('B missing')
    await stop(b)
    const fresh = await start({ port: pb, gatewayId: 'B', replicateTo: [`127.0.0.1:${pa}`] })
    const cb = client(fresh)
    expect(await converged(ca, cb, '/m')).toHaveLength(30)
  })

  it('queue overflow falls back to a full resync and still converges', async () => {
    const [pa, pb] = await Promise.all([closedPort(), closedPort()])
    const a = await start({ port: pa, gatewayId: 'A', replicateTo: [`127.0.0.1:${pb}`], replication: { maxQueue: 10 } })
    const ca = client(a)
    await ca.createTable('/o')
    for (let i = 0; i < 40; i++) await ca.insert('/o', `{"_id":"o${i}"}`)
    expect(a.stats().replication.peers[0]?.overflows).toBeGreaterThan(0)
    expect(a.stats().replication.queueDepth).toBeLessThanOrEqual(10)
    const b = await start({ port: pb, gatewayId: 'B' })
    const cb = client(b)
    expect(await converged(ca, cb, '/o')).toHaveLength(40)
  })

  it('last-writer-wins ignores an older version arriving late, and applied changes are not re-replicated', async () => {
    const [pa, pb] = await Promise.all([closedPort(), closedPort()])
    // A ships to B with a long lag; B writes the same key later, directly.
    const a = await start({ port: pa, gatewayId: 'A', replicateTo: [`127.0.0.1:${pb}`], replicationLagMs: 400 })
    const b = await start({ port: pb, gatewayId: 'B' })
    const ca = client(a)
    const cb = client(b)
    await ca.createTable('/l')
    await cb.createTable('/l')
    await ca.insert('/l', '{"_id":"k","v":"old from A"}')
    await new Promise((r) => setTimeout(r, 20))
    await cb.insert('/l', '{"_id":"k","v":"new on B"}')
    await vi.waitFor(() => expect(a.stats().replication.queueDepth).toBe(0), REPLICATED)
    expect((await cb.findById('/l', '{"_id":"k"}')).jsonDocument).toBe('{"_id":"k","v":"new on B"}')
    expect(b.stats().replication.peers).toEqual([])
  })

  it('replicates between gateways that require the same credentials', async () => {
    const auth = { user: 'repl', password: 'secret' }
    const { a, b } = await pair({ a: { auth }, b: { auth } })
    const md = () => {
      const m = new grpc.Metadata()
      m.set('authorization', `basic ${Buffer.from('repl:secret').toString('base64')}`)
      return m
    }
    const ca = new RawClient(a.address, undefined, { 'grpc.use_local_subchannel_pool': 1 }, md)
    const cb = new RawClient(b.address, undefined, { 'grpc.use_local_subchannel_pool': 1 }, md)
    clients.push(ca, cb)
    await ca.createTable('/s')
    await ca.insert('/s', '{"_id":"x"}')
    expect(await converged(ca, cb, '/s')).toEqual(['{"_id":"x"}'])
  })

  it('concurrent increments on both sides converge to the sum, every operation applied once, in the same order', async () => {
    const { a, b } = await pair({ a: { replicationLagMs: 30 }, b: { replicationLagMs: 30 } })
    const ca = client(a)
    const cb = client(b)
    await ca.createTable('/inc')
    await ca.insert('/inc', '{"_id":"c","n":0,"ops":[]}')
    await vi.waitFor(async () => expect((await cb.findById('/inc', '{"_id":"c"}')).error?.errCode).toBe(0), REPLICATED)
    const incs: Promise<number>[] = []
    for (let i = 0; i < 60; i++) {
      incs.push(ca.update('/inc', '{"_id":"c"}', `{"$append":{"ops":["a${i}"]},"$increment":{"n":1}}`))
      incs.push(cb.update('/inc', '{"_id":"c"}', `{"$append":{"ops":["b${i}"]},"$increment":{"n":1}}`))
    }
    expect(new Set(await Promise.all(incs))).toEqual(new Set([0]))
    const [doc] = await converged(ca, cb, '/inc')
    const parsed = JSON.parse(doc as string) as { n: number; ops: string[] }
    expect(parsed.n).toBe(120)
    expect([...parsed.ops].sort()).toEqual(
      [...Array.from({ length: 60 }, (_, i) => `a${i}`), ...Array.from({ length: 60 }, (_, i) => `b${i}`)].sort(),
    )

    // Once both links have exchanged watermarks, the next write folds the log into the base.
    await new Promise((r) => setTimeout(r, 400))
    await ca.update('/inc', '{"_id":"c"}', '{"$increment":{"n":1}}')
    expect(a.storage.table('/inc')?.history(encodeKey('c'))?.log.length ?? 0).toBeLessThanOrEqual(1)
  })

  it('an older mutation arriving late is replayed in its place, so both sides agree on the order', async () => {
    const [pa, pb] = await Promise.all([closedPort(), closedPort()])
    // A ships late; B ships at once.
    const a = await start({ port: pa, gatewayId: 'A', replicateTo: [`127.0.0.1:${pb}`], replicationLagMs: 400 })
    const b = await start({ port: pb, gatewayId: 'B', replicateTo: [`127.0.0.1:${pa}`] })
    const ca = client(a)
    const cb = client(b)
    await ca.createTable('/late')
    await cb.createTable('/late')
    await ca.insert('/late', '{"_id":"k","ops":[]}')
    await vi.waitFor(async () => expect((await cb.findById('/late', '{"_id":"k"}')).error?.errCode).toBe(0), REPLICATED)
    expect(await ca.update('/late', '{"_id":"k"}', '{"$append":{"ops":["first, on A"]}}')).toBe(0)
    await new Promise((r) => setTimeout(r, 20))
    expect(await cb.update('/late', '{"_id":"k"}', '{"$append":{"ops":["second, on B"]}}')).toBe(0)
    // B applied its own (newer) operation before A's older one arrived.
    expect((await cb.findById('/late', '{"_id":"k"}')).jsonDocument).toBe('{"_id":"k","ops":["second, on B"]}')
    expect(await converged(ca, cb, '/late')).toEqual(['{"_id":"k","ops":["first, on A","second, on B"]}'])
  })

  it('a batch delivered twice is applied once (replication is idempotent)', async () => {
    const [pb] = await Promise.all([closedPort()])
    const b = await start({ port: pb, gatewayId: 'B' })
    const cb = client(b)
    await cb.createTable('/dup')
    await cb.insert('/dup', '{"_id":"c","n":0,"ops":[]}')
    const peer = new ReplicationService(b.address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      Apply: (req: ApplyRequest, cb: (err: grpc.ServiceError | null, res?: ApplyResponse) => void) => void
    }
    try {
      const ts = Date.now() * 1024 + 5000
      const key = encodeKey('c')
      const request: ApplyRequest = {
        source: 'X',
        changes: [1, 2].map((i) => ({
          kind: 0,
          tablePath: '/dup',
          key,
          jsonDocument: `{"$append":{"ops":["x${i}"]},"$increment":{"n":1}}`,
          ts: ts + i,
          origin: 'X',
          tombstone: false,
          op: 1,
        })),
      }
      const apply = () =>
        new Promise<ApplyResponse>((resolve, reject) =>
          peer.Apply(request, (err, res) => (err === null && res !== undefined ? resolve(res) : reject(err ?? new Error('no answer')))),
        )
      expect((await apply()).applied).toBe(2)
      expect((await apply()).applied).toBe(0)
      expect((await cb.findById('/dup', '{"_id":"c"}')).jsonDocument).toBe('{"_id":"c","n":2,"ops":["x1","x2"]}')
    } finally {
      peer.close()
    }
  })

  it('increments acknowledged on both sides of a partition, by a gateway stopped before it shipped them, survive its restart on LMDB', async () => {
    const dirA = mkdtempSync(join(tmpdir(), 'ojai-gw-ops-a-'))
    const dirB = mkdtempSync(join(tmpdir(), 'ojai-gw-ops-b-'))
    dirs.push(dirA, dirB)
    const [pa, pb] = await Promise.all([closedPort(), closedPort()])
    // A holds its writes back for a minute: stopping it loses its queue, as a kill would.
    const a = await start({ port: pa, gatewayId: 'A', storage: { dir: dirA }, replicateTo: [`127.0.0.1:${pb}`], replicationLagMs: 60_000 })
    const b = await start({ port: pb, gatewayId: 'B', storage: { dir: dirB }, replicateTo: [`127.0.0.1:${pa}`] })
    const ca = client(a)
    const cb = client(b)
    for (const c of [ca, cb]) {
      await c.createTable('/k')
      await c.insert('/k', '{"_id":"c","n":0,"ops":[]}', 1)
    }
    await vi.waitFor(
      async () => expect((await ca.findById('/k', '{"_id":"c"}')).jsonDocument).toBe((await cb.findById('/k', '{"_id":"c"}')).jsonDocument),
      REPLICATED,
    )
    const acked: string[] = []
    const inc = async (c: RawClient, id: string) => {
      if ((await c.update('/k', '{"_id":"c"}', `{"$append":{"ops":["${id}"]},"$increment":{"n":1}}`)) === 0) acked.push(id)
    }
    // Concurrent on both sides; B's reach A at once, A's stay queued.
    await Promise.all(Array.from({ length: 20 }, (_, i) => Promise.all([inc(ca, `a${i}`), inc(cb, `b${i}`)])))
    await stop(a)
    // Partition: only B takes writes.
    for (let i = 20; i < 30; i++) await inc(cb, `b${i}`)
    // Heal: A restarts on its data (no lag now) and takes writes at once.
    const a2 = await start({ port: pa, gatewayId: 'A', storage: { dir: dirA }, replicateTo: [`127.0.0.1:${pb}`] })
    const ca2 = client(a2)
    for (let i = 20; i < 25; i++) await inc(ca2, `a${i}`)
    expect(acked).toHaveLength(55)
    const [doc] = await converged(ca2, cb, '/k')
    const parsed = JSON.parse(doc as string) as { n: number; ops: string[] }
    expect(parsed.n).toBe(55)
    expect([...parsed.ops].sort()).toEqual([...acked].sort())
  })

  it('a write whose caller gave up before it was applied is not applied', async () => {
    const gw = await start({ port: 0, gatewayId: 'A' })
    const c = client(gw)
    await c.createTable('/x')
    await c.insert('/x', '{"_id":"k","n":0}')
    gw.faults.set('Update', { type: 'stall' })
    gw.faults.set('InsertOrReplace', { type: 'stall' })
    // Deadline passes while the request waits.
    const late = c.call(
      'Update',
      { tablePath: '/x', payloadEncoding: 1, jsonDocument: '{"_id":"k"}', jsonMutation: '{"$increment":{"n":1}}' },
      undefined,
      150,
    )
    await expect(late).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED })
    // Cancelled by the client while the request waits.
    const call = c.client.InsertOrReplace(
      { tablePath: '/x', insertMode: 1, payloadEncoding: 1, jsonDocument: '{"_id":"k","n":100}' },
      new grpc.Metadata(),
      () => undefined,
    )
    await vi.waitFor(() => expect(gw.stats().faults.stalled).toBe(2), ARRIVED)
    call.cancel()
    await new Promise((r) => setTimeout(r, 100))
    gw.faults.clear()
    await new Promise((r) => setTimeout(r, 100))
    expect((await c.findById('/x', '{"_id":"k"}')).jsonDocument).toBe('{"_id":"k","n":0}')
    // A caller still waiting is served normally.
    expect(await c.update('/x', '{"_id":"k"}', '{"$increment":{"n":1}}')).toBe(0)
    expect((await c.findById('/x', '{"_id":"k"}')).jsonDocument).toBe('{"_id":"k","n":1}')
  })
})
