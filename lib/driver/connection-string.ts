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
import { DEFAULT_PORT } from '../proto/constants.js'
import { didYouMean } from '../ojai/suggest.js'

/**
 * The gateway's default port: a connection string without a port connects here.
 * @category Internals
 */
export const DEFAULT_GATEWAY_PORT = DEFAULT_PORT

const PREFIX = 'ojai:mapr:thin:v1@'

/**
 * The options the grammar knows, spelled as the official clients spell them.
 * @category Internals
 */
export const CONNECTION_OPTIONS = ['auth', 'user', 'password', 'ssl', 'sslCA', 'sslTargetNameOverride'] as const
type OptionName = (typeof CONNECTION_OPTIONS)[number]

/** Options whose values are credentials: never quoted, logged or shown. */
const SECRET_OPTIONS: ReadonlySet<string> = new Set(['user', 'password'])

/**
 * The longest `user:password` accepted, in UTF-8 bytes. The credentials travel base64-encoded in
 * the `authorization` header, and servers cap the headers of a request (grpc-java: 8 KiB in all);
 * a longer pair would be refused by the gateway on every call, so it is refused here instead.
 * @category Internals
 */
export const MAX_CREDENTIALS_BYTES = 4096

/** What a secret looks like in messages, logs and object dumps. */
export const HIDDEN = '***'

/**
 * A parsed, validated connection string.
 * @category Client
 */
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

/** @category Client */
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
  /**
   * How much of the part may be a credential: the value of any option but those known to hold no
   * secret, or the whole part when it continues one (a raw `;` or `&` inside a password splits
   * it) or is one written with the `=` forgotten (`password:s3cret`).
   */
  readonly secret: 'none' | 'value' | 'all'
}

/** The options text as written: parts and the separators between them. */
type QueryToken = { readonly separator: string } | { readonly text: string; readonly option: RawOption }

/** A connection string cut into its parts, before any validation. */
interface Pieces {
  /** The `ojai:mapr:thin:v1@` prefix as written, or `''`. */
  readonly prefix: string
  /** Everything before `?`, prefix stripped. */
  readonly authority: string
  /** The text after `?`, or undefined when there is none. */
  readonly query: string | undefined
  readonly tokens: readonly QueryToken[]
  /** The non-empty parts of the options. */
  readonly options: readonly RawOption[]
}

function split(text: string): Pieces {
  const trimmed = text.trim()
  const prefix = trimmed.toLowerCase().startsWith(PREFIX) ? trimmed.slice(0, PREFIX.length) : ''
  const withoutPrefix = trimmed.slice(prefix.length)
  const question = withoutPrefix.indexOf('?')
  const authority = question < 0 ? withoutPrefix : withoutPrefix.slice(0, question)
  const query = question < 0 ? undefined : withoutPrefix.slice(question + 1)
  const tokens = query === undefined ? [] : tokenize(query)
  const options = tokens.flatMap((t) => ('option' in t ? [t.option] : []))
  return { prefix, authority, query, tokens, options }
}

