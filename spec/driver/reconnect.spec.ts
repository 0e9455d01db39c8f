/**
 * Fail fast, recover fast: a gateway that refuses connections is reported at once (not at the
 * deadline), and once it listens again the same connection uses it within about a second. The
 * measured times are printed, not asserted (timing assertions flake on a shared machine); what is
 * asserted is the contract: an error before the deadline, and recovery without a new connection.
 */
import { firstValueFrom } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import { connect } from '../../lib/driver/index.js'
import { UnavailableError, isUnsent } from '../../lib/ojai/errors.js'
import { type TestGateway, startTestGateway } from './helpers/gateway.js'

async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
    return 'ok'
  } catch (error) {
    return error
  }
}

describe('refused gateway, then back', () => {
  let gateway: TestGateway | undefined
  afterEach(async () => {
    await gateway?.close()
  })

  it('errors promptly while refused and reconnects on its own once the gateway is back', async () => {
    const first = await startTestGateway()
    const port = first.port
    await first.close()

    const deadlineMs = 5000
    const connection = connect(`127.0.0.1:${port}?ssl=false`, { deadlineMs })
    try {
      const refusedTimes: number[] = []
      const outageEnd = Date.now() + 3000 // long enough for the reconnect backoff to reach its cap
      while (Date.now() < outageEnd) {
        const started = performance.now()
        const error = await outcome(firstValueFrom(connection.ping()))
        refusedTimes.push(performance.now() - started)
        expect(error).toBeInstanceOf(UnavailableError)
        expect(isUnsent(error)).toBe(true)
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(Math.max(...refusedTimes)).toBeLessThan(deadlineMs)

      gateway = await startTestGateway({ port })
      const back = performance.now()
      let attempts = 0
      let result: unknown
      do {
        attempts++
        result = await outcome(firstValueFrom(connection.ping(), { defaultValue: undefined }))
        if (result !== 'ok') await new Promise((r) => setTimeout(r, 10))
      } while (result !== 'ok' && performance.now() - back < 10_000)
      const reconnectMs = performance.now() - back
      expect(result).toBe('ok')

      const sorted = [...refusedTimes].sort((a, b) => a - b)
      console.log(
        `[driver] refused port: ${refusedTimes.length} calls, first ${refusedTimes[0]?.toFixed(1)} ms, median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, max ${sorted[sorted.length - 1]?.toFixed(1)} ms; ` +
          `reconnected ${reconnectMs.toFixed(0)} ms after the gateway came back (${attempts} pings)`,
      )
    } finally {
      connection.close()
    }
  })
})
