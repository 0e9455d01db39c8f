import { describe, expect, it } from 'vitest'
import { parseConnectionString, redactConnectionString } from '../../lib/driver/connection-string.js'
import { InvalidConnectionStringError } from '../../lib/ojai/errors.js'

function rejects(text: string, message: RegExp): void {
  let caught: unknown
  try {
    parseConnectionString(text)
  } catch (error) {
    caught = error
  }
  expect(caught, text).toBeInstanceOf(InvalidConnectionStringError)
  expect((caught as Error).message, text).toMatch(message)
}

describe('parseConnectionString', () => {
  it('applies the official defaults: port 5678, TLS on, basic auth', () => {
    const s = parseConnectionString('gw.example.com?sslCA=/etc/ca.pem;user=mapr;password=mapr')
    expect(s).toMatchObject({
      host: 'gw.example.com',
      port: 5678,
      target: 'gw.example.com:5678',
      ssl: true,
      sslCA: '/etc/ca.pem',
      auth: 'basic',
      user: 'mapr',
      password: 'mapr',
    })
    expect(s.sslTargetNameOverride).toBeUndefined()
  })

  it('strips the ojai:mapr:thin:v1@ prefix', () => {
    const s = parseConnectionString('ojai:mapr:thin:v1@localhost:5679?ssl=false')
    expect(s.target).toBe('localhost:5679')
    expect(s.ssl).toBe(false)
  })

  it('reads every option of the grammar', () => {
    const s = parseConnectionString('10.0.0.1:1234?auth=basic;user=alice;password=pw;ssl=true;sslCA=ca.pem;sslTargetNameOverride=gw.local')
    expect(s).toEqual({
      host: '10.0.0.1',
      port: 1234,
      target: '10.0.0.1:1234',
      auth: 'basic',
      user: 'alice',
      password: 'pw',
      ssl: true,
      sslCA: 'ca.pem',
      sslTargetNameOverride: 'gw.local',
    })
  })

  it('sends no credentials when neither user nor password is given', () => {
    const s = parseConnectionString('localhost?ssl=false')
    expect(s.auth).toBe('none')
    expect(s.user).toBeUndefined()
  })

  it('percent-decodes each value on its own, so passwords may hold ; & = + % #', () => {
    const s = parseConnectionString('localhost?ssl=false;user=bob;password=a%3Bb%26c%3Dd+e%25f%23g')
    expect(s.password).toBe('a;b&c=d+e%f#g')
  })

  it('accepts & as a separator, as the official client did', () => {
    const s = parseConnectionString('localhost?ssl=false&user=bob&password=x')
    expect(s.user).toBe('bob')
    expect(s.password).toBe('x')
  })

  it('accepts IPv6 in brackets', () => {
    const s = parseConnectionString('[::1]:7000?ssl=false')
    expect(s.host).toBe('::1')
    expect(s.target).toBe('[::1]:7000')
  })

  it('tolerates a trailing separator and surrounding spaces', () => {
    expect(parseConnectionString('  localhost:1?ssl=false;  ').port).toBe(1)
  })

  it('does not require sslCA when the CA comes from the tls option', () => {
    expect(parseConnectionString('localhost', { caProvided: true }).ssl).toBe(true)
  })

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['localhost:0?ssl=false', /port 0 is out of range/],
    ['localhost:70000?ssl=false', /port 70000 is out of range/],
    ['localhost:http?ssl=false', /port "http" is not a number/],
    ['localhost:?ssl=false', /port "" is not a number/],
    [':5678?ssl=false', /host is missing/],
    ['?ssl=false', /host is missing/],
    ['::1:5678?ssl=false', /IPv6 .* brackets/],
    ['[::1?ssl=false', /closing "\]"/],
    ['grpc://localhost:5678?ssl=false', /scheme/],
    ['user@localhost?ssl=false', /unexpected "@"/],
    ['localhost/db?ssl=false', /unexpected "\/"/],
    ['local host?ssl=false', /white space/],
    ['local!host?ssl=false', /not a valid host name/],
    ['localhost?ssl=false;sslca=x', /unknown option "sslca" \(did you mean "sslCA"\?\)/],
    ['localhost?ssl=false;pasword=x', /unknown option "pasword" \(did you mean "password"\?\)/],
    ['localhost?ssl=false;timeout=5', /unknown option "timeout" \(known options: /],
    ['localhost?ssl=false;ssl=true', /given twice/],
    ['localhost?ssl=false;user', /option "user" has no value/],
    ['localhost?ssl=false;password:Hunter2', /option number 2 has no value/],
    ['localhost?ssl=yes', /"ssl" must be "true" or "false", got "yes"/],
    ['localhost?ssl=True;sslCA=x', /"ssl" must be "true" or "false", got "True"/],
    ['localhost', /sslCA.*must name a PEM file/],
    ['localhost?ssl=true;sslCA=', /sslCA.*must name a PEM file/],
    ['localhost?ssl=false;auth=kerberos', /only "basic" authentication is supported, got "kerberos"/],
    ['localhost?ssl=false;auth=basic', /user and password must be specified/],
    ['localhost?ssl=false;user=bob', /^password must be specified/],
    ['localhost?ssl=false;password=x', /^user must be specified/],
    ['localhost?ssl=false;user=;password=x', /^user must be specified/],
    ['localhost?ssl=false;user=a:b;password=x', /must not contain ":"/],
    ['localhost?ssl=false;user=bob;password=%E0%A4%A', /not valid percent-encoding/],
  ])('rejects %j', (text, message) => {
    rejects(text, message)
  })

  it('checks in the official order: sslCA before auth before user/password', () => {
    rejects('localhost?auth=kerberos', /sslCA/)
    rejects('localhost?ssl=false;auth=kerberos;user=x', /only "basic"/)
  })

  it('rejects a value that is not a string', () => {
    expect(() => parseConnectionString(42 as unknown as string)).toThrow(InvalidConnectionStringError)
  })
})

describe('redactConnectionString', () => {
  it('hides user and password and keeps the rest as written', () => {
    expect(redactConnectionString('h:1?user=u;password=s3cret;ssl=false')).toBe('h:1?user=***;password=***;ssl=false')
    expect(redactConnectionString('ojai:mapr:thin:v1@h:1?password=s3cret&user=u;;')).toBe('ojai:mapr:thin:v1@h:1?password=***&user=***;;')
  })

  it('goes by the decoded option name, so no spelling of "password" slips through', () => {
    expect(redactConnectionString('h:1?p%61ssword=s3cret;PASSWORD=x;%75ser=bob')).toBe('h:1?p%61ssword=***;PASSWORD=***;%75ser=***')
  })

  it('hides credentials written before an @ and a password with a forgotten "="', () => {
    expect(redactConnectionString('mapr:Hunter2@h:1?ssl=false')).toBe('***@h:1?ssl=false')
    expect(redactConnectionString('h:1?user=bob;password:Hunter2')).toBe('h:1?user=***;***')
  })
})
