import * as grpc from '@grpc/grpc-js'
import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Faults, GatewayControlClient, startGateway } from '../../lib/gateway/index.js'
import type { OjaiGateway } from '../../lib/gateway/index.js'
import { RawClient } from './raw-client.js'

const open: { close(): unknown }[] = []
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close()
})

async function setup(): Promise<{ gw: OjaiGateway; c: RawClient }> {
  const gw = await startGateway({ port: 0 })
  open.push(gw)
  const c = new RawClient(gw.address)
  open.push(c)
  await c.createTable('/t')
  return { gw, c }
}

/** Resolves to 'pending' if `p` has not settled within `ms`. */
function settledWithin<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))])
}

describe('Faults (unit)', () => {
  it('picks latency from a distribution with the injected random source', () => {
    const draws = [0.005, 0.3, 0.95]
    const faults = new Faults(() => draws.shift() ?? 0)
    faults.set('FindById', {
      type: 'latency',
      distribution: [
        { p: 0.01, ms: 1000 },
        { p: 0.49, ms: 10 },
      ],
    })
    expect(faults.decide('FindById')).toEqual({ kind: 'delay', ms: 1000 })
    expect(faults.decide('FindById')).toEqual({ kind: 'delay', ms: 10 })
    expect(faults.decide('FindById')).toBeUndefined()
    expect(faults.decide('Ping')).toBeUndefined()
  })

  it('probability p: 1% of calls take 1 s', () => {
    let i = 0
    const faults = new Faults(() => (i++ % 100) / 100)
    faults.set('*', { type: 'latency', ms: 1000, p: 0.01 })
    const hit = Array.from({ length: 1000 }, () => faults.decide('Update')).filter((a) => a !== undefined)
    expect(hit).toHaveLength(10)
  })

  it('a per-RPC fault wins over "*"; times removes the fault after that many calls', () => {
    const faults = new Faults()
    faults.set('*', { type: 'fail', code: 14 })
    faults.set('Ping', { type: 'error', errCode: 5, times: 2 })
    expect(faults.decide('Ping')).toMatchObject({ kind: 'error', errCode: 5 })
    expect(faults.decide('Ping')).toMatchObject({ kind: 'error' })
    expect(faults.decide('Ping')).toMatchObject({ kind: 'fail', code: 14 })
    expect(faults.decide('Find')).toMatchObject({ kind: 'fail' })
    faults.clear()
    expect(faults.active).toBe(false)
  })

  it('a latency wait ends with its call: cancelled -> false (nothing to run), released -> true (run now); no timer is left', async () => {
    vi.useFakeTimers()
    try {
      const faults = new Faults()
      const cancelledCall = new EventEmitter()
      const cancelled = faults.delay(60_000, cancelledCall)
      const released = faults.delay(60_000, new EventEmitter())
      const elapsed = faults.delay(5, new EventEmitter())
      expect(vi.getTimerCount()).toBe(3)
      cancelledCall.emit('cancelled')
      expect(await cancelled).toBe(false)
      expect(cancelledCall.listenerCount('cancelled')).toBe(0)
      await vi.advanceTimersByTimeAsync(5)
      expect(await elapsed).toBe(true)
      faults.release()
      expect(await released).toBe(true)
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('rejects malformed faults with a message', () => {
    const faults = new Faults()
    expect(() => faults.set('Nope' as 'Ping', { type: 'stall' })).toThrow(/unknown RPC/)
    expect(() => faults.set('Ping', { type: 'fail', code: 0 })).toThrow(/status/)
    expect(() => faults.set('Ping', { type: 'latency', ms: -1 })).toThrow(/latency/)
    expect(() => faults.set('Ping', { type: 'boom' } as never)).toThrow(/unknown fault/)
    expect(faults.active).toBe(false)
  })
})

describe('faults on a running gateway', () => {
  it('stall: the call never answers until cleared, then runs normally', async () => {
    const { gw, c } = await setup()
    await c.insert('/t', '{"_id":"a"}')
    gw.faults.set('FindById', { type: 'stall' })
    const pending = c.findById('/t', '{"_id":"a"}')
    expect(await settledWithin(pending, 300)).toBe('pending')
    expect(gw.stats().faults.stalled).toBe(1)
    expect(await c.ping()).toEqual({}) // other RPCs unaffected
    gw.faults.clear('FindById')
    expect((await pending).jsonDocument).toBe('{"_id":"a"}')
  })

  it('latency: the answer comes no sooner than the added delay', async () => {
    const { gw, c } = await setup()
    gw.faults.set('Ping', { type: 'latency', ms: 250 })
    const start = performance.now()
    await c.ping()
    expect(performance.now() - start).toBeGreaterThanOrEqual(240)
  })

  it('fail: the call ends with the given gRPC status and the request is still counted', async () => {
    const { gw, c } = await setup()
    const before = gw.stats().requests.InsertOrReplace
    gw.faults.set('InsertOrReplace', { type: 'fail', code: grpc.status.UNAVAILABLE, details: 'injected' })
    await expect(c.insert('/t', '{"_id":"a"}')).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE, details: 'injected' })
    expect(gw.stats().requests.InsertOrReplace).toBe(before + 1)
    gw.faults.clear()
    expect((await c.findById('/t', '{"_id":"a"}')).error?.errCode).toBe(281)
  })

  it('error: an in-band error code with status OK, also on Find', async () => {
    const { gw, c } = await setup()
    gw.faults.set('*', { type: 'error', errCode: 5, message: 'disk on fire' })
    expect(await c.error('Update', { tablePath: '/t' })).toMatchObject({ errCode: 5, errorMessage: 'disk on fire' })
    const find = await c.query('/t', '{}')
    expect(find.status.code).toBe(grpc.status.OK)
    expect(find.messages.map((m) => m.error?.errCode)).toEqual([5])
  })

  it('crash before: connections drop, the write is not applied; restart serves the same data', async () => {
    const { gw, c } = await setup()
    await c.insert('/t', '{"_id":"kept"}')
    gw.faults.set('InsertOrReplace', { type: 'crash' })
    await expect(c.insert('/t', '{"_id":"lost"}')).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE })
    await expect(settledWithin(gw.crashed, 1000)).resolves.toBeUndefined()
    await expect(c.call('Ping', {}, new grpc.Metadata(), 1000)).rejects.toMatchObject({ code: expect.any(Number) })
    gw.faults.clear()
    await gw.restart()
    // A fresh channel with its own subchannel: the shared one is in reconnect backoff after the refused connections.
    const fresh = new RawClient(gw.address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 })
    open.push(fresh)
    expect((await fresh.findById('/t', '{"_id":"kept"}')).error?.errCode).toBe(0)
    expect((await fresh.findById('/t', '{"_id":"lost"}')).error?.errCode).toBe(281)
  })

  it('crash after: the write is applied but never acknowledged', async () => {
    const { gw, c } = await setup()
    gw.faults.set('InsertOrReplace', { type: 'crash', when: 'after', times: 1 })
    await expect(c.insert('/t', '{"_id":"applied"}')).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE })
    await gw.crashed
    await gw.restart()
    const fresh = new RawClient(gw.address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 })
    open.push(fresh)
    expect((await fresh.findById('/t', '{"_id":"applied"}')).error?.errCode).toBe(0)
  })

  it('close() releases stalled calls instead of waiting on them', async () => {
    const gw = await startGateway({ port: 0, closeGraceMs: 10_000 })
    const c = new RawClient(gw.address)
    open.push(c)
    gw.faults.set('Ping', { type: 'stall' })
    const pending = c.ping()
    await new Promise((r) => setTimeout(r, 50))
    const start = performance.now()
    await gw.close()
    expect(performance.now() - start).toBeLessThan(5000)
    expect(await pending).toEqual({})
  })
})

