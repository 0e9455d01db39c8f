/**
 * Find streaming over a real socket: reads the table a batch at a time, stops when the client
 * stops reading (backpressure) and when it cancels.
 */
import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { MemoryEngine, startGateway } from '../../lib/gateway/index.js'
import type { OjaiGateway, StorageEngine, TableStore } from '../../lib/gateway/index.js'
import type { FindResponse__Output } from '../../lib/proto/generated/com/mapr/data/db/FindResponse.js'
import { RawClient } from './raw-client.js'

/** A memory engine that counts scan calls per table. */
class CountingEngine extends MemoryEngine {
  scans = 0
  override table(path: string): TableStore | undefined {
    const t = super.table(path)
    if (t === undefined) return undefined
    return new Proxy(t, {
      get: (target, prop, receiver) => {
        const v: unknown = Reflect.get(target, prop, receiver)
        if (prop !== 'scan' || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v
        return (...args: unknown[]) => {
          this.scans++
          return (v as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
  }
}

const DOCS = 8_000
const BATCHES = Math.ceil(DOCS / 256)
let engine: CountingEngine
let gw: OjaiGateway
let c: RawClient

beforeAll(async () => {
  engine = new CountingEngine()
  gw = await startGateway({ port: 0, storage: engine as StorageEngine })
  c = new RawClient(gw.address)
  await c.createTable('/big')
  const pad = 'x'.repeat(1000)
  for (let i = 0; i < DOCS; i += 500) {
    await Promise.all(
      Array.from({ length: 500 }, (_, j) => c.insert('/big', `{"_id":"k${String(i + j).padStart(6, '0')}","pad":"${pad}"}`)),
    )
  }
})

afterAll(async () => {
  c.close()
  await gw.close()
})

describe('Find streaming', () => {
  it('delivers a large table completely, in _id order, one document per message', async () => {
    const r = await c.query('/big', '{"$select":"_id"}')
    expect(r.status.code).toBe(grpc.status.OK)
    expect(r.messages).toHaveLength(DOCS)
    expect(r.messages[0]?.jsonResponse).toBe('{"_id":"k000000"}')
    expect(r.messages[DOCS - 1]?.jsonResponse).toBe(`{"_id":"k${String(DOCS - 1).padStart(6, '0')}"}`)
  })

  it('stops reading the table while the client does not read (backpressure), and finishes when it resumes', async () => {
    const before = engine.scans
    const stream = c.client.Find({ tablePath: '/big', payloadEncoding: 1, jsonQuery: '{}' })
    let received = 0
    stream.on('data', () => {
      received++
      if (received === 1) stream.pause()
    })
    await vi.waitFor(() => expect(received).toBeGreaterThan(0), { timeout: 5000 })
    // Let the server fill the transport windows and block on 'drain'.
    await new Promise((r) => setTimeout(r, 500))
    const scannedWhilePaused = engine.scans - before
    expect(scannedWhilePaused).toBeLessThan(BATCHES / 2)
    const ended = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve))
    stream.resume()
    expect((await ended).code).toBe(grpc.status.OK)
    expect(received).toBe(DOCS)
  })

  it('stops reading the table when the client cancels', async () => {
    const before = engine.scans
    const stream = c.client.Find({ tablePath: '/big', payloadEncoding: 1, jsonQuery: '{}' })
    stream.on('error', () => {})
    const first = new Promise<FindResponse__Output>((resolve) => stream.once('data', resolve))
    await first
    stream.cancel()
    await new Promise((r) => setTimeout(r, 300))
    const after = engine.scans
    expect(after - before).toBeLessThan(BATCHES / 2)
    await new Promise((r) => setTimeout(r, 200))
    expect(engine.scans).toBe(after)
  })

  it('a deadline that passes mid-stream ends it with DEADLINE_EXCEEDED and stops the scan', async () => {
    const before = engine.scans
    const stream = c.client.Find({ tablePath: '/big', payloadEncoding: 1, jsonQuery: '{}' }, { deadline: Date.now() + 300 })
    stream.on('data', () => stream.pause())
    stream.on('error', () => {})
    const status = await new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve))
    expect(status.code).toBe(grpc.status.DEADLINE_EXCEEDED)
    const after = engine.scans
    await new Promise((r) => setTimeout(r, 200))
    expect(engine.scans).toBe(after)
    expect(after - before).toBeLessThan(BATCHES / 2)
  })

  it('a sorted find collects, sorts and honours offset and limit', async () => {
    const r = await c.query('/big', '{"$orderby":{"_id":"desc"},"$offset":1,"$limit":2,"$select":"_id"}')
    expect(r.messages.map((m) => m.jsonResponse)).toEqual([
      `{"_id":"k${String(DOCS - 2).padStart(6, '0')}"}`,
      `{"_id":"k${String(DOCS - 3).padStart(6, '0')}"}`,
    ])
  })
})
