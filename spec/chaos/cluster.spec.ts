import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { ClusterHarness, defaultGatewayLaunch, type GatewayLaunch } from '../../lib/chaos/cluster.js'
import { trackedChildren } from '../../lib/chaos/reaper.js'
import { Client, eventually, sleep } from './net-helpers.js'

// The harness is tested against a stand-in with the gateway CLI's start-up contract, so its
// process handling is proven independently of the gateway itself.
const FAKE = fileURLToPath(new URL('./fixtures/fake-gateway.mjs', import.meta.url))
const fakeLaunch = (mode = ''): GatewayLaunch => ({
  command: 'sh',
  args: ['-c', `FAKE_MODE=${mode} exec "$0" "$@"`, process.execPath, FAKE],
})
const WITHIN_MS = 3000

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('ClusterHarness', () => {
  let harness: ClusterHarness | undefined
  const clients: Client[] = []
  function client(port: number): Client {
    const c = new Client(port)
    clients.push(c)
    return c
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy()
    await harness?.close()
    harness = undefined
  })

  it('starts gateways on their own data, replicating to the peers through their replication proxies', async () => {
    harness = await ClusterHarness.start({ clusters: 3, launch: fakeLaunch() })
    expect(harness.nodes.map((n) => n.name)).toEqual(['A', 'B', 'C'])
    for (const node of harness.nodes) {
      expect(node.state).toBe('running')
      const args = JSON.parse(readFileSync(`${node.dataDir}/args`, 'utf8').trim()) as string[]
      expect(args.slice(0, 4)).toEqual(['--port', '0', '--data', node.dataDir])
      const peers = harness.nodes.filter((n) => n !== node).map((n) => n.replicationProxy.address)
      expect(args.filter((_, i) => args[i - 1] === '--replicate-to')).toEqual(peers)
      const c = client(node.clientProxy.port)
      await c.connect()
      c.write(node.name)
      expect(await c.until((s) => s.data === node.name, WITHIN_MS)).toBe(true)
    }
    expect(harness.primary.connectionString).toBe(`127.0.0.1:${harness.primary.clientProxy.port}?ssl=false`)
  })

  it('SIGKILL: connects are refused while down; restart serves on the same proxy port and the same data', async () => {
    harness = await ClusterHarness.start({ launch: fakeLaunch() })
    const a = harness.primary
    const before = a.pid
    const held = client(a.clientProxy.port)
    await held.connect()
    await a.kill()
    expect(alive(before)).toBe(false)
    expect(a.state).toBe('stopped')
    expect(await held.until((s) => s.closed, WITHIN_MS)).toBe(true)
    await expect(client(a.clientProxy.port).connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' })

    await a.start()
    expect(a.pid).not.toBe(before)
    expect(readFileSync(`${a.dataDir}/starts`, 'utf8')).toBe('2')
    const c = client(a.clientProxy.port)
    await c.connect()
    c.write('again')
    expect(await c.until((s) => s.data === 'again', WITHIN_MS)).toBe(true)
  })

  it('SIGSTOP: connections stay open and nothing answers until SIGCONT', async () => {
    harness = await ClusterHarness.start({ launch: fakeLaunch() })
    const a = harness.primary
    const c = client(a.clientProxy.port)
    await c.connect()
    c.write('1')
    expect(await c.until((s) => s.data === '1', WITHIN_MS)).toBe(true)
    a.pause()
    expect(a.state).toBe('paused')
    c.write('2')
    await sleep(250)
    expect(c.seen).toMatchObject({ data: '1', closed: false, error: undefined })
    a.resume()
    expect(await c.until((s) => s.data === '12', WITHIN_MS)).toBe(true)
  })

  it('restart() kills and starts again; healAll() resumes and heals proxies', async () => {
    harness = await ClusterHarness.start({ launch: fakeLaunch() })
    const [a, b] = harness.nodes
    if (a === undefined || b === undefined) throw new Error('two nodes expected')
    const first = a.pid
    await a.restart()
    expect(a.state).toBe('running')
    expect(a.pid).not.toBe(first)
    expect(alive(first)).toBe(false)
    b.pause()
    await a.clientProxy.blackhole()
    await harness.healAll()
    expect(b.state).toBe('running')
    expect(a.clientProxy.mode.kind).toBe('pass')
  })

  it('a gateway that exits before listening fails start with its output, leaving nothing behind', async () => {
    await expect(ClusterHarness.start({ launch: fakeLaunch('exit') })).rejects.toThrow(
      /exited \(code 3\) before listening[\s\S]*asked to fail/,
    )
    expect(trackedChildren()).toBe(0)
  })

  it('a gateway that never says "listening on" fails start within the bound and is killed', async () => {
    const started = Date.now()
    await expect(ClusterHarness.start({ launch: fakeLaunch('silent'), startTimeoutMs: 500 })).rejects.toThrow(
      /no "listening on" within 500 ms/,
    )
    expect(Date.now() - started).toBeLessThan(WITHIN_MS)
    expect(trackedChildren()).toBe(0)
  })

  it('close() ends every process (also a paused one), closes the proxies and removes the data', async () => {
    harness = await ClusterHarness.start({ launch: fakeLaunch() })
    const pids = harness.nodes.map((n) => n.pid)
    const dir = dirname(harness.primary.dataDir)
    const port = harness.primary.clientProxy.port
    harness.primary.pause()
    await harness.close()
    harness = undefined
    expect(pids.every((pid) => !alive(pid))).toBe(true)
    expect(existsSync(dir)).toBe(false)
    await expect(client(port).connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('kills the gateways and removes the data when the process exits without close()', async () => {
    const script = fileURLToPath(new URL('./fixtures/exit-without-close.ts', import.meta.url))
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', script], { timeout: 20_000 }, (error, out) => (error ? reject(error) : resolve(out))),
    )
    const { pids, dir } = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { pids: number[]; dir: string }
    expect(pids).toHaveLength(2)
    expect(await eventually(() => pids.every((pid) => !alive(pid)), WITHIN_MS)).toBe(true)
    expect(existsSync(dir)).toBe(false)
  })

  it('finds the gateway CLI next to the chaos module', () => {
    const source = defaultGatewayLaunch('source')
    expect(source.args.slice(0, 2)).toEqual(['--import', 'tsx'])
    expect(source.args[2]).toMatch(/lib[/\\]gateway[/\\]cli\.ts$/)
    expect(defaultGatewayLaunch('dist').args[0]).toMatch(/dist[/\\]gateway[/\\]cli\.js$/)
  })
})
