import * as grpc from '@grpc/grpc-js'
import { firstValueFrom } from 'rxjs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FaultProxy } from '../../lib/chaos/fault-proxy.js'
import { connect, type Connection } from '../../lib/driver/index.js'
import { OjaiError, isAvailabilityError, isUnsent } from '../../lib/ojai/errors.js'
import { MapRDbServer } from '../../lib/proto/index.js'

// The proxy's faults as the driver sees them over a real gRPC channel: what the failover core
// relies on (a cut cable is a timeout the request may have passed; a refusal proves it did not).
describe('FaultProxy under the driver', () => {
  let server: grpc.Server
  let port: number
  let pings = 0
  let proxy: FaultProxy
  let connection: Connection

  async function ping(timeoutMs = 300): Promise<unknown> {
    try {
      await firstValueFrom(connection.ping({ timeoutMs }), { defaultValue: undefined })
      return 'ok'
    } catch (error) {
      return error
    }
  }

  beforeEach(async () => {
    pings = 0
    server = new grpc.Server()
    server.addService(MapRDbServer.service, {
      Ping: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
        pings++
        callback(null, {})
      },
    } as unknown as grpc.UntypedServiceImplementation)
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
    )
    proxy = new FaultProxy({ target: { port } })
    await proxy.listen()
    connection = connect(`127.0.0.1:${proxy.port}?ssl=false`)
  })

  afterEach(async () => {
    connection.close()
    await proxy.close()
    server.forceShutdown()
  })

  it('pass: calls go through', async () => {
    expect(await ping()).toBe('ok')
    expect(pings).toBe(1)
  })

  it('blackhole: an availability error that does not prove the request unsent; the same channel works after heal', async () => {
    expect(await ping()).toBe('ok')
    await proxy.blackhole()
    const error = await ping(200)
    expect(isAvailabilityError(error)).toBe(true)
    expect(isUnsent(error)).toBe(false)
    expect(pings).toBe(1)
    await proxy.pass()
    expect(await ping(1000)).toBe('ok')
  })

  it('reset: an availability error', async () => {
    expect(await ping()).toBe('ok')
    await proxy.reset()
    const error = await ping(1000)
    expect(error).toBeInstanceOf(OjaiError)
    expect(isAvailabilityError(error)).toBe(true)
    await proxy.pass()
    let result: unknown
    for (let i = 0; i < 20 && result !== 'ok'; i++) result = await ping(500)
    expect(result).toBe('ok')
  })

  it('refuse: fails fast and proves the request was never sent', async () => {
    await proxy.refuse()
    const started = Date.now()
    const error = await ping(2000)
    expect(isAvailabilityError(error)).toBe(true)
    expect(isUnsent(error)).toBe(true)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(pings).toBe(0)
  })

  it('half-open upstream: the request reaches the server, the answer never arrives', async () => {
    expect(await ping()).toBe('ok')
    await proxy.halfOpen('upstream')
    const error = await ping(300)
    expect(isAvailabilityError(error)).toBe(true)
    expect(isUnsent(error)).toBe(false)
    expect(pings).toBe(2)
  })
})
