/**
 * A process using connectFailover exits by itself soon after close(), with a failover hold, the
 * probe loop and an operation on a stalled gateway all pending at the time.
 */
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { OjaiGateway } from '../../lib/gateway/index.js'
import { runChild } from '../support/child-exit.js'
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
    await seed(secondary, [
      { _id: 'k', on: 'secondary' },
      { _id: 'm', on: 'secondary' },
    ])
    primary.faults.set('*', { type: 'stall' })
    const run = runChild(fixture, [primary.address, secondary.address, TABLE])
    child = run.child
    const { code, lingerMs, stdout, stderr } = await run.wait()
    expect(code, `${stdout}\n${stderr}`).toBe(0)
    expect(lingerMs, stdout).toBeDefined()
    expect(lingerMs).toBeLessThan(2000)
    const report = JSON.parse(stdout.split('\n')[0] ?? '{}') as Record<string, unknown>
    expect(report).toMatchObject({
      found: { _id: 'k', on: 'secondary' },
      count: 2,
      pendingError: 'ClosedError',
      active: 'secondary',
      inFlight: 1,
    })
    expect(report['events']).toEqual(['timeout', 'failover', 'rerouted'])
    // Before close: the in-flight call's deadline (and nothing else of the operations) was armed.
    expect(report['activeTimers']).toBe(1)
  })
})
