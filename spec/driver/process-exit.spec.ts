import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { type TestGateway, startTestGateway } from './helpers/gateway.js'

const fixture = fileURLToPath(new URL('./fixtures/child-client.ts', import.meta.url))

describe('a process using the driver', () => {
  let gateway: TestGateway | undefined
  let child: ChildProcess | undefined
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await gateway?.close()
  })

  it('exits by itself within 2 s after close(), even with a call in flight', async () => {
    gateway = await startTestGateway()
    gateway.stall('TableExists')
    const proc = spawn(process.execPath, ['--import', 'tsx', fixture, `127.0.0.1:${gateway.port}?ssl=false`], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    let stdout = ''
    let stderr = ''
    let closedAt: number | undefined
    proc.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (closedAt === undefined && stdout.includes('closed\n')) closedAt = performance.now()
    })
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    // Bounded wait: startup (tsx) + operations get 20 s, the exit after close() gets 2 s.
    const exit = await new Promise<{ code: number | null; at: number } | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), 20_000)
      proc.on('exit', (code) => {
        clearTimeout(timer)
        resolve({ code, at: performance.now() })
      })
    })
    expect(exit, stderr).not.toBe('timeout')
    if (exit === 'timeout') return
    expect(exit.code, stderr).toBe(0)
    expect(closedAt, stdout).toBeDefined()
    const lingerMs = exit.at - (closedAt ?? exit.at)
    expect(lingerMs).toBeLessThan(2000)
    const report = JSON.parse(stdout.split('\n')[0] ?? '{}') as { found: unknown; count: number; pendingError: string }
    expect(report).toEqual({ found: { _id: 'a', n: 1 }, count: 2, pendingError: 'ClosedError' })
  })
})
