/**
 * Authentication state of one connection (protocol doc 5.1 to 5.3): basic credentials until the
 * gateway hands back a bearer token in the response headers, the token afterwards, basic again
 * once the token has expired.
 *
 * The credentials and the token live in private fields: `util.inspect`, `console.log` and
 * `JSON.stringify` show `***`, and {@link AuthSession.redact} takes them out of any text (a
 * server's status details may quote what it was sent).
 */
import { inspect } from 'node:util'
import { Metadata } from '@grpc/grpc-js'
import { AUTHORIZATION, BEARER_TOKEN } from '../proto/constants.js'
import { HIDDEN } from './connection-string.js'

/** How many past tokens {@link AuthSession.redact} still hides. */
const REMEMBERED_TOKENS = 4

/** The credentials one call was sent with. */
export interface SentCredentials {
  readonly metadata: Metadata
  /** The bearer token used, or undefined when basic (or no) credentials were sent. */
  readonly bearer: string | undefined
}

export class AuthSession {
  /** The full header value (`basic <base64>`), or undefined for no authentication. */
  readonly #basic: string | undefined
  #token: string | undefined
  /** Spellings of the credentials that must never appear in a message. */
  readonly #credentials: readonly string[]
  /** The last few tokens received, newest last. */
  readonly #tokens: string[] = []
  /** Credentials and tokens, longest first (so a secret containing another is hidden whole). */
  #secrets: readonly string[]

  private constructor(basic: string | undefined, credentials: readonly string[]) {
    this.#basic = basic
    this.#credentials = credentials
    this.#secrets = sortLongestFirst(credentials)
  }

  static none(): AuthSession {
    return new AuthSession(undefined, [])
  }

  static basic(user: string, password: string): AuthSession {
    const encoded = Buffer.from(`${user}:${password}`, 'utf8').toString('base64')
    return new AuthSession(`basic ${encoded}`, [password, encodeURIComponent(password), encoded, `${user}:${password}`])
  }

  get enabled(): boolean {
    return this.#basic !== undefined
  }

  /** True while a bearer token is held. */
  get hasToken(): boolean {
    return this.#token !== undefined
  }

  /** Fresh metadata for the next call: the token when known, basic credentials otherwise. */
  credentials(forceBasic = false): SentCredentials {
    const metadata = new Metadata()
    if (this.#basic === undefined) return { metadata, bearer: undefined }
    const bearer = forceBasic ? undefined : this.#token
    metadata.set(AUTHORIZATION, bearer === undefined ? this.#basic : `bearer ${bearer}`)
    return { metadata, bearer }
  }

  /** Takes the token from response headers, when the gateway sent one. */
  onHeaders(headers: Metadata): void {
    if (this.#basic === undefined) return
    const value = headers.get(BEARER_TOKEN)[0]
    const token = typeof value === 'string' ? value : value?.toString('utf8')
    if (!token || token === this.#token) return
    this.#token = token
    if (!this.#tokens.includes(token)) {
      this.#tokens.push(token)
      if (this.#tokens.length > REMEMBERED_TOKENS) this.#tokens.shift()
      this.#secrets = sortLongestFirst([...this.#credentials, ...this.#tokens])
    }
  }

  /** Forgets the token a call was rejected with (unless a newer one arrived meanwhile). */
  expire(token: string): void {
    if (this.#token === token) this.#token = undefined
  }

  /** `text` with the password, the encoded credentials and recent tokens replaced by `***`. */
  redact(text: string): string {
    let out = text
    for (const secret of this.#secrets) if (out.includes(secret)) out = out.split(secret).join(HIDDEN)
    return out
  }

  toJSON(): { auth: 'basic' | 'none'; credentials?: string; token?: string } {
    if (this.#basic === undefined) return { auth: 'none' }
    return { auth: 'basic', credentials: HIDDEN, ...(this.#token === undefined ? {} : { token: HIDDEN }) }
  }

  [inspect.custom](): string {
    return `AuthSession ${inspect(this.toJSON())}`
  }
}

function sortLongestFirst(spellings: readonly string[]): string[] {
  return [...new Set(spellings.filter((s) => s !== ''))].sort((a, b) => b.length - a.length)
}
