import { firstValueFrom } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import { type Connection, connect } from '../../lib/driver/index.js'
import { UnavailableError, isAvailabilityError, isUnsent } from '../../lib/ojai/errors.js'
import { closedPort, silentServer } from './helpers/ports.js'

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the call to fail')
}

describe('a gateway that is not there', () => {
  const cleanup: (() => unknown)[] = []
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c()
  })

  it('connect() returns at once and does not throw', async () => {
    const port = await closedPort()
    const started = performance.now()
    const connection = connect(`127.0.0.1:${port}?ssl=false`)
    cleanup.push(() => connection.close())
    expect(performance.now() - started).toBeLessThan(1000)
    expect(connection.closed).toBe(false)
  })

  it('a refused connection errors within the deadline with an unsent UnavailableError', async () => {
    const port = await closedPort()
    const deadlineMs = 5000
    const connection: Connection = connect(`127.0.0.1:${port}?ssl=false`, { deadlineMs })
    cleanup.push(() => connection.close())
    const store = connection.store('/t')
    for (const attempt of [1, 2]) {
      const started = performance.now()
      const error = await failure(firstValueFrom(store.findById('k')))
      const elapsed = performance.now() - started
      expect(error, `attempt ${attempt}`).toBeInstanceOf(UnavailableError)
      expect(isUnsent(error)).toBe(true)
      expect(isAvailabilityError(error)).toBe(true)
      // The contract: never later than the deadline (in practice a few ms; see the report).
      expect(elapsed).toBeLessThan(deadlineMs)
    }
  })

  it('a server that accepts TCP but never speaks HTTP/2 errors at the deadline, unsent', async () => {
    const silent = await silentServer()
    cleanup.push(() => silent.close())
    const connection = connect(`127.0.0.1:${silent.port}?ssl=false`, { deadlineMs: 300 })
    cleanup.push(() => connection.close())
    const error = await failure(firstValueFrom(connection.ping()))
    expect(error).toBeInstanceOf(UnavailableError)
    expect(isUnsent(error)).toBe(true)
    expect((error as Error).message).toMatch(/within the deadline/)
  })

  it('a per-call timeoutMs overrides the default deadline: with no other limit, it alone ends the call', async () => {
    const silent = await silentServer()
    cleanup.push(() => silent.close())
    // No default deadline and no connect timeout: against a silent server, nothing but the call's own timeoutMs can end a call.
    const connection = connect(`127.0.0.1:${silent.port}?ssl=false`, { deadlineMs: Infinity, connectTimeoutMs: Infinity })
    cleanup.push(() => connection.close())
    const store = connection.store('/t')
    let withoutTimeout: 'waiting' | 'ended' = 'waiting'
    const waiting = store.findById('k').subscribe({
      next: () => (withoutTimeout = 'ended'),
      error: () => (withoutTimeout = 'ended'),
      complete: () => (withoutTimeout = 'ended'),
    })
    cleanup.push(() => waiting.unsubscribe())

    const error = await failure(firstValueFrom(store.findById('k', { timeoutMs: 200 })))
    expect(error).toBeInstanceOf(UnavailableError)
    expect(isUnsent(error)).toBe(true)
    expect((error as Error).message).toMatch(/within the deadline/)
    // The same call without timeoutMs, started first, is still waiting: the deadline that ended the other was its own.
    expect(withoutTimeout).toBe('waiting')
    waiting.unsubscribe()
  })
})
