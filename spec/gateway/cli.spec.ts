/**
 * The `ojai-gateway` CLI as a child process (`node --import tsx lib/gateway/cli.ts`, one process
 * so signals reach it).
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { afterEach, describe, expect, it } from 'vitest'
import { GatewayControlClient } from '../../lib/gateway/index.js'
import { docs, RawClient } from './raw-client.js'

const children = new Set<ChildProcess>()
const dirs: string[] = []
const clients: { close(): void }[] = []

afterEach(() => {
  for (const c of clients.splice(0)) c.close()
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  children.clear()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

interface Running {
  readonly child: ChildProcess
  readonly address: string
  readonly stdout: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function run(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Running['exited'] } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lib/gateway/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let out = ''
  let err = ''
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  return { child, stdout: () => out, stderr: () => err, exited }
}

/** Starts the CLI and waits (bounded) for its one ready line. */
async function start(args: string[]): Promise<Running> {
  const r = run(args)
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within 20 s; stderr: ${r.stderr()}`)), 20_000)
    const check = () => {
      const m = /^listening on (\S+)\n/.exec(r.stdout())
      if (m !== null) {
        clearTimeout(timer)
        resolve(m[1] as string)
      }
    }
    r.child.stdout?.on('data', check)
    void r.exited.then(({ code }) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${String(code)} before ready; stderr: ${r.stderr()}`))
    })
  })
  return { child: r.child, address, stdout: r.stdout, exited: r.exited }
}

describe('ojai-gateway CLI', () => {
  it('--help documents every flag and exits 0', async () => {
    const r = run(['--help'])
    expect((await r.exited).code).toBe(0)
    for (const flag of ['--port', '--host', '--data', '--user', '--password', '--tls-cert', '--tls-key', '--replicate-to', '--replication-lag-ms', '--help']) expect(r.stdout()).toContain(flag)
    expect(r.stdout()).toContain('5678')
  })

  it('rejects unknown flags and half-given pairs with exit code 2', async () => {
    expect((await run(['--bogus']).exited).code).toBe(2)
    expect((await run(['--user', 'u']).exited).code).toBe(2)
    expect((await run(['--port', 'abc']).exited).code).toBe(2)
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
    await Promise.all(Array.from({ length: N }, (_, i) => c1.insert('/durable', `{"_id":"d${String(i).padStart(4, '0')}","i":${i}}`).then((code) => expect(code).toBe(0))))
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
    const gw = await start(['--port', '0', '--user', 'u', '--password', 'p', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')])
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
