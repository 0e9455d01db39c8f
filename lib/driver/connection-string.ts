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
import { didYouMean } from './suggest.js'

/** The gateway's default port. */
export const DEFAULT_GATEWAY_PORT = 5678

const PREFIX = 'ojai:mapr:thin:v1@'

/** The options the grammar knows, spelled as the official clients spell them. */
export const CONNECTION_OPTIONS = ['auth', 'user', 'password', 'ssl', 'sslCA', 'sslTargetNameOverride'] as const
type OptionName = (typeof CONNECTION_OPTIONS)[number]

/** Options whose values are credentials: never quoted, logged or shown. */
const SECRET_OPTIONS: ReadonlySet<string> = new Set(['user', 'password'])

/**
 * The longest `user:password` accepted, in UTF-8 bytes. The credentials travel base64-encoded in
 * the `authorization` header, and servers cap the headers of a request (grpc-java: 8 KiB in all);
 * a longer pair would be refused by the gateway on every call, so it is refused here instead.
 */
export const MAX_CREDENTIALS_BYTES = 4096

/** What a secret looks like in messages, logs and object dumps. */
export const HIDDEN = '***'

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

/** One `name=value` part of the options, as written (`value` undefined when there is no `=`). */
interface RawOption {
  readonly name: string
  readonly value: string | undefined
}

/** A connection string cut into its parts, before any validation. */
interface Pieces {
  /** The `ojai:mapr:thin:v1@` prefix as written, or `''`. */
  readonly prefix: string
  /** Everything before `?`, prefix stripped. */
  readonly authority: string
  /** The text after `?`, or undefined when there is none. */
  readonly query: string | undefined
  readonly options: readonly RawOption[]
}

function split(text: string): Pieces {
  const trimmed = text.trim()
  const prefix = trimmed.toLowerCase().startsWith(PREFIX) ? trimmed.slice(0, PREFIX.length) : ''
  const withoutPrefix = trimmed.slice(prefix.length)
  const question = withoutPrefix.indexOf('?')
  const authority = question < 0 ? withoutPrefix : withoutPrefix.slice(0, question)
  const query = question < 0 ? undefined : withoutPrefix.slice(question + 1)
  const options = (query === undefined ? [] : query.split(/[;&]/)).filter((part) => part !== '').map(rawOption)
  return { prefix, authority, query, options }
}

function rawOption(part: string): RawOption {
  const eq = part.indexOf('=')
  return eq < 0 ? { name: part, value: undefined } : { name: part.slice(0, eq), value: part.slice(eq + 1) }
}

