/**
 * Connections heal: an attempt that never finishes is abandoned at `connectTimeoutMs` (grpc-js has
 * no such bound), and an established connection that stops answering is closed by keepalive and
 * replaced. Each test runs without a call deadline (`deadlineMs: Infinity`), so a call that ends
 * at all was ended by the mechanism under test, never by the deadline; how long it took is
 * printed, not asserted. What is asserted is the contract: typed errors (unsent only when nothing
 * was sent), no socket left behind, and recovery on the same Connection.
 */
import { firstValueFrom } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import { FaultProxy } from '../../lib/chaos/fault-proxy.js'
import { type Connection, connect } from '../../lib/driver/index.js'
import { UnavailableError, isUnsent } from '../../lib/ojai/errors.js'
import { failure } from '../support/observables.js'
import { type TestGateway, startTestGateway } from './helpers/gateway.js'
import { captureLog } from './helpers/log-capture.js'
import { holdingListener } from './helpers/ports.js'
import { until } from './helpers/until.js'

/** Pings until one succeeds (each bounded by 500 ms); the time it took. */
async function firstSuccess(connection: Connection, boundMs: number): Promise<number> {
  const started = performance.now()
  for (;;) {
    const ok = await firstValueFrom(connection.ping({ timeoutMs: 500 })).then(
      () => true,
      () => false,
    )
    if (ok) return performance.now() - started
    if (performance.now() - started > boundMs) throw new Error(`no successful call within ${boundMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('connections heal', () => {
  const cleanup: (() => unknown)[] = []
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
  })

  async function gateway(): Promise<TestGateway> {
    const gw = await startTestGateway()
    cleanup.push(() => gw.close())
    return gw
  }

  it('a listener that accepts and never answers: calls fail unsent by connectTimeoutMs (there is no deadline), the client closes the socket, the same connection works once the listener answers', async () => {
    const gw = await gateway()
    const listener = await holdingListener(gw.port)
    cleanup.push(() => listener.close())
    const log = captureLog()
    const connectTimeoutMs = 1000
    // No call deadline: only the connect timeout can end these calls.
    const connection = connect(`127.0.0.1:${listener.port}?ssl=false`, { deadlineMs: Infinity, connectTimeoutMs, logger: log.logger })
    cleanup.push(() => connection.close())

    const started = performance.now()
    const errors = await Promise.all([failure(connection.ping()), failure(connection.store('/t').insertOrReplace({ _id: 'x' }))])
    const failedAfterMs = performance.now() - started
    for (const error of errors) {
      expect(error).toBeInstanceOf(UnavailableError)
      expect(isUnsent(error)).toBe(true) // no stream was ever created: even the write may go elsewhere
    }
    // What ended them: the connect timer, the only source of this line.
    expect(log.lines()).toContainEqual(expect.objectContaining({ msg: 'connection attempt timed out', connectTimeoutMs }))
    await until(() => listener.held().closedByClient === listener.held().accepted, 'the client to close the held connection')

    listener.forward()
    const recoveredMs = await firstSuccess(connection, 20_000)
    console.log(
      `[driver] accepting-but-silent listener: calls failed after ${failedAfterMs.toFixed(0)} ms (connectTimeoutMs ${connectTimeoutMs}, no deadline); first success ${recoveredMs.toFixed(0)} ms after it started forwarding`,
    )
  }, 60_000)

  it('keepalive closes an established connection that stops answering: the call in flight, which has no deadline, fails as an outage (not unsent), and the connection recovers', async () => {
    const gw = await gateway()
    const proxy = new FaultProxy({ target: { port: gw.port } })
    await proxy.listen()
    cleanup.push(() => proxy.close())
    // No call deadline, and the connection is established before the cut: only keepalive can end the call in flight.
    const connection = connect(`127.0.0.1:${proxy.port}?ssl=false`, {
      deadlineMs: Infinity,
      connectTimeoutMs: 1000,
      channelOptions: { 'grpc.keepalive_time_ms': 500, 'grpc.keepalive_timeout_ms': 500 },
    })
    cleanup.push(() => connection.close())
    await firstValueFrom(connection.ping())

    await proxy.setMode({ kind: 'blackhole' })
    const started = performance.now()
    const inFlight = await failure(connection.ping())
    const detectedMs = performance.now() - started
    expect(inFlight).toBeInstanceOf(UnavailableError)
    expect(isUnsent(inFlight)).toBe(false) // it had been sent

    await proxy.setMode({ kind: 'pass' })
    const recoveredMs = await firstSuccess(connection, 20_000)
    console.log(
      `[driver] black-holed connection: the call in flight failed after ${detectedMs.toFixed(0)} ms (keepalive 500 + 500 ms, no deadline); first success ${recoveredMs.toFixed(0)} ms after the network healed`,
    )
  }, 60_000)
})