function tokenize(query: string): QueryToken[] {
  const tokens: QueryToken[] = []
  let inSecret = false
  for (const text of query.split(/([;&])/)) {
    if (text === ';' || text === '&' || text === '') {
      tokens.push({ separator: text })
      continue
    }
    const eq = text.indexOf('=')
    const name = eq < 0 ? text : text.slice(0, eq)
    const value = eq < 0 ? undefined : text.slice(eq + 1)
    const head = name.split(/[^A-Za-z0-9%]/)[0] ?? ''
    let secret: RawOption['secret'] = 'none'
    // Only the values of the options known to hold no secret are shown; a misspelled "passwd" or
    // any other unknown option may well hold one.
    if (inSecret && (value === undefined || !isOptionName(name))) secret = 'all'
    else if (value !== undefined && !isPublicName(name)) secret = 'value'
    else if (value === undefined && head !== name && isSecretName(head)) secret = 'all'
    inSecret = secret !== 'none'
    tokens.push({ text, option: { name, value, secret } })
  }
  return tokens
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

/** A name of an option whose value is no secret (`ssl`, `sslCA`...), in any case or encoding. */
function isPublicName(rawName: string): boolean {
  return isOptionName(rawName) && !isSecretName(rawName)
}

/** A name of the grammar in any case or encoding: where a password split by a raw `;` ends. */
function isOptionName(rawName: string): boolean {
  const name = decodeLeniently(rawName).toLowerCase()
  return CONNECTION_OPTIONS.some((known) => known.toLowerCase() === name)
}

/** A span of the string after the prefix, `[start, end)`. */
type Span = readonly [number, number]

/**
 * The spans of the string (after the prefix) that may hold a credential: the values of every
 * option but those known to hold none, parts that continue one, and everything before the `@`
 * of credentials written in front of the host. Sorted and merged.
 */
function secretSpans(pieces: Pieces): Span[] {
  const spans: Span[] = []
  let offset = pieces.authority.length + 1
  for (const token of pieces.tokens) {
    if ('separator' in token) {
      offset += token.separator.length
      continue
    }
    const { name, secret } = token.option
    if (secret === 'value') spans.push([offset + name.length + 1, offset + token.text.length])
    if (secret === 'all') spans.push([offset, offset + token.text.length])
    offset += token.text.length
  }
  const at = userInfoEnd(pieces)
  if (at >= 0) spans.push([0, at])
  spans.sort((x, y) => x[0] - y[0])
  const merged: [number, number][] = []
  for (const [start, end] of spans) {
    const last = merged[merged.length - 1]
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end)
    else if (end > start) merged.push([start, end])
  }
  return merged
}

/** `text[from, to)` with every secret span in it shown as `***`. */
function render(text: string, spans: readonly Span[], from = 0, to = text.length): string {
  let out = ''
  let at = from
  for (const [start, end] of spans) {
    if (end <= from || start >= to) continue
    out += text.slice(at, Math.max(start, from)) + HIDDEN
    at = Math.min(end, to)
  }
  return out + text.slice(at, to)
}

/**
 * Every spelling of a credential the string holds, for messages that quote a part of it: the text
 * of each secret span and its longer pieces between separators, as written and decoded. Longest
 * first, so a secret that contains another is hidden whole.
 */
function secretsOf(pieces: Pieces): string[] {
  const text = afterPrefix(pieces)
  const secrets = new Set<string>()
  const add = (spelling: string) => {
    for (const form of [spelling, decodeLeniently(spelling)]) if (form !== '') secrets.add(form)
  }
  for (const [start, end] of secretSpans(pieces)) {
    const secret = text.slice(start, end)
    add(secret)
    // Its pieces too (a message may quote one part of it), unless too short to give anything away
    // and common enough to garble a message ("a" would hide every "a" in a host name).
    for (const piece of secret.split(/[:?;&=@]/)) if (piece.length >= 3) add(piece)
  }
  return [...secrets].sort((a, b) => b.length - a.length)
}

/**
 * Where credentials written in front of the host (`user:password@host`) end: the last `@` that is
 * not inside the value of an option of the grammar, since the grammar has no other place for one.
 * Whatever the credentials hold (`?`, `;`, `=`...), everything before that `@` is theirs. -1 when
 * there is none.
 */
function userInfoEnd(pieces: Pieces): number {
  let end = pieces.authority.lastIndexOf('@')
  let offset = pieces.authority.length + 1
  for (const token of pieces.tokens) {
    if ('separator' in token) {
      offset += token.separator.length
      continue
    }
    const { name, value, secret } = token.option
    const valueStart = value !== undefined && secret !== 'all' && isOptionName(name) ? name.length + 1 : Infinity
    for (let i = token.text.indexOf('@'); i >= 0 && i < valueStart; i = token.text.indexOf('@', i + 1)) end = offset + i
    offset += token.text.length
  }
  return end
}

/** The string after the prefix, as written. */
function afterPrefix(pieces: Pieces): string {
  return pieces.query === undefined ? pieces.authority : `${pieces.authority}?${pieces.query}`
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
    const value = decode(part.value, `value of option "${name}"`, q, SECRET_OPTIONS.has(name))
    const control = CONTROL.exec(value)
    if (control !== null)
      fail(`the value of option "${name}" holds a control character (${codePoint(control[0])}, percent-encoded): remove it`)
    options.set(name, value)
  })
  return options
}

// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f]/

