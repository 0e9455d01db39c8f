/**
 * ojai-failover/otel over real gRPC: a failover between two embedded gateways (each attempt span
 * names its gateway's address and port), and trace context sent to the gateways in the gRPC
 * metadata of each attempt when asked (seen by the servers, which record what they receive).
 */
import { SpanStatusCode } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { firstValueFrom } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import { connectFailover } from '../../lib/index.js'
import { startClusters, type EmbeddedClusters } from '../../lib/testing/index.js'
import { ScriptedServer } from '../driver/helpers/scripted-server.js'
import { telemetry, type SpanNode, type Telemetry } from './telemetry.js'

let t: Telemetry | undefined
let kit: EmbeddedClusters | undefined
const servers: ScriptedServer[] = []

afterEach(async () => {
  await t?.close()
  await kit?.close()
  for (const s of servers.splice(0)) await s.close()
  t = kit = undefined
})

const hostPort = (address: string): [string, number] => {
  const colon = address.lastIndexOf(':')
  return [address.slice(0, colon), Number(address.slice(colon + 1))]
}

describe('ojai-failover/otel over real gateways', () => {
  it('a failover from a stalled gateway: the operation span, a timed-out attempt on the first gateway and an answered one on the second, each with its server address', async () => {
    t = telemetry()
    kit = await startClusters(2, { names: ['primary', 'secondary'] })
    await kit.createTable('/apps/users')
    const users = kit.connectFailover('/apps/users', { timeoutMs: 300 })
    await firstValueFrom(users.insertOrReplace({ _id: 'u1', name: 'Ada' }))
    await kit.waitForReplication()
    t.exporter.reset()
    kit.cluster('primary').faults.set('*', { type: 'stall' })
    expect(await firstValueFrom(users.findById('u1'))).toEqual({ _id: 'u1', name: 'Ada' })
    kit.cluster('primary').faults.clear()

    const [op, ...others] = t.spans()
    expect(others).toEqual([])
    const [primaryHost, primaryPort] = hostPort(kit.cluster('primary').address)
    const [secondaryHost, secondaryPort] = hostPort(kit.cluster('secondary').address)
    expect(op).toMatchObject({
      name: 'findById /apps/users',
      status: { code: SpanStatusCode.UNSET },
      attributes: {
        'db.system.name': 'hpe.maprdb',
        'db.collection.name': '/apps/users',
        'db.operation.name': 'findById',
        'ojai.attempts': 2,
        'ojai.clusters_contacted': ['primary', 'secondary'],
        'ojai.operation.outcome': 'ok',
        'ojai.cluster.name': 'secondary',
        'server.address': secondaryHost,
        'server.port': secondaryPort,
      },
    })
    const [timedOut, answered] = op?.children ?? []
    expect(op?.children).toHaveLength(2)
    expect(timedOut?.attributes).toMatchObject({
      'ojai.cluster.name': 'primary',
      'server.address': primaryHost,
      'server.port': primaryPort,
      'ojai.attempt.kind': 'first',
      'ojai.attempt.outcome': 'timed-out',
      'error.type': 'TIMEOUT',
    })
    expect(answered?.attributes).toMatchObject({
      'ojai.cluster.name': 'secondary',
      'server.address': secondaryHost,
      'server.port': secondaryPort,
      'ojai.attempt.kind': 'failover',
      'ojai.attempt.outcome': 'answered',
    })
    // The timed-out attempt lasted its limit (a late timer may make it longer, never shorter); the answer came after it.
    const node = timedOut as SpanNode
    expect(node.end - node.start).toBeGreaterThanOrEqual(299)
    expect((answered as SpanNode).start).toBeGreaterThanOrEqual(node.end - 1)
    // A loaded machine may add stalls of this process (ojai.stall) anywhere: not what this asserts.
    expect(op?.events.map((e) => e.name).filter((name) => name !== 'ojai.stall')).toEqual(['ojai.suspicion', 'ojai.switch'])
    await users.close()
  })

  it('propagateTraceContext: each gateway receives the traceparent of the attempt that called it', async () => {
    t = telemetry({ propagateTraceContext: true, propagator: new W3CTraceContextPropagator() })
    const traceparents: Record<string, string[]> = { primary: [], secondary: [] }
    const record = (name: string) => (call: { metadata: { get(key: string): unknown[] } }) =>
      traceparents[name]?.push(String(call.metadata.get('traceparent')[0]))
    const primary = await ScriptedServer.start({ FindById: (call) => record('primary')(call) }) // never answers
    const secondary = await ScriptedServer.start({
      FindById: (call, callback) => {
        record('secondary')(call)
        callback(null, { error: { errCode: 0, errorMessage: '', javaStackTrace: '' } })
      },
    })
    servers.push(primary, secondary)
    const store = connectFailover({
      clusters: [
        { name: 'primary', connectionString: `127.0.0.1:${primary.port}?ssl=false` },
        { name: 'secondary', connectionString: `127.0.0.1:${secondary.port}?ssl=false` },
      ],
      table: '/apps/users',
      timeoutMs: 200,
    })
    await firstValueFrom(store.findById('u1'))
    await store.close({ graceMs: 0 })
    const [op] = t.spans()
    const [first, second] = op?.children ?? []
    const traceId = t.exporter.getFinishedSpans()[0]?.spanContext().traceId
    const spanIds = new Map(t.exporter.getFinishedSpans().map((s) => [s.name, s.spanContext().spanId]))
    expect(first?.name).toBe('attempt primary')
    expect(second?.name).toBe('attempt secondary')
    expect(traceparents).toEqual({
      primary: [`00-${traceId}-${spanIds.get('attempt primary')}-01`],
      secondary: [`00-${traceId}-${spanIds.get('attempt secondary')}-01`],
    })
  })

  it('without propagateTraceContext nothing is added to the calls', async () => {
    t = telemetry()
    const seen: unknown[] = []
    const a = await ScriptedServer.start({
      FindById: (call, callback) => (
        seen.push(call.metadata.get('traceparent')[0]),
        callback(null, { error: { errCode: 0, errorMessage: '', javaStackTrace: '' } })
      ),
    })
    const b = await ScriptedServer.start()
    servers.push(a, b)
    const store = connectFailover({ clusters: [`127.0.0.1:${a.port}?ssl=false`, `127.0.0.1:${b.port}?ssl=false`], table: '/apps/users' })
    await firstValueFrom(store.findById('u1'))
    await store.close()
    expect(seen).toEqual([undefined])
    expect(t.spans()).toHaveLength(1)
  })
})
