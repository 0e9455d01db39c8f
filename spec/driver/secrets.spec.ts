/**
 * Credentials never leave through objects, logs or messages. For generated users and passwords
 * (holding `;&=#%+@:` and written in every spelling: raw, percent-encoded, fully percent-encoded,
 * in front of the host), nothing the library shows contains them: `util.inspect` and
 * `JSON.stringify` of every public object (Connection, DocumentStore, FailoverStore), every error
 * a connection string or a call can produce, and the debug log.
 */
import { inspect } from 'node:util'
import * as grpc from '@grpc/grpc-js'
import fc from 'fast-check'
import { firstValueFrom } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuthSession } from '../../lib/driver/auth.js'
import { type Connection, connect, connectFailover, parseConnectionString, redactConnectionString } from '../../lib/index.js'
import { failure } from '../support/observables.js'
import { captureLog } from './helpers/log-capture.js'
import { closedPort } from './helpers/ports.js'
import { ScriptedServer } from './helpers/scripted-server.js'

const SPECIAL = [';', '&', '=', '#', '%', '+', '@', ':', '?', '/', ' ', 'é']

/**
 * A credential: a distinctive core of 10 or more letters and digits (any echo of the value, however
 * encoded, keeps it) with special characters around it.
 */
const credential = fc
  .tuple(
    fc.stringMatching(/^[A-Za-z0-9]{0,3}$/),
    fc.array(fc.constantFrom(...SPECIAL), { minLength: 1, maxLength: 4 }),
    fc.stringMatching(/^[A-Z][a-z0-9]{9,14}$/),
    fc.array(fc.constantFrom(...SPECIAL), { maxLength: 3 }),
  )
  .map(([head, specials, core, tail]) => ({ value: `${head}${specials.join('')}${core}${tail.join('')}`, core }))

/** How the value is written in the string. */
const spelling = fc.constantFrom('encoded', 'fully-encoded', 'lower-hex', 'raw') as fc.Arbitrary<
  'encoded' | 'fully-encoded' | 'lower-hex' | 'raw'
>