function decodeLeniently(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function isSecretName(rawName: string): boolean {
  return SECRET_OPTIONS.has(decodeLeniently(rawName).toLowerCase())
}

/**
 * Every spelling of a credential the string holds: the values of `user` and `password` (as
 * written and decoded, whatever their case or encoding of the name), and anything before an `@`
 * in the authority (`user:password@host` is a common mistake). Longest first, so a secret that
 * contains another is hidden whole.
 */
function secretsOf(pieces: Pieces): string[] {
  const secrets = new Set<string>()
  const add = (text: string) => {
    for (const spelling of [text, decodeLeniently(text)]) if (spelling !== '') secrets.add(spelling)
  }
  for (const option of pieces.options) if (option.value !== undefined && isSecretName(option.name)) add(option.value)
  const at = pieces.authority.lastIndexOf('@')
  if (at >= 0) {
    const userInfo = pieces.authority.slice(0, at)
    add(userInfo)
    for (const piece of userInfo.split(':')) add(piece)
  }
  return [...secrets].sort((a, b) => b.length - a.length)
}

/** Quotes parts of the user's text in messages, with every credential it holds replaced by `***`. */
class Quoter {
  constructor(private readonly secrets: readonly string[]) {}

  hide(text: string): string {
    let out = text
    for (const secret of this.secrets) out = out.split(secret).join(HIDDEN)
    return out
  }

  quote(text: string): string {
    return JSON.stringify(this.hide(text))
  }
}

function fail(message: string): never {
  throw new InvalidConnectionStringError(message)
}

function decode(text: string, what: string, q: Quoter, secret = false): string {
  try {
    return decodeURIComponent(text)
  } catch {
    const shown = secret ? '' : ` ${q.quote(text)}`
    return fail(`${what}${shown} is not valid percent-encoding (write "%" itself as "%25")`)
  }
}

function isKnown(name: string): name is OptionName {
  return (CONNECTION_OPTIONS as readonly string[]).includes(name)
}

function parseOptions(raw: readonly RawOption[], q: Quoter): Map<OptionName, string> {
  const options = new Map<OptionName, string>()
  raw.forEach((part, index) => {
    const name = decode(part.name, 'option name', q)
    // Names are checked before values are decoded, so a misspelled "password" never has its
    // value quoted; a part without "=" is quoted only when it is a known name.
    if (part.value === undefined) fail(`option ${isKnown(name) ? q.quote(name) : `number ${index + 1}`} has no value (write name=value)`)
    if (!isKnown(name)) fail(`unknown option ${q.quote(name)}${didYouMean(name, CONNECTION_OPTIONS)}`)
    if (options.has(name)) fail(`option "${name}" is given twice`)
    options.set(name, decode(part.value, `value of option "${name}"`, q, SECRET_OPTIONS.has(name)))
  })
  return options
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/
const IPV6 = /^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$/

function parseAuthority(text: string, q: Quoter): { host: string; port: number; target: string } {
  if (text === '') fail('the host is missing (expected host[:port], e.g. "localhost:5678")')
  let host: string
  let portText: string | undefined
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close < 0) fail(`IPv6 address ${q.quote(text)} lacks its closing "]"`)
    host = text.slice(1, close)
    const rest = text.slice(close + 1)
    if (rest !== '' && !rest.startsWith(':')) fail(`unexpected ${q.quote(rest)} after the IPv6 address`)
    portText = rest === '' ? undefined : rest.slice(1)
    if (!IPV6.test(host) || !host.includes(':')) fail(`host ${q.quote(host)} is not an IPv6 address`)
  } else {
    const colon = text.lastIndexOf(':')
    if (colon >= 0 && text.indexOf(':') !== colon) fail(`host ${q.quote(text)} looks like an IPv6 address; write it in brackets, e.g. "[::1]:5678"`)
    host = colon < 0 ? text : text.slice(0, colon)
    portText = colon < 0 ? undefined : text.slice(colon + 1)
    if (host === '') fail(`the host is missing before ":${q.hide(portText ?? '')}"`)
    if (!HOST_NAME.test(host)) fail(`host ${q.quote(host)} is not a valid host name or IP address`)
  }
  let port = DEFAULT_GATEWAY_PORT
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) fail(`port ${q.quote(portText)} is not a number from 1 to 65535`)
    port = Number(portText)
    if (port < 1 || port > 65535) fail(`port ${portText} is out of range (1 to 65535)`)
  }
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
  return { host, port, target }
}

/**
 * Parses and validates a connection string. Throws {@link InvalidConnectionStringError} naming
 * the bad part. Checks run in the official client's order: `sslCA`, then the auth scheme, then
 * user and password. No message quotes a credential: the values of `user` and `password`, and
 * anything before an `@` in the host part, show as `***`.
 */
