/**
 * startClusters: n embedded gateways on free ports replicating to each other, a table created
 * once, a FailoverStore over them, faults set and cleared, everything closed in one call (and a
 * process using it exits by itself); bad input is refused before anything starts.
 */
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { firstValueFrom } from 'rxjs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { wallMillisOf } from '../../lib/gateway/hlc.js'
import { encodeKey } from '../../lib/gateway/storage/keys.js'
import { connect, InvalidOptionsError, TimeoutError, type Connection } from '../../lib/index.js'
import { startClusters, type EmbeddedClusters, type StartClustersOptions } from '../../lib/testing/index.js'
import { runChild } from '../support/child-exit.js'

const fixture = fileURLToPath(new URL('./fixtures/child-clusters.ts', import.meta.url))
let kit: EmbeddedClusters | undefined
let child: ChildProcess | undefined
const connections: Connection[] = []
const dirs: string[] = []

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  for (const c of connections.splice(0)) await c.close()
  await kit?.close()
  kit = undefined
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function open(connectionString: string): Connection {
  const c = connect(connectionString)
  connections.push(c)
  return c
}

describe('startClusters', () => {
  it('replicates a write made on cluster 0 to cluster 1 and serves it from there while cluster 0 hangs', async () => {
    kit = await startClusters(2)
    const [c0, c1] = kit.clusters
    expect(kit.clusters.map((c) => c.name)).toEqual(['cluster1', 'cluster2'])
    expect(c0?.connectionString).toBe(`${c0?.address}?ssl=false`)
    expect(c0?.gateway.replicationPeers()).toEqual([c1?.address])
    expect(c1?.gateway.replicationPeers()).toEqual([c0?.address])

    await kit.createTable('/apps/users')
    const onSecond = open(c1?.connectionString ?? '').store('/apps/users')
    // The table reached cluster 1 before createTable resolved.
    expect(await firstValueFrom(open(c1?.connectionString ?? '').storeExists('/apps/users'))).toBe(true)
    await firstValueFrom(
      open(c0?.connectionString ?? '')
        .store('/apps/users')
        .insert({ _id: 'u1', name: 'Ada' }),
    )
    await kit.waitForReplication()
    expect(await firstValueFrom(onSecond.findById('u1'))).toEqual({ _id: 'u1', name: 'Ada' })

    const users = kit.connectFailover('/apps/users', { timeoutMs: 200 })
    c0?.faults.set('*', { type: 'stall' })
    expect(await firstValueFrom(users.findById('u1'))).toEqual({ _id: 'u1', name: 'Ada' })
    expect(users.cluster.name).toBe('cluster2')
    c0?.faults.clear()
    expect(c0?.faults.list()).toEqual([])

    await kit.close()
    expect(users.closed).toBe(true)
    await expect(firstValueFrom(open(c0?.connectionString ?? '').ping())).rejects.toThrow()
    expect(() => kit?.connectFailover('/apps/users')).toThrow(/closed/)
  })

  it('waitForReplication resolves once every acknowledged write is on every cluster, and says which link is behind when it is not', async () => {
    kit = await startClusters(2, { gateway: { replicationLagMs: 300 } })
    expect(kit.cluster('cluster2')).toBe(kit.clusters[1])
    expect(kit.cluster(0)).toBe(kit.clusters[0])
    expect(() => kit?.cluster('cluster3')).toThrow(/no cluster "cluster3"; the clusters are 0: cluster1, 1: cluster2/)
    await kit.createTable('/t')
    const first = open(kit.cluster(0).connectionString).store('/t')
    const second = open(kit.cluster(1).connectionString).store('/t')
    // Shipped 300 ms after the write: the wait covers it.
    await firstValueFrom(first.insert({ _id: 'a' }))
    await kit.waitForReplication()
    expect(await firstValueFrom(second.findById('a'))).toEqual({ _id: 'a' })
    // A peer that is down: the wait gives up, naming the link.
    const short = await startClusters(2, { waitTimeoutMs: 200 })
    try {
      await short.createTable('/t')
      short.cluster(1).gateway.crash()
      await firstValueFrom(open(short.cluster(0).connectionString).store('/t').insert({ _id: 'late' }))
      const error = await short.waitForReplication().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TimeoutError)
      expect((error as Error).message).toMatch(
        /^cluster1 has not shipped everything to cluster2 \(queue \d+, resync due (true|false), connected (true|false)\) within 200 ms/,
      )
    } finally {
      await short.close()
    }
  })

  it('a process that uses it exits by itself after close(), with a call still stalled', async () => {
    const run = runChild(fixture, [])
    child = run.child
    const { code, lingerMs, stdout, stderr } = await run.wait()
    expect(code, `${stdout}\n${stderr}`).toBe(0)
    expect(lingerMs, stdout).toBeDefined()
    expect(JSON.parse(stdout.split('\n')[0] ?? '{}')).toEqual({
      copied: { _id: 'u1', name: 'Ada' },
      read: { _id: 'u1', name: 'Ada' },
      active: 'cluster2',
      pending: 'ClosedError',
      sameClose: true,
      closedStore: true,
    })
  })

  it('names, auth, LMDB storage per cluster and per-gateway options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ojai-clusters-'))
    dirs.push(dir)
    kit = await startClusters(3, {
      names: ['east', 'west', 'north'],
      auth: { user: 'mapr', password: 'p;w=1' },
      storage: { dir },
      gateway: ({ index, name }) => ({ gatewayId: `${name}-${index}` }),
    })
    expect(kit.clusters.map((c) => [c.name, c.gateway.id, c.gateway.storage.kind])).toEqual([
      ['east', 'east-0', 'lmdb'],
      ['west', 'west-1', 'lmdb'],
      ['north', 'north-2', 'lmdb'],
    ])
    for (const name of ['east', 'west', 'north']) expect(existsSync(join(dir, name))).toBe(true)
    expect(kit.clusters[0]?.connectionString).toMatch(/\?ssl=false;auth=basic;user=mapr;password=p%3Bw%3D1$/)
    await kit.createTable('/t')
    const users = kit.connectFailover('/t')
    await firstValueFrom(users.insert({ _id: 'k' }))
    const north = open(kit.clusters[2]?.connectionString ?? '').store('/t')
    await vi.waitFor(async () => expect(await firstValueFrom(north.findById('k'))).toEqual({ _id: 'k' }), { timeout: 15_000, interval: 20 })
    // Without the credentials: refused.
    await expect(firstValueFrom(open(`${kit.clusters[2]?.address}?ssl=false`).store('/t').findById('k'))).rejects.toThrow()
  })
})

