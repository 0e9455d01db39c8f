/**
 * The official OJAI thin-client connection string:
 *
 * ```
 * [ojai:mapr:thin:v1@]<host>[:<port>][?<name>=<value>[;<name>=<value>]...]
 * ```
 *
 * Same defaults and validation order as the official Node.js client (protocol doc 5.6), with
 * these deliberate differences, each so that a string means exactly what it says:
 * - the `ojai:mapr:thin:v1@` prefix is stripped (the official Node client passes it to gRPC);
 * - every name and value is percent-decoded on its own, after splitting, so a password may hold
 *   `;`, `&`, `=`, `#` or `%` when written as `%3B`, `%26`, `%3D`, `%23`, `%25`; `+` stays a plus
 *   (the official client decoded the whole string first and then read `+` as a space);
 * - `&` is accepted as a separator too, because the official client accepted it;
 * - unknown or repeated option names are errors (with a suggestion for near misses) instead of
 *   being ignored, and `ssl` must be `true` or `false` (the official client silently turned TLS
 *   off for any other value, e.g. `ssl=True`);
 * - credentials are optional: with neither `user` nor `password` (and no explicit `auth`) no
 *   authorization header is sent, for gateways running without authentication.
 */
import { InvalidConnectionStringError } from '../ojai/errors.js'

/** The gateway's default port. */
export const DEFAULT_GATEWAY_PORT = 5678

const PREFIX = 'ojai:mapr:thin:v1@'

/** The options the grammar knows, spelled as the official clients spell them. */
export const CONNECTION_OPTIONS = ['auth', 'user', 'password', 'ssl', 'sslCA', 'sslTargetNameOverride'] as const
type OptionName = (typeof CONNECTION_OPTIONS)[number]

/** A parsed, validated connection string. */
export interface ConnectionSettings {
  /** Host name or IP address; an IPv6 address without brackets. */
  readonly host: string
  readonly port: number
  /** `host:port` as gRPC expects it (`[v6]:port` for IPv6). */
  readonly target: string
  /** `basic` when credentials are sent, `none` when no authorization header is sent. */
  readonly auth: 'basic' | 'none'
  readonly user: string | undefined
  readonly password: string | undefined
  /** TLS on (the default, as in the official clients). */
  readonly ssl: boolean
  /** Path of the PEM file with the trusted CA certificates (required when `ssl` is on). */
  readonly sslCA: string | undefined
  /** Host name expected in the server certificate when it differs from `host`. */
  readonly sslTargetNameOverride: string | undefined
}

export interface ParseOptions {
  /**
   * True when the CA comes from elsewhere (the `tls.ca` connect option), so `ssl=true` without
   * `sslCA` is fine.
   */
  readonly caProvided?: boolean
}

function fail(message: string): never {
  throw new InvalidConnectionStringError(message)
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length] ?? 0
}

function suggestion(name: string): string {
  const lower = name.toLowerCase()
  let best: string | undefined
  let bestDistance = Infinity
  for (const known of CONNECTION_OPTIONS) {
    const d = known.toLowerCase() === lower ? 0 : editDistance(lower, known.toLowerCase())
    if (d < bestDistance) {
      best = known
      bestDistance = d
    }
  }
  return best !== undefined && bestDistance <= 2 ? ` (did you mean "${best}"?)` : ` (known options: ${CONNECTION_OPTIONS.join(', ')})`
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return fail(`${what} ${JSON.stringify(text)} is not valid percent-encoding (write "%" itself as "%25")`)
  }
}

function isKnown(name: string): name is OptionName {
  return (CONNECTION_OPTIONS as readonly string[]).includes(name)
}

