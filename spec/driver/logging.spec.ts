import { fileURLToPath } from 'node:url'
import { firstValueFrom } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { connect } from '../../lib/driver/index.js'
import { driverLogger } from '../../lib/driver/logging.js'
import { captureLog as capture } from './helpers/log-capture.js'
import { closedPort } from './helpers/ports.js'
import { runChild } from '../support/child-exit.js'

const NO_LOGGER = fileURLToPath(new URL('./fixtures/child-no-logger.ts', import.meta.url))
/** Bound on one child process: tsx start-up and two failing calls on a busy machine. */
const CHILD_BOUND_MS = 30_000

describe('driver logging', () => {
  it('logs one structured debug line per call and never the password or the basic header', async () => {
    const log = capture()
    const port = await closedPort()
    const password = 'pa;ss+w0rd'
    const connection = connect(`127.0.0.1:${port}?ssl=false;user=alice;password=${encodeURIComponent(password)}`, {
      logger: log.logger,
      deadlineMs: 2000,
    })
    await firstValueFrom(connection.store('/apps/t').findById('k')).catch(() => undefined)
    connection.close()

    const calls = log.lines().filter((l) => l.rpc === 'FindById')
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({
      level: 20,
      component: 'ojai-driver',
      rpc: 'FindById',
      table: '/apps/t',
      outcome: 'error',
      error: 'UNAVAILABLE',
      unsent: true,
    })
    expect(typeof calls[0]?.durationMs).toBe('number')
    const created = log.lines().find((l) => l.msg === 'connection created')
    // Rendered from the parsed settings: credentials hidden whatever their spelling.
    expect(created?.connectionString).toBe(`127.0.0.1:${port}?auth=basic;user=***;password=***;ssl=false`)
    expect(created).not.toHaveProperty('user')

    const text = log.text()
    expect(text).not.toContain(password)
    expect(text).not.toContain('alice')
    expect(text).not.toContain(encodeURIComponent(password))
    expect(text).not.toContain(Buffer.from(`alice:${password}`).toString('base64'))
  })

  it('redacts credentials even if a caller logs them through the driver logger', () => {
    const log = capture()
    const child = driverLogger(log.logger, { target: 'h:1' })
    child.debug(
      { password: 'p1', authorization: 'basic abc', metadata: { authorization: 'bearer t0k' }, headers: { authorization: 'bearer t1k' } },
      'x',
    )
    const text = log.text()
    for (const secret of ['p1', 'basic abc', 't0k', 't1k']) expect(text).not.toContain(secret)
    expect(text).toContain('***')
  })

  it(
    'is silent without a logger: a process that connects, fails its calls and closes prints nothing',
    { timeout: 2 * CHILD_BOUND_MS + 10_000 },
    async () => {
      const port = String(await closedPort())
      const silent = await runChild(NO_LOGGER, [port], CHILD_BOUND_MS).wait()
      expect(silent).toMatchObject({ code: 0, stdout: '', stderr: '' })
      // The same run with a logger is heard: the silence above is the driver's, not the capture's.
      const heard = await runChild(NO_LOGGER, [port, '--logger'], CHILD_BOUND_MS).wait()
      expect(heard.code, heard.stderr).toBe(0)
      expect(heard.stdout).toContain('"rpc":"Ping"')
      expect(heard.stdout).toContain('"rpc":"FindById"')
    },
  )
})
