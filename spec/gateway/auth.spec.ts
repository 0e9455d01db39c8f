import * as grpc from '@grpc/grpc-js'
import { afterEach, describe, expect, it } from 'vitest'
import { Authenticator } from '../../lib/gateway/auth.js'
import { startGateway } from '../../lib/gateway/index.js'
import { RawClient } from './raw-client.js'

const basic = (user: string, password: string) => `basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

describe('Authenticator', () => {
  it('accepts basic credentials (scheme case-insensitive, password may contain ":") and issues a token', () => {
    const auth = new Authenticator({ user: 'mapr', password: 'a:b:c' })
    const outcome = auth.check([`BASIC ${Buffer.from('mapr:a:b:c').toString('base64')}`])
    expect(outcome).toMatchObject({ ok: true, token: expect.any(String) })
  })

  it('accepts a valid bearer token without issuing a new one', () => {
    const auth = new Authenticator({ user: 'u', password: 'p' })
    const first = auth.check([basic('u', 'p')])
    if (!first.ok || first.token === undefined) throw new Error('expected a token')
    expect(auth.check([`Bearer ${first.token}`])).toEqual({ ok: true, token: undefined })
  })

  it('expiry and unknown tokens both answer STATUS_TOKEN_EXPIRED so clients fall back to basic', () => {
    let now = 0
    const auth = new Authenticator({ user: 'u', password: 'p', tokenTtlMs: 100 }, () => now)
    const first = auth.check([basic('u', 'p')])
    if (!first.ok || first.token === undefined) throw new Error('expected a token')
    now = 99
    expect(auth.check([`bearer ${first.token}`]).ok).toBe(true)
    now = 100
    expect(auth.check([`bearer ${first.token}`])).toEqual({ ok: false, details: 'STATUS_TOKEN_EXPIRED' })
    expect(auth.check(['bearer never-issued'])).toEqual({ ok: false, details: 'STATUS_TOKEN_EXPIRED' })
  })

  it('several values (stale bearer, then basic, as GO sends): ok if any is valid', () => {
    const auth = new Authenticator({ user: 'u', password: 'p' })
    expect(auth.check(['bearer stale', basic('u', 'p')]).ok).toBe(true)
    expect(auth.check(['bearer stale', basic('u', 'nope')])).toEqual({ ok: false, details: expect.stringMatching(/password/) })
  })

  it('refuses missing, garbled and foreign-scheme headers', () => {
    const auth = new Authenticator({ user: 'u', password: 'p' })
    expect(auth.check([]).ok).toBe(false)
    expect(auth.check(['basic !!!not-base64']).ok).toBe(false)
    expect(auth.check([`basic ${Buffer.from('no-colon').toString('base64')}`]).ok).toBe(false)
    expect(auth.check(['digest abc']).ok).toBe(false)
  })
})

describe('Authenticator tokens', () => {
  it('100 000 basic calls leave at most two live tokens', () => {
    let now = 0
    const auth = new Authenticator({ user: 'u', password: 'p', tokenTtlMs: 1000 }, () => now)
    const header = [basic('u', 'p')]
    const seen = new Set<string>()
    for (let i = 0; i < 100_000; i++) {
      now = i / 10 // 10 000 ms in all: ten lifetimes
      const outcome = auth.check(header)
      if (!outcome.ok || outcome.token === undefined) throw new Error('expected a token')
      seen.add(outcome.token)
      if (i % 1000 === 0) expect(auth.tokenCount()).toBeLessThanOrEqual(2)
    }
    expect(auth.tokenCount()).toBeLessThanOrEqual(2)
    expect(seen.size).toBeGreaterThanOrEqual(19)
    expect(seen.size).toBeLessThanOrEqual(21)
  })

  it('reuses the token while it has more than half its life; the one it replaces lives out its own', () => {
    let now = 0
    const auth = new Authenticator({ user: 'u', password: 'p', tokenTtlMs: 100 }, () => now)
    const token = () => {
      const outcome = auth.check([basic('u', 'p')])
      if (!outcome.ok || outcome.token === undefined) throw new Error('expected a token')
      return outcome.token
    }
    const first = token()
    now = 49
    expect(token()).toBe(first)
    now = 50
    const second = token()
    expect(second).not.toBe(first)
    expect(auth.check([`bearer ${first}`]).ok).toBe(true)
    now = 100
    expect(auth.check([`bearer ${first}`])).toEqual({ ok: false, details: 'STATUS_TOKEN_EXPIRED' })
    expect(auth.check([`bearer ${second}`]).ok).toBe(true)
    expect(auth.tokenCount()).toBe(1)
  })
})

describe('authentication over the wire', () => {
  const closers: { close(): unknown }[] = []
  afterEach(async () => {
    for (const x of closers.splice(0).reverse()) await x.close()
  })

  it('guards every RPC including Find; refused calls never reach the semantics', async () => {
    const gw = await startGateway({ port: 0, auth: { user: 'u', password: 'p' } })
    closers.push(gw)
    const anonymous = new RawClient(gw.address)
    const authed = new RawClient(gw.address, undefined, undefined, () => {
      const md = new grpc.Metadata()
      md.set('authorization', basic('u', 'p'))
      return md
    })
    closers.push(anonymous, authed)
    expect(await authed.createTable('/t')).toBe(0)
    await expect(anonymous.insert('/t', '{"_id":"a"}')).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED })
    const find = await anonymous.query('/t', '{}')
    expect(find.status.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(find.messages).toEqual([])
    const stored = await authed.query('/t', '{}')
    expect(stored.messages).toEqual([])
    expect(gw.stats().requests.InsertOrReplace).toBe(1)
  })

  it('a bearer call gets no new token header; a basic call always does', async () => {
    const gw = await startGateway({ port: 0, auth: { user: 'u', password: 'p' } })
    closers.push(gw)
    const c = new RawClient(gw.address)
    closers.push(c)
    const md = new grpc.Metadata()
    md.set('authorization', basic('u', 'p'))
    const token = String((await c.call('Ping', {}, md)).headers.get('bearer-token')[0])
    const bearer = new grpc.Metadata()
    bearer.set('authorization', `bearer ${token}`)
    expect((await c.call('Ping', {}, bearer)).headers.get('bearer-token')).toEqual([])
  })
})
