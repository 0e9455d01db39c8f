/**
 * The `ojai-gateway` CLI as a child process (`node --import tsx lib/gateway/cli.ts`, one process
 * so signals reach it).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { GatewayControlClient, startGateway, type OjaiGateway } from '../../lib/gateway/index.js'
import { wallMillisOf } from '../../lib/gateway/hlc.js'
import { encodeKey } from '../../lib/gateway/storage/keys.js'
import { killAll, runCli, startCli } from './gateway-process.js'
import { docs, RawClient } from './raw-client.js'

const dirs: string[] = []
const clients: { close(): void }[] = []
const gateways: OjaiGateway[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await Promise.all(gateways.splice(0).map((g) => g.close()))
  killAll()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const run = (args: string[]) => runCli(['--import', 'tsx', 'lib/gateway/cli.ts'], args)
const start = (args: string[]) => startCli(['--import', 'tsx', 'lib/gateway/cli.ts'], args)

describe('ojai-gateway CLI', () => {
  it('--help documents every flag and exits 0', async () => {
    const r = run(['--help'])
    expect((await r.exited).code).toBe(0)
    for (const flag of [
      '--port',
      '--host',
      '--data',
      '--user',
      '--password',
      '--password-file',
      '--replication-user',
      '--replication-password',
      '--replication-password-file',
      '--max-find-streams',
      '--tls-cert',
      '--tls-key',
      '--replicate-to',
      '--replication-lag-ms',
      '--clock-offset-ms',
      '--help',
    ])
      expect(r.stdout()).toContain(flag)
    expect(r.stdout()).toContain('5678')
  })

  it('rejects unknown flags and half-given pairs with exit code 2', async () => {
    expect((await run(['--bogus']).exited).code).toBe(2)
    expect((await run(['--user', 'u']).exited).code).toBe(2)
    expect((await run(['--port', 'abc']).exited).code).toBe(2)
  })

  it('--clock-offset-ms takes an integer within a day either way, or exits 2 saying so', async () => {
    for (const bad of ['abc', '1.5', '', '86400001']) {
      const r = run(['--port', '0', `--clock-offset-ms=${bad}`])
      expect((await r.exited).code).toBe(2)
      expect(r.stderr()).toContain('--clock-offset-ms needs an integer in [-86400000, 86400000]')
    }
  })

  it('--clock-offset-ms=-5000 stamps writes 5 s behind the machine clock, as a peer sees them', async () => {
    const peer = await startGateway({ port: 0 })
    gateways.push(peer)
    const skewed = await start(['--port', '0', '--clock-offset-ms=-5000', '--replicate-to', peer.address])
    const client = new RawClient(skewed.address)
    clients.push(client)
    await client.createTable('/skew')
    const before = Date.now()
    await client.insert('/skew', '{"_id":"k"}')
    const after = Date.now()
    await vi.waitFor(() => expect(peer.storage.table('/skew')?.get(encodeKey('k'))).toBeDefined(), { timeout: 10_000, interval: 50 })
    const stamped = wallMillisOf(peer.storage.table('/skew')?.get(encodeKey('k'))?.ts ?? 0)
    expect(stamped).toBeGreaterThanOrEqual(before - 5000)
    expect(stamped).toBeLessThanOrEqual(after - 5000)
  })

  it('prints exactly one line "listening on <host>:<port>", serves, and exits 0 on SIGTERM and on SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const gw = await start(['--port', '0'])
      expect(gw.address).toMatch(/^127\.0\.0\.1:\d+$/)
      const c = new RawClient(gw.address)
      clients.push(c)
      expect(await c.ping()).toEqual({})
      gw.child.kill(signal)
      expect(await gw.exited).toEqual({ code: 0, signal: null })
      expect(gw.stdout()).toBe(`listening on ${gw.address}\n`)
    }
  })

  it('--data: every acknowledged write survives SIGKILL and a restart on the same directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ojai-gw-cli-'))
    dirs.push(dir)
    const N = 300
    const first = await start(['--port', '0', '--data', dir])
    const c1 = new RawClient(first.address)
    clients.push(c1)
    expect(await c1.createTable('/durable')).toBe(0)
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        c1.insert('/durable', `{"_id":"d${String(i).padStart(4, '0')}","i":${i}}`).then((code) => expect(code).toBe(0)),
      ),
    )
    // The last answer is in: kill -9 at once, no chance to flush anything more.
    first.child.kill('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')
    const second = await start(['--port', '0', '--data', dir])
    const c2 = new RawClient(second.address)
    clients.push(c2)
    const found = docs(await c2.query('/durable', '{"$select":"_id"}'))
    expect(found).toHaveLength(N)
    expect(found[0]).toBe('{"_id":"d0000"}')
    expect((await c2.findById('/durable', '{"_id":"d0299"}')).jsonDocument).toBe('{"_id":"d0299","i":299}')
  })

  it('--user/--password turn on auth; --tls-cert/--tls-key turn on TLS; the control service drives faults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ojai-gw-cli-tls-'))
    dirs.push(dir)
    const { generate } = await import('selfsigned')
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], { days: 1 } as never)
    writeFileSync(join(dir, 'cert.pem'), pems.cert)
    writeFileSync(join(dir, 'key.pem'), pems.private)
    const gw = await start([
      '--port',
      '0',
      '--user',
      'u',
      '--password',
      'p',
      '--tls-cert',
      join(dir, 'cert.pem'),
      '--tls-key',
      join(dir, 'key.pem'),
    ])
    const credentials = grpc.credentials.createSsl(Buffer.from(pems.cert))
    const options = { 'grpc.ssl_target_name_override': 'localhost' }
    const anonymous = new RawClient(gw.address, credentials, options)
    const authed = new RawClient(gw.address, credentials, options, () => {
      const md = new grpc.Metadata()
      md.set('authorization', `basic ${Buffer.from('u:p').toString('base64')}`)
      return md
    })
    const control = new GatewayControlClient(gw.address, { credentials, channelOptions: options, user: 'u', password: 'p' })
    clients.push(anonymous, authed, control)
    await expect(anonymous.call('Ping', {})).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED })
    expect(await authed.ping()).toEqual({})
    await control.setFault('Ping', { type: 'fail', code: grpc.status.UNAVAILABLE })
    await expect(authed.call('Ping', {})).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE })
    expect((await control.stats()).requests.Ping).toBe(3)
    gw.child.kill('SIGTERM')
    expect((await gw.exited).code).toBe(0)
  })

  it('takes the password from a file or the environment; on the command line it warns that ps shows it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ojai-gw-cli-pw-'))
    dirs.push(dir)
    writeFileSync(join(dir, 'pw'), 's3cret\n')
    const authed = (address: string) => {
      const c = new RawClient(address, undefined, undefined, () => {
        const md = new grpc.Metadata()
        md.set('authorization', `basic ${Buffer.from('u:s3cret').toString('base64')}`)
        return md
      })
      clients.push(c)
      return c
    }
    const fromFile = await start(['--port', '0', '--user', 'u', '--password-file', join(dir, 'pw')])
    expect(await authed(fromFile.address).ping()).toEqual({})
    const fromEnv = await startCli(['--import', 'tsx', 'lib/gateway/cli.ts'], ['--port', '0', '--user', 'u'], {
      ...process.env,
      OJAI_GATEWAY_PASSWORD: 's3cret',
    })
    expect(await authed(fromEnv.address).ping()).toEqual({})
    expect(fromFile.stderr() + fromEnv.stderr()).not.toMatch(/WARNING/)
    const onCommandLine = await start(['--port', '0', '--user', 'u', '--password', 's3cret'])
    await vi.waitFor(
      () => expect(onCommandLine.stderr()).toMatch(/WARNING: --password is visible to every user of this machine in the process list/),
      { timeout: 5000 },
    )
    expect(onCommandLine.stderr()).not.toContain('s3cret')
    // No password anywhere, two at once, an empty file, a password without user: exit 2.
    const env = { ...process.env, OJAI_GATEWAY_PASSWORD: '' }
    expect((await runCli(['--import', 'tsx', 'lib/gateway/cli.ts'], ['--user', 'u'], env).exited).code).toBe(2)
    expect((await run(['--user', 'u', '--password', 'x', '--password-file', join(dir, 'pw')]).exited).code).toBe(2)
    writeFileSync(join(dir, 'empty'), '')
    expect((await run(['--user', 'u', '--password-file', join(dir, 'empty')]).exited).code).toBe(2)
    expect((await run(['--replication-password', 'x']).exited).code).toBe(2)
  })

  it('warns on stderr when listening beyond loopback without auth or TLS, and not on loopback', async () => {
    const open = await start(['--port', '0', '--host', '0.0.0.0'])
    expect(open.address).toMatch(/^0\.0\.0\.0:\d+$/)
    await vi.waitFor(() => expect(open.stderr()).toMatch(/WARNING: listening on 0\.0\.0\.0 beyond loopback WITHOUT TLS/), { timeout: 5000 })
    expect(open.stderr()).toMatch(/WARNING: listening on 0\.0\.0\.0 beyond loopback WITHOUT authentication: anyone who can reach this port/)
    expect(open.stdout()).toBe(`listening on ${open.address}\n`)
    const local = await start(['--port', '0'])
    expect(local.stderr()).toBe('')
  })

  it('--data accepts any directory name (dots included) and a failed start leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ojai-gw-cli-data-'))
    dirs.push(dir)
    const dotted = await start(['--port', '0', '--data', join(dir, 'x.y')])
    const c = new RawClient(dotted.address)
    clients.push(c)
    expect(await c.createTable('/t')).toBe(0)
    dotted.child.kill('SIGTERM')
    expect((await dotted.exited).code).toBe(0)
    expect(readdirSync(join(dir, 'x.y')).sort()).toEqual(['data.mdb', 'lock.mdb'])
    mkdirSync(join(dir, 'bad', 'data.mdb'), { recursive: true })
    const failed = run(['--port', '0', '--data', join(dir, 'bad')])
    expect((await failed.exited).code).toBe(1)
    expect(failed.stderr()).toMatch(/cannot start: cannot open LMDB storage in/)
    expect(readdirSync(join(dir, 'bad'))).toEqual(['data.mdb'])
    expect(readdirSync(dir).sort()).toEqual(['bad', 'x.y'])
  })

  it('--replicate-to ships writes to a peer CLI gateway', async () => {
    const b = await start(['--port', '0'])
    const a = await start(['--port', '0', '--replicate-to', b.address, '--replication-lag-ms', '10'])
    const ca = new RawClient(a.address)
    const cb = new RawClient(b.address)
    clients.push(ca, cb)
    await ca.createTable('/r')
    await ca.insert('/r', '{"_id":"x"}')
    const deadline = Date.now() + 10_000
    let seen: string | undefined
    while (seen === undefined && Date.now() < deadline) {
      seen = (await cb.findById('/r', '{"_id":"x"}')).jsonDocument
      if (seen === undefined) await new Promise((r) => setTimeout(r, 50))
    }
    expect(seen).toBe('{"_id":"x"}')
  })
})
