import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { runChild } from '../support/child-exit.js'
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
    const run = runChild(fixture, [`127.0.0.1:${gateway.port}?ssl=false`])
    child = run.child
    const { code, lingerMs, stdout, stderr } = await run.wait()
    expect(code, `${stdout}\n${stderr}`).toBe(0)
    expect(lingerMs, stdout).toBeDefined()
    expect(lingerMs).toBeLessThan(2000)
    const report = JSON.parse(stdout.split('\n')[0] ?? '{}') as { found: unknown; count: number; pendingError: string }
    expect(report).toEqual({ found: { _id: 'a', n: 1 }, count: 2, pendingError: 'ClosedError' })
  })
})
