import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { performance } from 'node:perf_hooks'
import { FaultProxy, type ProxyEvent } from '../../lib/chaos/fault-proxy.js'
import { Client, eventually, sleep, startEchoServer, type EchoServer } from './net-helpers.js'

// How long "nothing happens" is watched for. Long enough that a forwarded byte or a FIN/RST on
// loopback would certainly have arrived; short enough to keep the suite quick.
const QUIET_MS = 250
const WITHIN_MS = 2000

describe('FaultProxy', () => {
  let echo: EchoServer
  let proxy: FaultProxy
  const clients: Client[] = []

  function client(): Client {
    const c = new Client(proxy.port)
    clients.push(c)
    return c
  }

  async function roundTrip(c: Client, text: string): Promise<number> {
    const before = c.seen.data.length
    const start = performance.now()
    c.write(text)
    const ok = await c.until((s) => s.data.length >= before + text.length, WITHIN_MS)
    expect(ok).toBe(true)
    return performance.now() - start
  }

  beforeEach(async () => {
    echo = await startEchoServer()
    proxy = new FaultProxy({ target: { port: echo.port }, name: 'p' })
    await proxy.listen()
  })

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy()
    await proxy.close()
    await echo.close()
  })

  it('forwards both ways in pass mode and counts connections and bytes', async () => {
    const c = client()
    await c.connect()
    await roundTrip(c, 'hello')
    expect(c.seen.data).toBe('hello')
    expect(echo.received()).toBe('hello')
    const stats = proxy.stats()
    expect(stats.connectionsAccepted).toBe(1)
    expect(stats.connectionsOpen).toBe(1)
    expect(stats.bytesUpstream).toBe(5)
    expect(stats.bytesDownstream).toBe(5)
  })

  it('adds at least the configured latency per direction, on the same connection', async () => {
    const c = client()
    await c.connect()
    await roundTrip(c, 'a')
    await proxy.latency(40, 60)
    const slow = await roundTrip(c, 'b')
    expect(slow).toBeGreaterThanOrEqual(100)
    await proxy.pass()
    await roundTrip(c, 'c')
    expect(c.seen.data).toBe('abc')
  })

  it('samples a latency distribution per chunk', async () => {
    let samples = 0
    await proxy.setMode({
      kind: 'latency',
      upstreamMs: () => {
        samples++
        return 30
      },
    })
    const c = client()
    await c.connect()
    const elapsed = await roundTrip(c, 'x')
    expect(elapsed).toBeGreaterThanOrEqual(30)
    expect(samples).toBeGreaterThanOrEqual(1)
  })

  it('keeps byte order when sampled delays would reorder chunks', async () => {
    const delays = [80, 0, 40, 0]
    let i = 0
    await proxy.setMode({ kind: 'latency', upstreamMs: () => delays[i++ % delays.length] ?? 0 })
    const c = client()
    await c.connect()
    for (const part of ['1', '2', '3', '4']) {
      c.write(part)
      await sleep(5)
    }
    expect(await c.until((s) => s.data.length === 4, WITHIN_MS)).toBe(true)
    expect(c.seen.data).toBe('1234')
  })

  it('black hole: holds an existing connection without data, FIN or RST, and delivers after heal', async () => {
    const c = client()
    await c.connect()
    await roundTrip(c, 'a')
    await proxy.blackhole()
    c.write('b')
    await sleep(QUIET_MS)
    expect(c.seen).toMatchObject({ data: 'a', ended: false, closed: false, error: undefined })
    expect(echo.received()).toBe('a')
    await proxy.pass()
    expect(await c.until((s) => s.data === 'ab', WITHIN_MS)).toBe(true)
  })

  it('black hole: accepts new connections and holds them; they go through after heal', async () => {
    await proxy.blackhole()
    const c = client()
    await c.connect()
    c.write('x')
    await sleep(QUIET_MS)
    expect(c.seen).toMatchObject({ data: '', ended: false, closed: false, error: undefined })
    expect(echo.connections()).toBe(0)
    await proxy.pass()
    expect(await c.until((s) => s.data === 'x', WITHIN_MS)).toBe(true)
    expect(echo.connections()).toBe(1)
  })

  it('black hole: a target that dies meanwhile is not reported until heal', async () => {
    const c = client()
    await c.connect()
    await roundTrip(c, 'a')
    await proxy.blackhole()
    await echo.close()
    await sleep(QUIET_MS)
    expect(c.seen).toMatchObject({ closed: false, error: undefined })
    await proxy.pass()
    expect(await c.until((s) => s.closed, WITHIN_MS)).toBe(true)
  })

  it('reset: existing connections see ECONNRESET, new ones too, and pass works again', async () => {
    const c = client()
    await c.connect()
    await roundTrip(c, 'a')
    await proxy.reset()
    expect(await c.until((s) => s.error !== undefined, WITHIN_MS)).toBe(true)
    expect(c.seen.error?.code).toBe('ECONNRESET')

    const fresh = client()
    await fresh.connect().catch(() => undefined)
    fresh.write('y')
    expect(await fresh.until((s) => s.error !== undefined, WITHIN_MS)).toBe(true)
    expect(fresh.seen.error?.code).toBe('ECONNRESET')
    expect(fresh.seen.data).toBe('')

    await proxy.pass()
    const again = client()
    await again.connect()
    await roundTrip(again, 'z')
    expect(proxy.stats().connectionsReset).toBeGreaterThanOrEqual(2)
  })

  it('refuse: new connects get ECONNREFUSED; pass listens again on the same port', async () => {
    const port = proxy.port
    const c = client()
    await c.connect()
    await roundTrip(c, 'a')
    await proxy.refuse()
    expect(await c.until((s) => s.error !== undefined, WITHIN_MS)).toBe(true)
    expect(c.seen.error?.code).toBe('ECONNRESET')

    const refused = client()
    await expect(refused.connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' })

    await proxy.pass()
    expect(proxy.port).toBe(port)
    const again = client()
    await again.connect()
    await roundTrip(again, 'b')
  })

  it('half-open upstream: requests reach the target, answers are held until heal', async () => {
    const c = client()
    await c.connect()
    await roundTrip(c, 'a')
    await proxy.halfOpen('upstream')
    c.write('b')
    expect(await eventually(() => echo.received() === 'ab', WITHIN_MS)).toBe(true)
    await sleep(QUIET_MS)
    expect(c.seen).toMatchObject({ data: 'a', closed: false, error: undefined })
    await proxy.pass()
    expect(await c.until((s) => s.data === 'ab', WITHIN_MS)).toBe(true)
  })

  it('half-open downstream: requests never reach the target', async () => {
    const c = client()
    await c.connect()
    await roundTrip(c, 'a')
    await proxy.halfOpen('downstream')
    c.write('b')
    await sleep(QUIET_MS)
    expect(echo.received()).toBe('a')
    expect(c.seen.data).toBe('a')
  })

  it('reset-client: the client sees ECONNRESET, bytes already read still reach the target, whose connection stays open; new connections pass', async () => {
    const events: ProxyEvent[] = []
    const sub = proxy.events$.subscribe((e) => events.push(e))
    const c = client()
    await c.connect()
    await roundTrip(c, 'a')
    // 'b' is read by the proxy at once and held 300 ms on its way up: in flight when the client side goes.
    await proxy.latency(300, 0)
    c.write('b')
    await sleep(50)
    await proxy.resetClient()
    expect(await c.until((s) => s.error !== undefined, WITHIN_MS)).toBe(true)
    expect(c.seen.error?.code).toBe('ECONNRESET')
    expect(await eventually(() => echo.received() === 'ab', WITHIN_MS)).toBe(true)
    // The target saw neither FIN nor RST; what it sent back went nowhere.
    await sleep(QUIET_MS)
    expect(echo.openConnections()).toBe(1)
    expect(c.seen.data).toBe('a')
    expect(proxy.stats()).toMatchObject({ connectionsOpen: 1, connectionsReset: 1 })
    expect(events.filter((e) => e.type === 'reset')).toEqual([{ type: 'reset', proxy: 'p', id: 1, reason: 'mode reset-client' }])

    const fresh = client()
    await fresh.connect()
    await roundTrip(fresh, 'z')
    expect(echo.openConnections()).toBe(2)
    sub.unsubscribe()
  })

  it('reset-client: the orphaned upstream ends when the target closes it, or when the proxy closes', async () => {
    const first = client()
    await first.connect()
    await roundTrip(first, 'a')
    await proxy.resetClient()
    expect(await first.until((s) => s.error !== undefined, WITHIN_MS)).toBe(true)
    await echo.close()
    expect(await eventually(() => proxy.stats().connectionsOpen === 0, WITHIN_MS)).toBe(true)

    const other = await startEchoServer()
    try {
      proxy.setTarget({ port: other.port })
      const second = client()
      await second.connect()
      await roundTrip(second, 'b')
      await proxy.resetClient()
      expect(await second.until((s) => s.error !== undefined, WITHIN_MS)).toBe(true)
      expect(other.openConnections()).toBe(1)
      await proxy.close()
      expect(await eventually(() => other.openConnections() === 0, WITHIN_MS)).toBe(true)
    } finally {
      await other.close()
    }
  })

  it('reset-client: a connection not yet forwarded (held by a black hole) has no upstream to keep and is reset whole', async () => {
    await proxy.blackhole()
    const c = client()
    await c.connect()
    c.write('x')
    await proxy.resetClient()
    expect(await c.until((s) => s.error !== undefined, WITHIN_MS)).toBe(true)
    expect(c.seen.error?.code).toBe('ECONNRESET')
    await sleep(QUIET_MS)
    expect(echo.connections()).toBe(0)
    expect(proxy.stats().connectionsOpen).toBe(0)
  })

  it('resets clients when the target refuses, and follows setTarget', async () => {
    const other = await startEchoServer()
    try {
      proxy.setTarget({ port: 1 }) // nothing listens on port 1 on loopback
      const c = client()
      await c.connect()
      expect(await c.until((s) => s.closed, WITHIN_MS)).toBe(true)
      proxy.setTarget({ port: other.port })
      const d = client()
      await d.connect()
      await roundTrip(d, 'q')
      expect(other.received()).toBe('q')
    } finally {
      await other.close()
    }
  })

  it('emits connection, mode and reset events', async () => {
    const events: ProxyEvent[] = []
    const sub = proxy.events$.subscribe((e) => events.push(e))
    const c = client()
    await c.connect()
    await roundTrip(c, 'a')
    await proxy.reset()
    await c.until((s) => s.closed, WITHIN_MS)
    sub.unsubscribe()
    const types = events.map((e) => e.type)
    expect(types).toContain('connection')
    expect(types).toContain('mode')
    expect(types).toContain('reset')
  })

  it('close() releases the port and every connection and completes events$', async () => {
    const port = proxy.port
    let completed = false
    proxy.events$.subscribe({ complete: () => (completed = true) })
    const c = client()
    await c.connect()
    await roundTrip(c, 'a')
    await proxy.blackhole()
    const held = client()
    await held.connect()
    await proxy.close()
    expect(completed).toBe(true)
    expect(await c.until((s) => s.closed, WITHIN_MS)).toBe(true)
    expect(await held.until((s) => s.closed, WITHIN_MS)).toBe(true)
    const refused = new Client(port)
    clients.push(refused)
    await expect(refused.connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    expect(proxy.stats().connectionsOpen).toBe(0)
  })
})
