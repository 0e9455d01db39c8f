/**
 * Authentication state of one connection (protocol doc 5.1 to 5.3): basic credentials until the
 * gateway hands back a bearer token in the response headers, the token afterwards, basic again
 * once the token has expired.
 */
import { Metadata } from '@grpc/grpc-js'

/** Metadata key of the credentials. */
export const AUTHORIZATION = 'authorization'
/** Response header carrying the token. */
export const BEARER_TOKEN = 'bearer-token'
/** Status details of an UNAUTHENTICATED status that means "token expired, use basic again". */
export const TOKEN_EXPIRED = 'STATUS_TOKEN_EXPIRED'

/** The credentials one call was sent with. */
export interface SentCredentials {
  readonly metadata: Metadata
  /** The bearer token used, or undefined when basic (or no) credentials were sent. */
  readonly bearer: string | undefined
}

export class AuthSession {
  private token: string | undefined

  /** `basic` is the full header value (`basic <base64>`), or undefined for no authentication. */
  private constructor(private readonly basic: string | undefined) {}

  static none(): AuthSession {
    return new AuthSession(undefined)
  }

  static basic(user: string, password: string): AuthSession {
    return new AuthSession(`basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`)
  }

  get enabled(): boolean {
    return this.basic !== undefined
  }

  /** True while a bearer token is held. */
  get hasToken(): boolean {
    return this.token !== undefined
  }

  /** Fresh metadata for the next call: the token when known, basic credentials otherwise. */
  credentials(forceBasic = false): SentCredentials {
    const metadata = new Metadata()
    if (this.basic === undefined) return { metadata, bearer: undefined }
    const bearer = forceBasic ? undefined : this.token
    metadata.set(AUTHORIZATION, bearer === undefined ? this.basic : `bearer ${bearer}`)
    return { metadata, bearer }
  }

  /** Takes the token from response headers, when the gateway sent one. */
  onHeaders(headers: Metadata): void {
    if (this.basic === undefined) return
    const value = headers.get(BEARER_TOKEN)[0]
    const token = typeof value === 'string' ? value : value?.toString('utf8')
    if (token) this.token = token
  }

  /** Forgets the token a call was rejected with (unless a newer one arrived meanwhile). */
  expire(token: string): void {
    if (this.token === token) this.token = undefined
  }
}
