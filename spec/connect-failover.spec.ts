/**
 * connectFailover: what it builds from connection strings, what it rejects (typed, before any
 * connection stays open), and that close() closes the connections it opened. The failover
 * behaviour itself is in spec/failover/integration.spec.ts.
 */
import { Writable } from 'node:stream'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FaultProxy } from '../lib/chaos/fault-proxy.js'
import {
  connectFailover,
  FAILOVER_CONNECTION_DEADLINE_MS,
  FailoverStore,
  InvalidConnectionStringError,
  InvalidOptionsError,
} from '../lib/index.js'
import type { OjaiGateway } from '../lib/gateway/index.js'
import { ClosedError, InvalidArgumentError } from '../lib/ojai/errors.js'
import { closedPort, connectionString, result, seed, startGateways, TABLE, until } from './failover/gateways.js'

describe('connectFailover: construction', () => {
  it('builds a FailoverStore over the table, named by host:port unless named, without touching the network', async () => {
    const [a, b] = [await closedPort(), await closedPort()]
    const store = connectFailover({
      clusters: [`127.0.0.1:${a}?ssl=false`, { name: 'dr', connectionString: `ojai:mapr:thin:v1@127.0.0.1:${b}?ssl=false` }],
      table: '/apps/users',
    })
    try {
      expect(store).toBeInstanceOf(FailoverStore)
      expect(store.path).toBe('/apps/users')
      expect(store.cluster).toMatchObject({ index: 0, name: `127.0.0.1:${a}`, reason: 'initial' })
      expect(store.stats().clusters).toEqual({ [`127.0.0.1:${a}`]: {}, dr: {} })
    } finally {
      await store.close()
    }
  })

  it.each([
    ['a bad connection string', { clusters: ['127.0.0.1:1?ssl=false', 'host:notaport'], table: '/t' }, InvalidConnectionStringError],
    [
      'an unknown connection option',
      { clusters: ['127.0.0.1:1?ssl=false', '127.0.0.1:2?sslca=x'], table: '/t' },
      InvalidConnectionStringError,
    ],
    ['a bad table path', { clusters: ['127.0.0.1:1?ssl=false', '127.0.0.1:2?ssl=false'], table: 'no-slash' }, InvalidArgumentError],
    ['one cluster', { clusters: ['127.0.0.1:1?ssl=false'], table: '/t' }, InvalidOptionsError],
    ['no clusters array', { clusters: 'a,b', table: '/t' }, InvalidOptionsError],
    [
      'a cluster with an unknown key',
      { clusters: ['127.0.0.1:1?ssl=false', { connectionString: '127.0.0.1:2?ssl=false', url: 'x' }], table: '/t' },
      InvalidOptionsError,
    ],
    [
      'a cluster with an empty name',
      { clusters: ['127.0.0.1:1?ssl=false', { name: '', connectionString: '127.0.0.1:2?ssl=false' }], table: '/t' },
      InvalidOptionsError,
    ],
    ['two clusters with the same name', { clusters: ['127.0.0.1:1?ssl=false', '127.0.0.1:1?ssl=false'], table: '/t' }, InvalidOptionsError],
    [
      'a bad failover option',
      { clusters: ['127.0.0.1:1?ssl=false', '127.0.0.1:2?ssl=false'], table: '/t', timeoutMs: -1 },
      InvalidOptionsError,
    ],
    [
      'a bad connect option',
      { clusters: ['127.0.0.1:1?ssl=false', '127.0.0.1:2?ssl=false'], table: '/t', connectOptions: { deadline: 5 } },
      InvalidOptionsError,
    ],
    ['no table', { clusters: ['127.0.0.1:1?ssl=false', '127.0.0.1:2?ssl=false'] }, InvalidOptionsError],
  ])('throws at once for %s', (_, options, type) => {
    expect(() => connectFailover(options as never)).toThrow(type)
  })

  it('documents its connection deadline: long enough for a long find, within what a timer can hold', () => {
    expect(FAILOVER_CONNECTION_DEADLINE_MS).toBe(3_600_000)
  })
})

describe('connectFailover against gateways', () => {
  let gateways: OjaiGateway[] = []
  let proxies: FaultProxy[] = []
  let store: FailoverStore | undefined

  beforeEach(async () => {
    gateways = await startGateways()
    await Promise.all(gateways.map((g, i) => seed(g, [{ _id: 'k', on: `gw${i + 1}` }])))
    proxies = gateways.map((g) => new FaultProxy({ target: { port: g.port } }))
    await Promise.all(proxies.map((p) => p.listen()))
  })

  afterEach(async () => {
    await store?.close({ graceMs: 0 })
    store = undefined
    await Promise.all(proxies.map((p) => p.close()))
    await Promise.all(gateways.map((g) => g.close()))
  })

  it('operations reach the primary; the probe ping is the gateway Ping; close() closes both connections', async () => {
    const [p1, p2] = proxies as [FaultProxy, FaultProxy]
    const [g1, g2] = gateways as [OjaiGateway, OjaiGateway]
    store = connectFailover({
      clusters: [connectionString(p1.address), connectionString(p2.address)],
      table: TABLE,
      timeoutMs: 1000,
      hold: { holdsMs: [50] },
      probe: { backoff: { initialMs: 20, jitter: 0 } },
    })
    expect(await result(store.findById('k'))).toMatchObject({ on: 'gw1' })
    // Make the secondary active once, so its connection opens and a probe of the primary runs.
    await p1.refuse()
    expect(await result(store.findById('k'))).toMatchObject({ on: 'gw2' })
    await p1.pass()
    await until(() => store?.cluster.name === p1.address, 5000, 'failback to the primary')
    expect(g1.stats().requests.Ping).toBeGreaterThanOrEqual(1)
    expect(g2.stats().requests.Ping).toBe(0)
    expect(p1.stats().connectionsOpen + p2.stats().connectionsOpen).toBe(2)

    await store.close()
    await until(() => p1.stats().connectionsOpen + p2.stats().connectionsOpen === 0, 5000, 'both connections closing')
    await expect(result(store.findById('k'))).rejects.toBeInstanceOf(ClosedError)
  })

  it('the logger option reaches both the FailoverStore (events) and the connections (calls, redacted)', async () => {
    const lines: Record<string, unknown>[] = []
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
        done()
      },
    })
    const logger = pino({ level: 'debug' }, sink)
    const port = await closedPort()
    store = connectFailover({
      clusters: [`127.0.0.1:${port}?ssl=false;auth=basic;user=u;password=hunter2`, connectionString((proxies[1] as FaultProxy).address)],
      table: TABLE,
      logger,
    })
    expect(await result(store.findById('k'))).toMatchObject({ on: 'gw2' })
    await until(() => lines.some((l) => (l['event'] as { type?: string } | undefined)?.type === 'failover'), 5000, 'the failover log line')
    expect(lines.find((l) => l['event'] !== undefined)).toMatchObject({
      event: { type: 'failover', reason: 'UNAVAILABLE', to: `127.0.0.1:${(proxies[1] as FaultProxy).port}` },
    })
    // Driver lines too (one per call), and the password nowhere.
    expect(lines.some((l) => l['event'] === undefined && l['target'] === `127.0.0.1:${port}`)).toBe(true)
    expect(JSON.stringify(lines)).not.toContain('hunter2')
  })
})
