/**
 * Replication peers added after start: gateways started on port 0 (addresses known only once they
 * listen) are connected with `addReplicationPeers`, no restart. A new peer gets what was written
 * before (the first contact ships a snapshot) and every later write, both ways; with three
 * gateways in a full mesh, increments made on every one of them are all kept on all three.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startGateway } from '../../lib/gateway/index.js'
import type { OjaiGateway } from '../../lib/gateway/index.js'
import { ClosedError, InvalidOptionsError } from '../../lib/ojai/errors.js'
import { docs, RawClient } from './raw-client.js'

const FAST = { retryMinMs: 20, retryMaxMs: 200, heartbeatMs: 100 } as const
const running: OjaiGateway[] = []
const clients: RawClient[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await Promise.all(running.splice(0).map((g) => g.close()))
})

async function start(count: number): Promise<OjaiGateway[]> {
  const started = await Promise.all(Array.from({ length: count }, () => startGateway({ port: 0, replication: FAST })))
  running.push(...started)
  return started
}

function client(gw: OjaiGateway): RawClient {
  const c = new RawClient(gw.address)
  clients.push(c)
  return c
}

async function contents(c: RawClient, table: string): Promise<string[]> {
  const r = await c.query(table, '{}')
  return r.messages.some((m) => m.type === 0) ? [`error ${String(r.messages[0]?.error?.errCode)}`] : docs(r)
}

async function eventually(c: RawClient, table: string, expected: string[]): Promise<void> {
  await vi.waitFor(async () => expect(await contents(c, table)).toEqual(expected), { timeout: 15_000, interval: 50 })
}

describe('addReplicationPeers', () => {
  it('connects two running gateways both ways: earlier writes arrive by snapshot, later ones as they happen', async () => {
    const [a, b] = (await start(2)) as [OjaiGateway, OjaiGateway]
    const ca = client(a)
    const cb = client(b)
    expect(await ca.createTable('/t')).toBe(0)
    expect(await ca.insert('/t', '{"_id":"before","v":1}')).toBe(0)
    expect(a.replicationPeers()).toEqual([])

    a.addReplicationPeers([b.address])
    b.addReplicationPeers([a.address])
    expect(a.replicationPeers()).toEqual([b.address])
    expect(b.replicationPeers()).toEqual([a.address])

    await eventually(cb, '/t', ['{"_id":"before","v":1}'])
    expect(await cb.insert('/t', '{"_id":"from-b","v":2}')).toBe(0)
    expect(await ca.insert('/t', '{"_id":"from-a","v":3}')).toBe(0)
    const both = ['{"_id":"before","v":1}', '{"_id":"from-a","v":3}', '{"_id":"from-b","v":2}']
    await eventually(ca, '/t', both)
    await eventually(cb, '/t', both)
    expect(a.stats().replication.peers.map((p) => p.address)).toEqual([b.address])
  })

  it('three gateways in a full mesh keep every increment made on each of them', async () => {
    const gateways = await start(3)
    for (const g of gateways) g.addReplicationPeers(gateways.filter((o) => o !== g).map((o) => o.address))
    const [c0, c1, c2] = gateways.map(client) as [RawClient, RawClient, RawClient]
    expect(await c0.createTable('/n')).toBe(0)
    await vi.waitFor(async () => expect([await c1.tableExists('/n'), await c2.tableExists('/n')]).toEqual([0, 0]), {
      timeout: 15_000,
      interval: 50,
    })
    expect(await c0.insert('/n', '{"_id":"k","n":0}')).toBe(0)
    for (const c of [c1, c2]) await eventually(c, '/n', ['{"_id":"k","n":0}'])
    // 5 increments on each gateway, interleaved, without waiting for replication in between.
    for (let i = 0; i < 5; i++) {
      for (const c of [c0, c1, c2]) expect(await c.update('/n', '{"_id":"k"}', '{"$increment":{"n":1}}')).toBe(0)
    }
    for (const c of [c0, c1, c2]) await eventually(c, '/n', ['{"_id":"k","n":15}'])
  })

  it('refuses a bad address, its own address and a peer it already has, adding nothing', async () => {
    const [a, b] = (await start(2)) as [OjaiGateway, OjaiGateway]
    a.addReplicationPeers([b.address])
    const refused = (addresses: unknown) => {
      try {
        a.addReplicationPeers(addresses as string[])
      } catch (error) {
        return error
      }
      return undefined
    }
    for (const [input, message] of [
      [['nope'], /must be a "host:port" address/],
      [['127.0.0.1:'], /must be a "host:port" address/],
      [[42], /got number/],
      ['127.0.0.1:1', /takes an array/],
      [[a.address], /own address/],
      [[b.address], /already a replication peer/],
      [['127.0.0.1:1', '127.0.0.1:1'], /already a replication peer/],
    ] as const) {
      const error = refused(input)
      expect(error, JSON.stringify(input)).toBeInstanceOf(InvalidOptionsError)
      expect((error as Error).message).toMatch(message)
    }
    expect(a.replicationPeers()).toEqual([b.address])
    a.addReplicationPeers([])
    expect(a.replicationPeers()).toEqual([b.address])
  })

  it('throws ClosedError once the gateway is closed', async () => {
    const [a, b] = (await start(2)) as [OjaiGateway, OjaiGateway]
    await a.close()
    expect(() => a.addReplicationPeers([b.address])).toThrow(ClosedError)
    expect(a.replicationPeers()).toEqual([])
  })
})