function parseOptions(text: string): Map<OptionName, string> {
  const options = new Map<OptionName, string>()
  for (const part of text.split(/[;&]/)) {
    if (part === '') continue
    const eq = part.indexOf('=')
    if (eq < 0) fail(`option ${JSON.stringify(decode(part, 'option'))} has no value (write name=value)`)
    const name = decode(part.slice(0, eq), 'option name')
    const value = decode(part.slice(eq + 1), `value of option "${name}":`)
    if (!isKnown(name)) fail(`unknown option ${JSON.stringify(name)}${suggestion(name)}`)
    if (options.has(name)) fail(`option "${name}" is given twice`)
    options.set(name, value)
  }
  return options
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/
const IPV6 = /^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$/

function parseAuthority(text: string): { host: string; port: number; target: string } {
  if (text === '') fail('the host is missing (expected host[:port], e.g. "localhost:5678")')
  let host: string
  let portText: string | undefined
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close < 0) fail(`IPv6 address ${JSON.stringify(text)} lacks its closing "]"`)
    host = text.slice(1, close)
    const rest = text.slice(close + 1)
    if (rest !== '' && !rest.startsWith(':')) fail(`unexpected ${JSON.stringify(rest)} after the IPv6 address`)
    portText = rest === '' ? undefined : rest.slice(1)
    if (!IPV6.test(host) || !host.includes(':')) fail(`host ${JSON.stringify(host)} is not an IPv6 address`)
  } else {
    const colon = text.lastIndexOf(':')
    if (colon >= 0 && text.indexOf(':') !== colon) fail(`host ${JSON.stringify(text)} looks like an IPv6 address; write it in brackets, e.g. "[::1]:5678"`)
    host = colon < 0 ? text : text.slice(0, colon)
    portText = colon < 0 ? undefined : text.slice(colon + 1)
    if (host === '') fail(`the host is missing before ":${portText ?? ''}"`)
    if (!HOST_NAME.test(host)) fail(`host ${JSON.stringify(host)} is not a valid host name or IP address`)
  }
  let port = DEFAULT_GATEWAY_PORT
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) fail(`port ${JSON.stringify(portText)} is not a number from 1 to 65535`)
    port = Number(portText)
    if (port < 1 || port > 65535) fail(`port ${portText} is out of range (1 to 65535)`)
  }
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
  return { host, port, target }
}

/**
 * Parses and validates a connection string. Throws {@link InvalidConnectionStringError} naming
 * the bad part. Checks run in the official client's order: `sslCA`, then the auth scheme, then
 * user and password.
 */
export function parseConnectionString(text: string, parse: ParseOptions = {}): ConnectionSettings {
  if (typeof text !== 'string') fail(`the connection string must be a string, got ${text === null ? 'null' : typeof text}`)
  const trimmed = text.trim()
  if (trimmed === '') fail('the connection string is empty (expected e.g. "localhost:5678?ssl=false")')
  if (/\s/.test(trimmed)) fail('the connection string contains white space (percent-encode it, e.g. "%20")')
  const withoutPrefix = trimmed.toLowerCase().startsWith(PREFIX) ? trimmed.slice(PREFIX.length) : trimmed
  if (withoutPrefix.includes('://')) fail(`a URL scheme is not part of the grammar; expected [${PREFIX}]host[:port][?options]`)
  const question = withoutPrefix.indexOf('?')
  const authority = question < 0 ? withoutPrefix : withoutPrefix.slice(0, question)
  if (authority.includes('@')) fail(`unexpected "@" in ${JSON.stringify(authority)}: the only prefix allowed is "${PREFIX}"; put credentials in the user and password options`)
  if (authority.includes('/')) fail(`unexpected "/" in ${JSON.stringify(authority)}: expected host[:port]`)
  const { host, port, target } = parseAuthority(authority)
  const options = question < 0 ? new Map<OptionName, string>() : parseOptions(withoutPrefix.slice(question + 1))

  const sslText = options.get('ssl')
  if (sslText !== undefined && sslText !== 'true' && sslText !== 'false') fail(`option "ssl" must be "true" or "false", got ${JSON.stringify(sslText)}`)
  const ssl = sslText !== 'false'
  const sslCA = options.get('sslCA') || undefined
  if (ssl && sslCA === undefined && parse.caProvided !== true) {
    fail('option "sslCA" must name a PEM file of trusted certificates when ssl is on (the default); add sslCA=<file> or ssl=false')
  }

  const authText = options.get('auth')
  if (authText !== undefined && authText !== 'basic') fail(`option "auth": only "basic" authentication is supported, got ${JSON.stringify(authText)}`)
  const user = options.get('user')
  const password = options.get('password')
  const wantsAuth = authText === 'basic' || user !== undefined || password !== undefined
  if (wantsAuth && (!user || !password)) {
    const missing = !user && !password ? 'user and password' : !user ? 'user' : 'password'
    fail(`${missing} must be specified when auth is basic (both user and password, non-empty)`)
  }
  if (user !== undefined && user.includes(':')) fail('option "user" must not contain ":" (basic credentials are split at the first ":")')

  return {
    host,
    port,
    target,
    auth: wantsAuth ? 'basic' : 'none',
    user: wantsAuth ? user : undefined,
    password: wantsAuth ? password : undefined,
    ssl,
    sslCA,
    sslTargetNameOverride: options.get('sslTargetNameOverride') || undefined,
  }
}

/** The connection string with the password replaced, safe to log. */
export function redactConnectionString(text: string): string {
  return text.replace(/((?:^|[?;&])password=)[^;&]*/gi, '$1[Redacted]')
}
