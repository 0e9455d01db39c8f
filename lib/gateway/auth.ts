/**
 * Gateway authentication (protocol Section 5): basic credentials answered with an opaque bearer
 * token in the response headers, bearer tokens accepted until they expire, basic accepted on
 * every call.
 *
 * Choices where the protocol is silent:
 * - Several `authorization` values (the GO client appends basic after a stale bearer): the call
 *   is accepted if any value is valid, a basic value first.
 * - A token this gateway does not know (issued before a restart, or by another gateway) is
 *   answered like an expired one (`STATUS_TOKEN_EXPIRED`): that is the signal on which every
 *   official client falls back to basic credentials, so a client moving between gateways heals
 *   itself instead of failing.
 * - A basic-authenticated call gets the credential's current token, or a new one when the current
 *   has less than half its lifetime left; the token it replaces stays valid until it expires, so
 *   a credential has at most two live tokens however many calls it makes (memory stays flat).
 *   Bearer calls get no token (harmless either way per Section 5.2).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { TOKEN_EXPIRED } from '../proto/index.js'

/** @category Gateway */
export interface AuthOptions {
  readonly user: string
  readonly password: string
  /** Bearer token lifetime. Default 1 800 000 ms (the gateway's `auth.token.expiration` default, 30 min). */
  readonly tokenTtlMs?: number
}

export type AuthOutcome = { readonly ok: true; readonly token: string | undefined } | { readonly ok: false; readonly details: string }

const DEFAULT_TTL_MS = 1_800_000

interface Token {
  readonly digest: Buffer
  readonly text: string
  readonly expiresAt: number
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

export class Authenticator {
  /** The token basic calls are answered with, and the one it replaced (still valid until it expires). */
  private current: Token | undefined
  private previous: Token | undefined
  private readonly ttlMs: number
  private readonly userDigest: Buffer
  private readonly passwordDigest: Buffer

  constructor(
    options: AuthOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.ttlMs = options.tokenTtlMs ?? DEFAULT_TTL_MS
    this.userDigest = digest(options.user)
    this.passwordDigest = digest(options.password)
  }

  /** Checks the `authorization` metadata values of one call. */
  check(values: readonly (string | Buffer)[]): AuthOutcome {
    if (values.length === 0) return { ok: false, details: 'authorization required: send "authorization: basic <base64(user:password)>"' }
    let sawBasic = false
    for (const raw of values) {
      const value = String(raw)
      if (scheme(value) !== 'basic') continue
      sawBasic = true
      if (this.validBasic(value.slice(6).trim())) return { ok: true, token: this.issue() }
    }
    let sawToken = false
    for (const raw of values) {
      const value = String(raw)
      if (scheme(value) !== 'bearer') continue
      sawToken = true
      if (this.live(value.slice(7).trim())) return { ok: true, token: undefined }
    }
    if (sawBasic) return { ok: false, details: 'invalid user name or password' }
    if (sawToken) return { ok: false, details: TOKEN_EXPIRED }
    return { ok: false, details: 'unsupported authorization scheme: use basic or bearer' }
  }

  /** Number of live tokens (at most two). */
  tokenCount(): number {
    const now = this.now()
    return [this.current, this.previous].filter((t) => t !== undefined && t.expiresAt > now).length
  }

  private validBasic(encoded: string): boolean {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) return false
    const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), this.userDigest)
    const passwordOk = timingSafeEqual(digest(decoded.slice(colon + 1)), this.passwordDigest)
    return userOk && passwordOk
  }

  private live(text: string): boolean {
    const now = this.now()
    const d = digest(text)
    for (const t of [this.current, this.previous]) if (t !== undefined && t.expiresAt > now && timingSafeEqual(d, t.digest)) return true
    return false
  }

  private issue(): string {
    const now = this.now()
    const current = this.current
    if (current !== undefined && current.expiresAt - now > this.ttlMs / 2) return current.text
    const text = randomBytes(24).toString('base64url')
    this.previous = current
    this.current = { text, digest: digest(text), expiresAt: now + this.ttlMs }
    return text
  }
}

function scheme(value: string): string {
  const space = value.indexOf(' ')
  return (space < 0 ? value : value.slice(0, space)).toLowerCase()
}
