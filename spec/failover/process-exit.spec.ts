/**
 * A process using connectFailover exits by itself soon after close(), with a failover hold, the
 * probe loop and an operation on a stalled gateway all pending at the time.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { OjaiGateway } from '../../lib/gateway/index.js'
import { seed, startGateways, TABLE } from './gateways.js'

const fixture = fileURLToPath(new URL('./fixtures/child-failover.ts', import.meta.url))

describe('a process using a FailoverStore', () => {
  let gateways: OjaiGateway[] = []
  let child: ChildProcess | undefined
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await Promise.all(gateways.map((g) => g.close()))
  })

  it('exits by itself within 2 s after close(), after a failover and with a call in flight', async () => {
    gateways = await startGateways()
    const [primary, secondary] = gateways as [OjaiGateway, OjaiGateway]
    await seed(primary, [{ _id: 'k', on: 'primary' }])
    await seed(secondary, [{ _id: 'k', on: 'secondary' }, { _id: 'm', on: 'secondary' }])
    primary.faults.set('*', { type: 'stall' })
    const proc = spawn(process.execPath, ['--import', 'tsx', fixture, primary.address, secondary.address, TABLE], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    let stdout = ''
    let stderr = ''
    let closedAt: number | undefined
    proc.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (closedAt === undefined && stdout.includes('closed\n')) closedAt = performance.now()
    })
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    // Bounded: startup (tsx) and operations get 20 s, the exit after close() 2 s.
    const exit = await new Promise<{ code: number | null; at: number } | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), 20_000)
      proc.on('exit', (code) => {
        clearTimeout(timer)
        resolve({ code, at: performance.now() })
      })
    })
    expect(exit, `${stdout}\n${stderr}`).not.toBe('timeout')
    if (exit === 'timeout') return
    expect(exit.code, stderr).toBe(0)
    expect(closedAt, stdout).toBeDefined()
    expect(exit.at - (closedAt ?? exit.at)).toBeLessThan(2000)
    const report = JSON.parse(stdout.split('\n')[0] ?? '{}') as Record<string, unknown>
    expect(report).toMatchObject({ found: { _id: 'k', on: 'secondary' }, count: 2, pendingError: 'ClosedError', active: 'secondary', inFlight: 1 })
    expect(report['events']).toEqual(['timeout', 'failover'])
    // Before close: the in-flight call's deadline (and nothing else of the operations) was armed.
    expect(report['activeTimers']).toBe(1)
  })
})