function codePoint(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
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
    if (colon >= 0 && text.indexOf(':') !== colon)
      fail(`host ${q.quote(text)} looks like an IPv6 address; write it in brackets, e.g. "[::1]:5678"`)
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
 * @category Client
 */
export function parseConnectionString(text: string, parse: ParseOptions = {}): ConnectionSettings {
  if (typeof text !== 'string') fail(`the connection string must be a string, got ${text === null ? 'null' : typeof text}`)
  const trimmed = text.trim()
  if (trimmed === '') fail('the connection string is empty (expected e.g. "localhost:5678?ssl=false")')
  if (/\s/.test(trimmed)) fail('the connection string contains white space (percent-encode it, e.g. "%20")')
  const control = CONTROL.exec(trimmed)
  // Its position only: the character may sit inside a password.
  if (control !== null)
    fail(`the connection string contains a control character (${codePoint(control[0])}) at position ${control.index + 1}: remove it`)
  const pieces = split(trimmed)
  const q = new Quoter(secretsOf(pieces))
  const { authority } = pieces
  if (authority.includes('://')) fail(`a URL scheme is not part of the grammar; expected [${PREFIX}]host[:port][?options]`)
  const at = userInfoEnd(pieces)
  if (at >= 0) {
    const rest = afterPrefix(pieces)
    const hostEnd = rest.indexOf('?', at)
    const shown = `${HIDDEN}@${render(rest, secretSpans(pieces), at + 1, hostEnd < 0 ? rest.length : hostEnd)}`
    fail(
      `unexpected "@" in ${JSON.stringify(shown)}: the only prefix allowed is "${PREFIX}"; put credentials in the user and password options`,
    )
  }
  if (authority.includes('/')) fail(`unexpected "/" in ${q.quote(authority)}: expected host[:port]`)
  const { host, port, target } = parseAuthority(authority, q)
  const options = parseOptions(pieces.options, q)

  const sslText = options.get('ssl')
  if (sslText !== undefined && sslText !== 'true' && sslText !== 'false')
    fail(`option "ssl" must be "true" or "false", got ${q.quote(sslText)}`)
  const ssl = sslText !== 'false'
  const sslCA = options.get('sslCA') || undefined
  if (ssl && sslCA === undefined && parse.caProvided !== true) {
    fail('option "sslCA" must name a PEM file of trusted certificates when ssl is on (the default); add sslCA=<file> or ssl=false')
  }

  const authText = options.get('auth')
  if (authText !== undefined && authText !== 'basic')
    fail(`option "auth": only "basic" authentication is supported, got ${q.quote(authText)}`)
  const user = options.get('user')
  const password = options.get('password')
  const wantsAuth = authText === 'basic' || user !== undefined || password !== undefined
  if (wantsAuth && (!user || !password)) {
    const missing = !user && !password ? 'user and password' : !user ? 'user' : 'password'
    fail(`${missing} must be specified when auth is basic (both user and password, non-empty)`)
  }
  if (user !== undefined && user.includes(':')) fail('option "user" must not contain ":" (basic credentials are split at the first ":")')
  if (user !== undefined && password !== undefined && Buffer.byteLength(`${user}:${password}`, 'utf8') > MAX_CREDENTIALS_BYTES) {
    fail(
      `user and password together must be at most ${MAX_CREDENTIALS_BYTES} bytes (UTF-8): they travel in a request header, which gateways cap`,
    )
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
 * The connection string with every credential replaced by `***`, safe to log, going by the parsed
 * options rather than a pattern: the values of every option but `auth`, `ssl`, `sslCA` and
 * `sslTargetNameOverride` (so `password`, `p%61ssword` and a misspelled `passwd` alike), parts a
 * raw `;` split off a password, and anything written in front of the host with an `@`. Works on
 * strings that do not parse, too; the text is trimmed.
 * @category Client
 */
export function redactConnectionString(text: string): string {
  if (typeof text !== 'string') return ''
  const pieces = split(text)
  return `${pieces.prefix}${render(afterPrefix(pieces), secretSpans(pieces))}`
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
    ...(settings.sslTargetNameOverride === undefined
      ? []
      : [`sslTargetNameOverride=${encodeURIComponent(settings.sslTargetNameOverride)}`]),
  ]
  return `${settings.target}?${options.join(';')}`
}