describe('GatewayControlClient', () => {
  it('sets and clears faults and reads stats remotely', async () => {
    const { gw, c } = await setup()
    const control = new GatewayControlClient(gw.address)
    open.push(control)
    await control.setFault('TableExists', { type: 'fail', code: grpc.status.RESOURCE_EXHAUSTED })
    await expect(c.tableExists('/t')).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED })
    const stats = await control.stats()
    expect(stats.requests.TableExists).toBe(1)
    expect(stats.faults.active).toEqual([{ target: 'TableExists', fault: { type: 'fail', code: grpc.status.RESOURCE_EXHAUSTED } }])
    expect(stats.address).toBe(gw.address)
    await control.clearFaults()
    expect(await c.tableExists('/t')).toBe(0)
    await expect(control.setFault('Ping', { type: 'fail', code: 99 })).rejects.toThrow(/status/)
    // Control calls are not MapRDbServer requests.
    expect((await control.stats()).requests.Ping).toBe(0)
  })

  it('authenticates when the gateway requires it', async () => {
    const gw = await startGateway({ port: 0, auth: { user: 'u', password: 'p' } })
    open.push(gw)
    const anonymous = new GatewayControlClient(gw.address)
    const authed = new GatewayControlClient(gw.address, { user: 'u', password: 'p' })
    open.push(anonymous, authed)
    await expect(anonymous.stats()).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED })
    expect((await authed.stats()).id).toBe(gw.id)
  })
})