function spell(value: string, how: 'encoded' | 'fully-encoded' | 'lower-hex' | 'raw'): string {
  if (how === 'raw') return value
  if (how === 'encoded') return encodeURIComponent(value)
  const hex = [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')
  return how === 'lower-hex' ? hex : hex.toUpperCase()
}

/** How the credentials sit in the string, and what else is wrong with it (or nothing). */
const layout = fc.record({
  userName: fc.constantFrom('user', 'User', '%75ser'),
  passwordName: fc.constantFrom('password', 'PASSWORD', 'p%61ssword', 'passwd'),
  inFront: fc.boolean(),
  flaw: fc.constantFrom('none', 'bad port', 'bad ssl', 'bad auth', 'no sslCA', 'unknown option', 'no value', 'white space', 'no user'),
})

/** Every form a leak could take. */
function secretForms(
  user: { value: string; core: string },
  password: { value: string; core: string },
  written: readonly string[],
): string[] {
  const basic = Buffer.from(`${user.value}:${password.value}`, 'utf8').toString('base64')
  return [user.core, password.core, user.value, password.value, encodeURIComponent(password.value), basic, ...written].filter(
    (f) => f.length >= 6,
  )
}

function expectNoSecret(text: string, forms: readonly string[], where: string): void {
  for (const form of forms) expect(text.includes(form), `${where} contains ${JSON.stringify(form)}: ${text}`).toBe(false)
}

/** Dumps, JSON and a failed call of a connection and its store hold none of `forms`; closes it. */
async function expectQuietConnection(connection: Connection, forms: readonly string[]): Promise<void> {
  try {
    const store = connection.store('/t')
    for (const [what, t] of [
      ['inspect(connection)', inspect(connection, { depth: 10, showHidden: true })],
      ['JSON of the connection', JSON.stringify(connection)],
      ['connection.info', inspect(connection.info)],
      ['inspect(store)', inspect(store, { depth: 10, showHidden: true })],
      ['JSON of the store', JSON.stringify(store)],
    ] as const) {
      expectNoSecret(t, forms, what)
    }
    for (const t of errorTexts(await failure(store.findById('k')))) expectNoSecret(t, forms, 'a call error')
  } finally {
    connection.close()
  }
}

function errorTexts(error: unknown): string[] {
  return [
    String(error),
    inspect(error, { depth: 10 }),
    JSON.stringify(error) ?? '',
    inspect((error as { cause?: unknown } | undefined)?.cause, { depth: 10 }),
  ]
}

describe('secrets', () => {
  let refusedPort: number
  beforeAll(async () => {
    refusedPort = await closedPort()
  })

  it('never appear in connection-string errors, object dumps, JSON, call errors or the debug log (property)', async () => {
    await fc.assert(
      fc.asyncProperty(credential, credential, spelling, spelling, layout, async (user, password, userSpelling, passwordSpelling, l) => {
        const u = spell(user.value, userSpelling)
        const p = spell(password.value, passwordSpelling)
        const host = `127.0.0.1:${l.flaw === 'bad port' ? 'x1' : refusedPort}`
        const options = [
          l.flaw === 'no sslCA' ? '' : `ssl=${l.flaw === 'bad ssl' ? 'maybe' : 'false'}`,
          l.flaw === 'bad auth' ? 'auth=kerberos' : '',
          l.flaw === 'unknown option' ? 'timeout=5' : '',
          l.flaw === 'no value' ? 'sslCA' : '',
          l.inFront || l.flaw === 'no user' ? '' : `${l.userName}=${u}`,
          l.inFront ? '' : `${l.passwordName}=${p}`,
        ].filter((o) => o !== '')
        const text = `${l.inFront ? `${u}:${p}@` : ''}${host}${l.flaw === 'white space' ? ' ' : ''}?${options.join(';')}`
        const forms = secretForms(user, password, [u, p])

        expectNoSecret(redactConnectionString(text), forms, 'redactConnectionString')
        const log = captureLog()
        let connection: Connection
        try {
          connection = connect(text, { logger: log.logger, deadlineMs: 2000 })
        } catch (error) {
          for (const t of errorTexts(error)) expectNoSecret(t, forms, 'the connect error')
          return
        }
        await expectQuietConnection(connection, forms)
        expectNoSecret(log.text(), forms, 'the debug log')
      }),
      { numRuns: 150 },
    )
  }, 120_000)

  it('a connection from a valid string shows none in dumps, JSON, call errors or the debug log (property)', async () => {
    const encodedSpelling = fc.constantFrom('encoded', 'fully-encoded', 'lower-hex') as fc.Arbitrary<
      'encoded' | 'fully-encoded' | 'lower-hex'
    >
    await fc.assert(
      fc.asyncProperty(
        credential,
        credential,
        encodedSpelling,
        encodedSpelling,
        fc.constantFrom('user', '%75ser'),
        fc.constantFrom('password', 'p%61ssword'),
        async (user, password, us, ps, userName, passwordName) => {
          const validUser = { value: user.value.replaceAll(':', ''), core: user.core } // a user name cannot hold ":"
          const u = spell(validUser.value, us)
          const p = spell(password.value, ps)
          const log = captureLog()
          const connection = connect(`127.0.0.1:${refusedPort}?ssl=false;${userName}=${u};${passwordName}=${p}`, {
            logger: log.logger,
            deadlineMs: 2000,
          })
          const forms = secretForms(validUser, password, [u, p])
          await expectQuietConnection(connection, forms)
          expectNoSecret(log.text(), forms, 'the debug log')
        },
      ),
      { numRuns: 60 },
    )
  }, 120_000)

  it('a FailoverStore shows none, in inspect or JSON (property)', async () => {
    await fc.assert(
      fc.asyncProperty(credential, credential, async (user, password) => {
        const forms = secretForms(user, password, [])
        const userName = user.value.replaceAll(':', '') // a user name cannot hold ":"
        const cs = (port: number) =>
          `127.0.0.1:${port}?ssl=false;user=${encodeURIComponent(userName)};password=${encodeURIComponent(password.value)}`
        const store = connectFailover({ clusters: [cs(refusedPort), cs(refusedPort + 1)], table: '/t' })
        try {
          expectNoSecret(inspect(store, { depth: Infinity, showHidden: true }), [...forms, userName], 'inspect(failoverStore)')
          let json: string
          try {
            json = JSON.stringify(store)
          } catch (error) {
            json = String(error)
          }
          expectNoSecret(json, [...forms, userName], 'JSON of the failoverStore')
        } finally {
          store.close()
        }
      }),
      { numRuns: 20 },
    )
  }, 60_000)

  it('connection-string errors hide credentials but still say what to fix', () => {
    const cases: [string, RegExp][] = [
      ['mapr:Hunter2Secret@127.0.0.1:5678?ssl=false', /unexpected "@" in "\*\*\*@127\.0\.0\.1:5678"/],
      ['127.0.0.1?ssl=false;user=bob;password=s3cr%tValue', /value of option "password" is not valid percent-encoding/],
      ['127.0.0.1?ssl=false;user=bob;password=Hunter2Secret;ssl=maybe', /given twice/],
      ['127.0.0.1?ssl=maybe;user=bob;password=Hunter2Secret', /"ssl" must be "true" or "false", got "maybe"/],
      ['mapr:Hunter2?Secret@h', /unexpected "@"/],
    ]
    for (const [text, message] of cases) {
      let caught: unknown
      try {
        parseConnectionString(text)
      } catch (error) {
        caught = error
      }
      expect(String(caught)).toMatch(message)
      expect(String(caught)).not.toMatch(/Hunter2|Secret|s3cr/)
    }
  })

  describe('tokens and what a gateway echoes', () => {
    let server: ScriptedServer
    const TOKEN = 'tok3nValueFromTheGateway'
    beforeAll(async () => {
      server = await ScriptedServer.start({
        Ping: (call, callback) => {
          const md = new grpc.Metadata()
          md.set('bearer-token', TOKEN)
          call.sendMetadata(md)
          callback(null, {})
        },
        FindById: (_call, callback) => {
          callback({
            code: grpc.status.PERMISSION_DENIED,
            details: `user alice with password Hunter2Secret and token ${TOKEN} may not read`,
          })
        },
      })
    })
    afterAll(async () => {
      await server.close()
    })

    it('the token and the password stay out of dumps, JSON and error messages', async () => {
      const connection = connect(`127.0.0.1:${server.port}?ssl=false;user=alice;password=Hunter2Secret`)
      try {
        await firstValueFrom(connection.ping())
        const error = await failure(connection.store('/t').findById('k'))
        const forms = ['Hunter2Secret', TOKEN, Buffer.from('alice:Hunter2Secret').toString('base64')]
        for (const t of [...errorTexts(error), inspect(connection, { depth: 10 }), JSON.stringify(connection)])
          expectNoSecret(t, forms, 'output')
        expect(String(error)).toContain('may not read') // the rest of the gateway's message is kept
      } finally {
        connection.close()
      }
    })

    it('AuthSession itself shows *** for credentials and token', () => {
      const session = AuthSession.basic('alice', 'Hunter2Secret')
      session.onHeaders(metadataWith(TOKEN))
      expect(inspect(session)).toBe("AuthSession { auth: 'basic', credentials: '***', token: '***' }")
      expect(JSON.stringify(session)).toBe('{"auth":"basic","credentials":"***","token":"***"}')
      expect(session.redact(`x Hunter2Secret y ${TOKEN} z`)).toBe('x *** y *** z')
    })
  })
})

function metadataWith(token: string): grpc.Metadata {
  const md = new grpc.Metadata()
  md.set('bearer-token', token)
  return md
}