describe('startClusters with a clock offset on one cluster', () => {
  it("that cluster's gateway stamps its writes a minute behind the machine clock", async () => {
    kit = await startClusters(2, { gateway: ({ index }) => (index === 1 ? { clockOffsetMs: -60_000 } : {}) })
    const behind = kit.cluster(1)
    // Written on that cluster first: it has seen no peer's timestamp its own clock would follow.
    const connection = open(behind.connectionString)
    await firstValueFrom(connection.createStore('/t'))
    const before = Date.now()
    await firstValueFrom(connection.store('/t').insert({ _id: 'k' }))
    const after = Date.now()
    const stamped = wallMillisOf(behind.gateway.storage.table('/t')?.get(encodeKey('k'))?.ts ?? 0)
    expect(stamped).toBeGreaterThanOrEqual(before - 60_000)
    expect(stamped).toBeLessThanOrEqual(after - 60_000)
  })
})

describe('startClusters with bad input', () => {
  it.each<[unknown, StartClustersOptions | undefined, RegExp]>([
    [0, undefined, /a whole number of clusters from 1 to 30, got 0/],
    [-1, undefined, /got -1/],
    [1.5, undefined, /got 1.5/],
    [Number.NaN, undefined, /got NaN/],
    [31, undefined, /got 31/],
    ['2', undefined, /got string/],
    [2, { names: ['a'] }, /one name per cluster \(2\), got 1/],
    [2, { names: ['a', 'a'] }, /unique/],
    [2, { names: ['a', 'b c'] }, /letters, digits/],
    [2, { nmaes: ['a', 'b'] } as never, /unknown option "nmaes" \(did you mean "names"\?\)/],
    [2, { storage: 'disk' } as never, /storage must be 'memory' or \{ dir: '<directory>' \}; got "disk"/],
    [2, { auth: { user: '' } } as never, /auth.user must be a non-empty string; got ""/],
    [
      2,
      { gateway: { port: 5678 } } as never,
      /startClusters gateway: port is set by startClusters \(every gateway listens on a free port\)/,
    ],
    [2, { gateway: { replicateTo: [] } } as never, /startClusters gateway: replicateTo is set by startClusters/],
    [2, { waitTimeoutMs: 0 }, /waitTimeoutMs must be an integer in \[1, 2\^31-1\]; got 0/],
    [2, { auth: { user: 'u' } } as never, /auth.password must be a string; got undefined/],
    [
      2,
      { gateway: { bogus: 1 } } as never,
      /startClusters gateway: unknown option "bogus" \(known options: host, replicationAuth, tls, replicationLagMs, /,
    ],
    [
      2,
      { gateway: { replicatonLagMs: 5 } } as never,
      /startClusters gateway: unknown option "replicatonLagMs" \(did you mean "replicationLagMs"\?\)/,
    ],
    [2, { gateway: { replicationLagMs: -1 } }, /replicationLagMs must be an integer in \[0, 2\^31-1\]; got -1/],
    [2, { gateway: { findLimits: { maxStreams: 0 } } }, /findLimits.maxStreams must be an integer of at least 1; got 0/],
    [
      2,
      { gateway: ({ index }: { index: number }) => (index === 1 ? { bogus: 1 } : {}) } as never,
      /gateway options of cluster2 \(from the gateway function\): unknown option "bogus"/,
    ],
    [
      2,
      { gateway: ({ index }: { index: number }) => (index === 1 ? { clockOffsetMs: 0.5 } : {}) },
      /clockOffsetMs must be an integer in \[-86400000, 86400000\]; got 0.5/,
    ],
    [
      2,
      { gateway: () => ({ port: 1 }) } as never,
      /gateway options of cluster1 \(from the gateway function\): port is set by startClusters/,
    ],
  ])('startClusters(%j, %j) rejects with InvalidOptionsError, before any gateway starts', async (n, options, message) => {
    const listening = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length
    const before = listening()
    const error = await startClusters(n as number, options).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidOptionsError)
    expect((error as Error).message).toMatch(message)
    expect(listening()).toBe(before)
  })

  it('a single cluster starts, but a FailoverStore needs two', async () => {
    kit = await startClusters(1)
    expect(kit.clusters).toHaveLength(1)
    expect(kit.clusters[0]?.gateway.replicationPeers()).toEqual([])
    await kit.createTable('/t')
    expect(() => kit?.connectFailover('/t')).toThrow(InvalidOptionsError)
  })
})
