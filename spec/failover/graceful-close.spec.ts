/**
 * close() with 1,000 operations in flight on a slow cluster (real embedded gateways, real
 * sockets, a child process): every operation either succeeded or ended with ClosedError, none was
 * left hanging, and the process exited by itself with code 0. Outcomes only: how long the close
 * took is measured by bench/experiments/graceful-close.ts.
 */
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { OjaiGateway } from '../../lib/gateway/index.js'
import { runChild } from '../support/child-exit.js'
import { seed, startGateways, TABLE } from './gateways.js'

const fixture = fileURLToPath(new URL('./fixtures/child-graceful-close.ts', import.meta.url))

describe('close() with 1,000 operations in flight on a slow cluster', () => {
  let gateways: OjaiGateway[] = []
  let child: ChildProcess | undefined
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await Promise.all(gateways.map((g) => g.close()))
  })

  it('every operation succeeds or ends with ClosedError, none hangs, and the process exits by itself', async () => {
    gateways = await startGateways()
    const [primary, secondary] = gateways as [OjaiGateway, OjaiGateway]
    const docs = Array.from({ length: 100 }, (_, i) => ({ _id: `k${i}`, i }))
    await seed(primary, docs)
    await seed(secondary, docs)
    // Reads far slower than the grace, finds that never answer, writes that answer within it.
    primary.faults.set('FindById', { type: 'latency', ms: 60_000 })
    primary.faults.set('Find', { type: 'stall' })
    primary.faults.set('InsertOrReplace', { type: 'latency', ms: 200 })
    const run = runChild(fixture, [primary.address, secondary.address, TABLE, '2000'], 60_000)
    child = run.child
    const { code, lingerMs, stdout, stderr } = await run.wait()
    expect(code, `${stdout}\n${stderr}`).toBe(0)
    expect(lingerMs, 'the child printed "closed" and then exited by itself').toBeDefined()
    const report = JSON.parse(stdout.split('\n')[0] ?? '{}') as {
      inFlight: number
      ended: number
      outcomes: Record<string, Record<string, number>>
    }
    expect(report.inFlight).toBe(1000)
    expect(report.ended, 'no operation left without an outcome').toBe(1000)
    // The slow ones could not finish within the grace: cancelled, with ClosedError and nothing else.
    expect(report.outcomes['findById']).toEqual({ CLOSED: 700 })
    expect(report.outcomes['find']).toEqual({ CLOSED: 100 })
    // The writes answered or were cancelled; no other error (no GOAWAY, no INTERNAL, no failover).
    const writes = report.outcomes['insertOrReplace'] ?? {}
    expect(
      Object.keys(writes).every((k) => k === 'ok' || k === 'CLOSED'),
      JSON.stringify(writes),
    ).toBe(true)
    expect((writes['ok'] ?? 0) + (writes['CLOSED'] ?? 0)).toBe(200)
  })
})
