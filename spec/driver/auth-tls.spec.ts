/**
 * Authentication and TLS against the embedded gateway: wrong credentials, token expiry with
 * transparent re-authentication, TLS trust and host name checks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../lib/driver/index.js'
import { AuthenticationError, InvalidConnectionStringError, UnavailableError, isAvailabilityError } from '../../lib/ojai/errors.js'
import { openedConnections } from './helpers/connections.js'
import { type TestGateway, startTestGateway } from './helpers/gateway.js'
import { localhostCertificate } from './helpers/tls.js'
import { done, failure } from '../support/observables.js'

describe('authentication', () => {
  let now = Date.now()
  let gw: TestGateway
  const { open, closeAll } = openedConnections()
  beforeAll(async () => {
    gw = await startTestGateway({ auth: { user: 'alice', password: 'secret', tokenTtlMs: 60_000 }, clock: () => now })
  })
  afterEach(closeAll)
  afterAll(async () => {
    await gw.close()
  })

  it('rejects a wrong password with AuthenticationError (not an availability error)', async () => {
    const error = await failure(open(`127.0.0.1:${gw.port}?ssl=false;user=alice;password=wrong`).ping())
    expect(error).toBeInstanceOf(AuthenticationError)
    expect(isAvailabilityError(error)).toBe(false)
  })

  it('rejects a client without credentials with AuthenticationError', async () => {
    expect(await failure(open(`127.0.0.1:${gw.port}?ssl=false`).store('/t').findById('x'))).toBeInstanceOf(AuthenticationError)
  })

  it('re-authenticates transparently when the bearer token expired: one logical call, two requests', async () => {
    const c = open(`127.0.0.1:${gw.port}?ssl=false;user=alice;password=secret`)
    const pings = () => gw.gateway.stats().requests.Ping
    await done(c.ping()) // basic, token handed back
    let before = pings()
    await done(c.ping()) // bearer
    expect(pings() - before).toBe(1)
    now += 120_000 // the token is now expired
    before = pings()
    await done(c.ping()) // bearer -> STATUS_TOKEN_EXPIRED -> basic
    expect(pings() - before).toBe(2)
    before = pings()
    await done(c.ping()) // the new token
    expect(pings() - before).toBe(1)
  })
})

describe('TLS', () => {
  let gw: TestGateway
  let dir: string
  let caFile: string
  let cert: string
  const { open: openWith, closeAll } = openedConnections()
  const open = (s: string, tls?: { ca: string }) => openWith(s, tls ? { tls } : {})

  beforeAll(async () => {
    const pems = await localhostCertificate()
    cert = pems.cert
    dir = mkdtempSync(join(tmpdir(), 'driver-tls-'))
    caFile = join(dir, 'ca.pem')
    writeFileSync(caFile, cert)
    const other = await localhostCertificate()
    writeFileSync(join(dir, 'other.pem'), other.cert)
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate')
    gw = await startTestGateway({ tls: { cert: pems.cert, key: pems.key } })
  })
  afterEach(closeAll)
  afterAll(async () => {
    await gw.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('connects with the CA from sslCA and the target name override', async () => {
    await done(open(`127.0.0.1:${gw.port}?sslCA=${encodeURIComponent(caFile)};sslTargetNameOverride=localhost`).ping())
  })

  it('connects with the CA given as the tls.ca option, by host name', async () => {
    await done(open(`localhost:${gw.port}`, { ca: cert }).ping())
  })

  it('refuses a server whose certificate the CA did not sign', async () => {
    const error = await failure(
      open(`127.0.0.1:${gw.port}?sslCA=${encodeURIComponent(join(dir, 'other.pem'))};sslTargetNameOverride=localhost`).ping(),
    )
    expect(error).toBeInstanceOf(UnavailableError)
  })

  it('refuses a certificate for another host name', async () => {
    const error = await failure(
      open(`127.0.0.1:${gw.port}?sslCA=${encodeURIComponent(caFile)};sslTargetNameOverride=gateway.example.com`).ping(),
    )
    expect(error).toBeInstanceOf(UnavailableError)
  })

  it('a plaintext client cannot talk to the TLS gateway', async () => {
    expect(await failure(open(`127.0.0.1:${gw.port}?ssl=false`).ping())).toBeInstanceOf(UnavailableError)
  })

  it('a missing or non-PEM sslCA file fails at connect, naming the file', () => {
    expect(() => connect(`127.0.0.1:${gw.port}?sslCA=${encodeURIComponent(join(dir, 'absent.pem'))}`)).toThrow(InvalidConnectionStringError)
    expect(() => connect(`127.0.0.1:${gw.port}?sslCA=${encodeURIComponent(join(dir, 'absent.pem'))}`)).toThrow(/absent\.pem.*ENOENT/)
    expect(() => connect(`127.0.0.1:${gw.port}?sslCA=${encodeURIComponent(join(dir, 'junk.pem'))}`)).toThrow(/holds no PEM certificate/)
  })
})
