/**
 * `clockOffsetMs`: a gateway whose clock runs ahead of or behind the machine's, so tests can model
 * clusters whose clocks differ. Its hybrid clock stamps every write on the shifted clock, and
 * last-writer-wins replication orders concurrent writes by those stamps: a gateway 200 ms behind
 * loses to a write made up to 200 ms earlier on its peer, unless it had seen that write (the
 * hybrid clock then orders its own write after it, whatever its wall clock says).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startGateway } from '../../lib/gateway/index.js'
import type { GatewayOptions, OjaiGateway } from '../../lib/gateway/index.js'
import { COUNTER_SPAN, wallMillisOf } from '../../lib/gateway/hlc.js'
import { encodeKey } from '../../lib/gateway/storage/keys.js'
import { InvalidOptionsError } from '../../lib/ojai/errors.js'
import { RawClient } from './raw-client.js'

const running = new Set<OjaiGateway>()
const clients: RawClient[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await Promise.all([...running].map((g) => g.close()))
  running.clear()
})

async function start(options: GatewayOptions): Promise<{ gw: OjaiGateway; client: RawClient }> {
  const gw = await startGateway({ port: 0, ...options, replication: { retryMinMs: 20, retryMaxMs: 200, heartbeatMs: 100 } })
  running.add(gw)
  const client = new RawClient(gw.address)
  clients.push(client)
  return { gw, client }
}

/** The hybrid timestamp a gateway stored with a document. */
function stampOf(gw: OjaiGateway, table: string, id: string): number | undefined {
  return gw.storage.table(table)?.get(encodeKey(id))?.ts
}

/** The `v` a gateway holds for a document (read from its storage). */
function valueOf(gw: OjaiGateway, table: string, id: string): unknown {
  const text = gw.storage.table(table)?.get(encodeKey(id))?.text
  return text === undefined || text === null ? undefined : (JSON.parse(text) as { v?: unknown }).v
}

/** Bound on waiting for replication over real sockets, on a loaded shared machine. */
const REPLICATED = { timeout: 15_000, interval: 50 } as const

describe('clockOffsetMs', () => {
  it.each<[unknown, string]>([
    [0.5, 'clockOffsetMs must be an integer in [-86400000, 86400000]; got 0.5'],
    ['-200', 'clockOffsetMs must be an integer in [-86400000, 86400000]; got "-200"'],
    [86_400_001, 'clockOffsetMs must be an integer in [-86400000, 86400000]; got 86400001'],
  ])('%j is refused with InvalidOptionsError before anything listens', async (clockOffsetMs, message) => {
    const error = await startGateway({ port: 0, clockOffsetMs } as GatewayOptions).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidOptionsError)
    expect((error as Error).message).toContain(message)
  })

  it('stamps writes on the machine clock shifted by the offset (real clock, 200 ms behind)', async () => {
    const { gw, client } = await start({ clockOffsetMs: -200 })
    expect(await client.createTable('/t')).toBe(0)
    const before = Date.now()
    expect(await client.insert('/t', '{"_id":"k","v":1}')).toBe(0)
    const after = Date.now()
    const stamped = wallMillisOf(stampOf(gw, '/t', 'k') ?? 0)
    expect(stamped).toBeGreaterThanOrEqual(before - 200)
    expect(stamped).toBeLessThanOrEqual(after - 200)
  })

  it('shifts an injected clock too, either way', async () => {
    const t = 1_800_000_000_000
    const ahead = await start({ clock: () => t, clockOffsetMs: 1500 })
    const behind = await start({ clock: () => t, clockOffsetMs: -1500 })
    for (const { client } of [ahead, behind]) {
      await client.createTable('/t')
      await client.insert('/t', '{"_id":"k"}')
    }
    expect(stampOf(ahead.gw, '/t', 'k')).toBe((t + 1500) * COUNTER_SPAN + 1)
    expect(stampOf(behind.gw, '/t', 'k')).toBe((t - 1500) * COUNTER_SPAN + 1)
  })
})

describe('two replicating gateways, one 200 ms behind', () => {
  it('last-writer-wins follows the skewed clocks for concurrent writes, and causality once a write was seen', async () => {
    // One machine clock for both, moved by hand, so "later" is exact; B's clock runs 200 ms behind it.
    let now = 1_800_000_000_000
    const clock = () => now
    const a = await start({ gatewayId: 'A', clock })
    const b = await start({ gatewayId: 'B', clock, clockOffsetMs: -200 })
    await a.client.createTable('/skew')
    await b.client.createTable('/skew')

    // Partitioned (not peers yet): each cluster takes writes of the same documents, B's later.
    now += 1000
    await a.client.insert('/skew', '{"_id":"early","v":"A at +0"}')
    await a.client.insert('/skew', '{"_id":"late","v":"A at +0"}')
    now += 150
    await b.client.insert('/skew', '{"_id":"early","v":"B at +150"}')
    now += 100
    await b.client.insert('/skew', '{"_id":"late","v":"B at +250"}')

    // Heal: each sends the other everything it holds; last-writer-wins by the stamps.
    a.gw.addReplicationPeers([b.gw.address])
    b.gw.addReplicationPeers([a.gw.address])
    await vi.waitFor(() => {
      for (const gw of [a.gw, b.gw]) {
        // 150 ms later by the machine clock, but 50 ms earlier by B's: A's write wins.
        expect(valueOf(gw, '/skew', 'early')).toBe('A at +0')
        // 250 ms later, 50 ms later by B's clock: B's write wins.
        expect(valueOf(gw, '/skew', 'late')).toBe('B at +250')
      }
    }, REPLICATED)

    // Causality: B has seen A's write before writing, so its write orders after it, although by
    // B's wall clock it is 200 ms older.
    now += 50
    await a.client.insert('/skew', '{"_id":"seen","v":"A first"}')
    await vi.waitFor(() => expect(valueOf(b.gw, '/skew', 'seen')).toBe('A first'), REPLICATED)
    const seenStamp = stampOf(a.gw, '/skew', 'seen') ?? Infinity
    await b.client.insert('/skew', '{"_id":"seen","v":"B after seeing A"}')
    await vi.waitFor(() => {
      for (const gw of [a.gw, b.gw]) expect(valueOf(gw, '/skew', 'seen')).toBe('B after seeing A')
    }, REPLICATED)
    const bStamp = stampOf(b.gw, '/skew', 'seen') ?? 0
    expect(bStamp).toBeGreaterThan(seenStamp)
    // Stamped at A's time, not at B's own 200 ms earlier.
    expect(wallMillisOf(bStamp)).toBe(now)
  })
})