export function parseConnectionString(text: string, parse: ParseOptions = {}): ConnectionSettings {
  if (typeof text !== 'string') fail(`the connection string must be a string, got ${text === null ? 'null' : typeof text}`)
  const trimmed = text.trim()
  if (trimmed === '') fail('the connection string is empty (expected e.g. "localhost:5678?ssl=false")')
  if (/\s/.test(trimmed)) fail('the connection string contains white space (percent-encode it, e.g. "%20")')
  const pieces = split(trimmed)
  const q = new Quoter(secretsOf(pieces))
  const { authority } = pieces
  if (authority.includes('://')) fail(`a URL scheme is not part of the grammar; expected [${PREFIX}]host[:port][?options]`)
  if (authority.includes('@')) fail(`unexpected "@" in ${q.quote(authority)}: the only prefix allowed is "${PREFIX}"; put credentials in the user and password options`)
  if (authority.includes('/')) fail(`unexpected "/" in ${q.quote(authority)}: expected host[:port]`)
  const { host, port, target } = parseAuthority(authority, q)
  const options = parseOptions(pieces.options, q)

  const sslText = options.get('ssl')
  if (sslText !== undefined && sslText !== 'true' && sslText !== 'false') fail(`option "ssl" must be "true" or "false", got ${q.quote(sslText)}`)
  const ssl = sslText !== 'false'
  const sslCA = options.get('sslCA') || undefined
  if (ssl && sslCA === undefined && parse.caProvided !== true) {
    fail('option "sslCA" must name a PEM file of trusted certificates when ssl is on (the default); add sslCA=<file> or ssl=false')
  }

  const authText = options.get('auth')
  if (authText !== undefined && authText !== 'basic') fail(`option "auth": only "basic" authentication is supported, got ${q.quote(authText)}`)
  const user = options.get('user')
  const password = options.get('password')
  const wantsAuth = authText === 'basic' || user !== undefined || password !== undefined
  if (wantsAuth && (!user || !password)) {
    const missing = !user && !password ? 'user and password' : !user ? 'user' : 'password'
    fail(`${missing} must be specified when auth is basic (both user and password, non-empty)`)
  }
  if (user !== undefined && user.includes(':')) fail('option "user" must not contain ":" (basic credentials are split at the first ":")')
  if (user !== undefined && password !== undefined && Buffer.byteLength(`${user}:${password}`, 'utf8') > MAX_CREDENTIALS_BYTES) {
    fail(`user and password together must be at most ${MAX_CREDENTIALS_BYTES} bytes (UTF-8): they travel in a request header, which gateways cap`)
  }

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

/**
 * The connection string with every credential replaced by `***`, safe to log: the values of the
 * options whose decoded name is `user` or `password` (in any case or percent-encoding, e.g.
 * `p%61ssword=`), and anything before an `@` in the host part. Works on strings that do not
 * parse, too.
 */
export function redactConnectionString(text: string): string {
  if (typeof text !== 'string') return ''
  const pieces = split(text)
  const at = pieces.authority.lastIndexOf('@')
  const authority = at < 0 ? pieces.authority : `${HIDDEN}${pieces.authority.slice(at)}`
  if (pieces.query === undefined) return `${pieces.prefix}${authority}`
  const query = pieces.query
    .split(/([;&])/)
    .map((part) => {
      if (part === ';' || part === '&' || part === '') return part
      const { name, value } = rawOption(part)
      if (value !== undefined) return isSecretName(name) ? `${name}=${HIDDEN}` : part
      // `password:s3cret` (a "=" forgotten) is hidden whole.
      return isSecretName(name.split(/[^A-Za-z0-9%]/)[0] ?? '') ? HIDDEN : part
    })
    .join('')
  return `${pieces.prefix}${authority}?${query}`
}

/**
 * The settings as a connection string with the credentials shown as `***`: what the driver logs,
 * built from the parsed options (so no spelling of a password can slip through).
 */
export function describeSettings(settings: ConnectionSettings): string {
  const options = [
    ...(settings.auth === 'basic' ? ['auth=basic', `user=${HIDDEN}`, `password=${HIDDEN}`] : []),
    `ssl=${settings.ssl}`,
    ...(settings.sslCA === undefined ? [] : [`sslCA=${encodeURIComponent(settings.sslCA)}`]),
    ...(settings.sslTargetNameOverride === undefined ? [] : [`sslTargetNameOverride=${encodeURIComponent(settings.sslTargetNameOverride)}`]),
  ]
  return `${settings.target}?${options.join(';')}`
}
