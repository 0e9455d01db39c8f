/**
 * The replication service trusts nothing: every forged batch is refused whole with
 * INVALID_ARGUMENT and leaves no trace, exactly the checks the data RPCs make; with replication
 * credentials of its own, only peers that know them may apply anything.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startGateway } from '../../lib/gateway/index.js'
import type { GatewayOptions, OjaiGateway } from '../../lib/gateway/index.js'
import type { ChangeMessage } from '../../lib/gateway/internal-proto.js'
import { encodeKey } from '../../lib/gateway/storage/keys.js'
import { closedPort } from '../support/ports.js'
import { RawClient, RawPeer } from './raw-client.js'

const closers: { close(): unknown }[] = []
const dirs: string[] = []

afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function gateway(options: GatewayOptions = {}): Promise<OjaiGateway> {
  const gw = await startGateway({ port: 0, ...options })
  closers.push(gw)
  return gw
}

const basic = (user: string, password: string) => () => {
  const md = new grpc.Metadata()
  md.set('authorization', `basic ${Buffer.from(`${user}:${password}`).toString('base64')}`)
  return md
}

const TS = 1_700_000_000_000 * 1024
const put = (tablePath: string, id: string, jsonDocument: string, extra: Partial<ChangeMessage> = {}): ChangeMessage => ({
  kind: 0,
  tablePath,
  key: encodeKey(id),
  jsonDocument,
  ts: TS,
  origin: 'X',
  tombstone: false,
  op: 0,
  ...extra,
})

describe('Replication.Apply validates every batch like the data RPCs', () => {
  it.each<[string, ChangeMessage, RegExp]>([
    ['invalid JSON', put('/t', 'alice', '{"_id":"alice",'), /change 1 of 2: invalid JSON at position 15/],
    ['an _id that is not the key', put('/t', 'alice', '{"_id":"mallory","role":"admin"}'), /_id "mallory" is not its key "alice"/],
    ['a document without _id', put('/t', 'alice', '{"role":"admin"}'), /the document has no _id/],
    ['a relative table path', put('t', 'alice', '{"_id":"alice"}'), /table path must be absolute/],
    ['a table path not in canonical form', put('/t//', 'alice', '{"_id":"alice"}'), /not in canonical form \("\/t"\)/],
    ['a table path over the limit', put(`/${'p'.repeat(1100)}`, 'alice', '{"_id":"alice"}'), /at most 1024 are allowed/],
    ['a key that is no storage key', { ...put('/t', 'alice', '{"_id":"alice"}'), key: Buffer.from([9, 1, 2]) }, /not a storage key/],
    ['an empty key', { ...put('/t', 'alice', '{"_id":"alice"}'), key: Buffer.alloc(0) }, /not a storage key/],
    [
      'a key of invalid UTF-8',
      { ...put('/t', 'alice', '{"_id":"alice"}'), key: Buffer.from([2, 0xff, 0xfe]) },
      /not the storage key of a non-empty _id/,
    ],
    ['an unparsable mutation', put('/t', 'alice', '{"$frob":{"a":1}}', { op: 1 }), /unknown mutation operator|\$frob/],
    ['a mutation of _id', put('/t', 'alice', '{"$set":{"_id":"bob"}}', { op: 1 }), /_id can never be mutated/],
    ['a NaN timestamp', put('/t', 'alice', '{"_id":"alice"}', { ts: Number.NaN }), /timestamp NaN is not a positive finite number/],
    ['a negative timestamp', put('/t', 'alice', '{"_id":"alice"}', { ts: -5 }), /timestamp -5/],
    ['an empty origin', put('/t', 'alice', '{"_id":"alice"}', { origin: '' }), /origin gateway id must be 1 to 255 bytes/],
    ['an unknown change kind', { ...put('/t', 'alice', '{"_id":"alice"}'), kind: 7 }, /unknown change kind 7/],
    ['an unknown operation', put('/t', 'alice', '{"_id":"alice"}', { op: 9 }), /unknown document operation 9/],
    ['a tombstone with a document', put('/t', 'alice', '{"_id":"alice"}', { tombstone: true }), /a tombstone carries no document/],
    [
      'a state whose log holds a bad mutation',
      put('/t', 'alice', '{"_id":"alice"}', { op: 2, resetTs: TS, resetOrigin: 'X', log: [{ ts: TS + 1, origin: 'X', mutation: 'nope' }] }),
      /mutation is not valid extended JSON/,
    ],
  ])('refuses %s with INVALID_ARGUMENT and applies nothing of the batch', async (_label, bad, message) => {
    const gw = await gateway()
    const c = new RawClient(gw.address)
    const peer = new RawPeer(gw.address)
    closers.push(c, peer)
    expect(await c.createTable('/t')).toBe(0)
    // A good change first: it must not be applied either.
    const good = put('/t', 'carol', '{"_id":"carol"}')
    const { error } = await peer.apply({ source: 'X', changes: [good, bad] })
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT)
    expect(error?.details).toMatch(/^replication batch refused, nothing applied: change 2 of 2: /)
    expect(error?.details.replace('change 2 of 2', 'change 1 of 2')).toMatch(message)
    expect((await c.findById('/t', '{"_id":"carol"}')).error?.errCode).toBe(281)
    expect((await c.findById('/t', '{"_id":"alice"}')).error?.errCode).toBe(281)
    expect(await c.tableExists('t')).toBe(22)
    // Filtered finds keep working: nothing undecodable was stored.
    expect((await c.query('/t', '{"$where":{"$exists":"role"}}')).messages).toEqual([])
    // The same batch without the forged change is applied.
    expect((await peer.apply({ source: 'X', changes: [good] })).response?.applied).toBe(1)
    expect((await c.findById('/t', '{"_id":"carol"}')).jsonDocument).toBe('{"_id":"carol"}')
  })

  it('refuses an _id longer than the durable storage allows, before anything is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ojai-gw-repl-guard-'))
    dirs.push(dir)
    const gw = await gateway({ storage: { dir } })
    const c = new RawClient(gw.address)
    const peer = new RawPeer(gw.address)
    closers.push(c, peer)
    await c.createTable('/t')
    const long = 'k'.repeat(3000)
    const { error } = await peer.apply({ source: 'X', changes: [put('/t', 'ok', '{"_id":"ok"}'), put('/t', long, `{"_id":"${long}"}`)] })
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT)
    expect(error?.details).toMatch(/_id is 3000 bytes; this storage allows at most 1969/)
    expect((await c.findById('/t', '{"_id":"ok"}')).error?.errCode).toBe(281)
  })

  it('stores a replicated document in canonical form (as InsertOrReplace would)', async () => {
    const gw = await gateway()
    const c = new RawClient(gw.address)
    const peer = new RawPeer(gw.address)
    closers.push(c, peer)
    await c.createTable('/t')
    expect(
      (await peer.apply({ source: 'X', changes: [put('/t', 'a', '{ "n" : {"$numberLong":"7"}, "_id" : "a" }')] })).response?.applied,
    ).toBe(1)
    expect((await c.findById('/t', '{"_id":"a"}')).jsonDocument).toBe('{"n":{"$numberLong":7},"_id":"a"}')
  })
})

describe('replication credentials', () => {
  it('with their own credentials only peers may apply: data users cannot, and peers cannot use the data RPCs', async () => {
    const gw = await gateway({ auth: { user: 'app', password: 'app-secret' }, replicationAuth: { user: 'peer', password: 'peer-secret' } })
    const app = new RawClient(gw.address, undefined, undefined, basic('app', 'app-secret'))
    const asPeer = new RawClient(gw.address, undefined, undefined, basic('peer', 'peer-secret'))
    const appAsPeer = new RawPeer(gw.address, basic('app', 'app-secret'))
    const peer = new RawPeer(gw.address, basic('peer', 'peer-secret'))
    const anonymous = new RawPeer(gw.address)
    closers.push(app, asPeer, appAsPeer, peer, anonymous)
    expect(await app.createTable('/t')).toBe(0)
    const batch = { source: 'X', changes: [put('/t', 'a', '{"_id":"a"}')] }
    expect((await appAsPeer.apply(batch)).error?.code).toBe(grpc.status.UNAUTHENTICATED)
    expect((await anonymous.apply(batch)).error?.code).toBe(grpc.status.UNAUTHENTICATED)
    await expect(asPeer.ping()).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED })
    expect((await peer.apply(batch)).response?.applied).toBe(1)
    expect((await app.findById('/t', '{"_id":"a"}')).jsonDocument).toBe('{"_id":"a"}')
  })

  it('two gateways sharing replication credentials replicate to each other', async () => {
    const [pa, pb] = await Promise.all([closedPort(), closedPort()])
    const shared = {
      auth: { user: 'app', password: 'app-secret' },
      replicationAuth: { user: 'peer', password: 'peer-secret' },
      replication: { retryMinMs: 20, retryMaxMs: 200, heartbeatMs: 100 },
    }
    const a = await gateway({ ...shared, port: pa, replicateTo: [`127.0.0.1:${pb}`] })
    const b = await gateway({ ...shared, port: pb, replicateTo: [`127.0.0.1:${pa}`] })
    const ca = new RawClient(a.address, undefined, undefined, basic('app', 'app-secret'))
    const cb = new RawClient(b.address, undefined, undefined, basic('app', 'app-secret'))
    closers.push(ca, cb)
    expect(await ca.createTable('/r')).toBe(0)
    expect(await ca.insert('/r', '{"_id":"x","v":1}')).toBe(0)
    await vi.waitFor(async () => expect((await cb.findById('/r', '{"_id":"x"}')).jsonDocument).toBe('{"_id":"x","v":1}'), {
      timeout: 10_000,
      interval: 50,
    })
    expect(b.stats().replication.peers[0]?.failures ?? 0).toBe(0)
  })
})
