/**
 * Bad input to the embedded gateway: `startGateway` options refused with InvalidOptionsError
 * before anything listens, and a table path with a `.` or `..` segment answered INVALID_ARGUMENT
 * naming the path (never TABLE_NOT_FOUND for a table the client did not mean), whatever client
 * sends it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type Fault, type GatewayOptions, type OjaiGateway } from '../../lib/gateway/index.js'
import { InvalidOptionsError } from '../../lib/ojai/errors.js'
import { WireErrorCode } from '../../lib/proto/error-codes.js'
import { RawClient } from './raw-client.js'

const listening = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length

describe('startGateway options', () => {
  it.each<[string, unknown, string]>([
    ['an unknown key', { bogus: 1 }, 'startGateway options: unknown option "bogus" (known options: port, host,'],
    ['a misspelled key', { replicationLag: 5 }, 'startGateway options: unknown option "replicationLag" (did you mean "replicationLagMs"?)'],
    ['a negative replication lag', { replicationLagMs: -1 }, 'replicationLagMs must be an integer in [0, 2^31-1]; got -1'],
    ['a port out of range', { port: 70_000 }, 'port must be an integer in [0, 65535]; got 70000'],
    [
      'storage that is none of the three',
      { storage: 'disk' },
      `storage must be 'memory', { dir: '<directory>' } or a storage engine; got "disk"`,
    ],
    ['storage { dri }', { storage: { dri: '/tmp/x' } }, 'storage: unknown option "dri" (did you mean "dir"?)'],
    ['auth without a password', { auth: { user: 'u' } }, 'auth.password must be a string; got undefined'],
    [
      'a misspelled auth key',
      { auth: { user: 'u', password: 'secretvalue', tokenTtl: 5 } },
      'auth: unknown option "tokenTtl" (did you mean "tokenTtlMs"?)',
    ],
    [
      'a peer that is not host:port',
      { replicateTo: ['gw2'] },
      'replicateTo[0] must be a "host:port" address such as "127.0.0.1:5679"; got "gw2"',
    ],
    ['a find limit of 0', { findLimits: { maxStreams: 0 } }, 'findLimits.maxStreams must be an integer of at least 1; got 0'],
    [
      'a misspelled replication key',
      { replication: { batchsize: 5 } },
      'replication: unknown option "batchsize" (did you mean "batchSize"?)',
    ],
    [
      'a logger without warn()',
      { logger: { info: () => {} } },
      'logger must be a logger with debug, info, warn and error methods (pino fits); got an object',
    ],
    ['TLS without a key', { tls: { cert: 'PEM' } }, 'tls.key must be PEM text or bytes; got undefined'],
    ['options that are not an object', 5678, 'startGateway options must be an object; got 5678'],
  ])('%s: InvalidOptionsError, nothing listens', async (_name, options, message) => {
    const before = listening()
    const error = await startGateway(options as GatewayOptions).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidOptionsError)
    expect((error as Error).message).toContain(message)
    expect((error as Error).message).not.toContain('secretvalue')
    expect(listening()).toBe(before)
  })
})

describe('faults', () => {
  let gateway: OjaiGateway
  beforeAll(async () => {
    gateway = await startGateway({ port: 0 })
  })
  afterAll(() => gateway.close())

  it.each<[string, unknown, string]>([
    ['a misspelled key', { type: 'latency', ms: 5, tims: 2 }, 'latency fault: unknown option "tims" (did you mean "times"?)'],
    ['a key of another kind of fault', { type: 'stall', ms: 5 }, 'stall fault: unknown option "ms"'],
    ['an unknown type', { type: 'stal' }, 'unknown fault type "stal"; use one of stall, latency, fail, error, crash'],
    [
      'a status that is not an error',
      { type: 'fail', code: 0 },
      'fail.code must be a non-OK gRPC status code, an integer in [1, 16]; got 0',
    ],
    ['a probability above 1', { type: 'error', errCode: 5, p: 2 }, 'error.p must be a number in [0, 1]; got 2'],
    ['a latency without ms', { type: 'latency' }, 'latency.ms must be a number of ms of at least 0; got undefined'],
    [
      'a distribution bucket without p',
      { type: 'latency', distribution: [{ ms: 5 }] },
      'latency.distribution[0].p must be a number in [0, 1]; got undefined',
    ],
    ['times 0', { type: 'stall', times: 0 }, 'stall.times must be an integer of at least 1; got 0'],
    ['not an object', 'stall', `a fault must be an object such as { type: 'stall' }; got "stall"`],
  ])('faults.set with %s: InvalidOptionsError, no fault set', (_name, fault, message) => {
    expect(() => gateway.faults.set('Ping', fault as Fault)).toThrow(InvalidOptionsError)
    expect(() => gateway.faults.set('Ping', fault as Fault)).toThrow(message)
    expect(gateway.faults.list()).toEqual([])
  })
})

describe('table paths with "." or ".." segments, sent past the driver', () => {
  let gateway: OjaiGateway
  let client: RawClient

  beforeAll(async () => {
    gateway = await startGateway({ port: 0 })
    client = new RawClient(gateway.address)
    await client.call('CreateTable', { tablePath: '/bad/t' })
  })
  afterAll(async () => {
    client.close()
    await gateway.close()
  })

  it.each([
    ['CreateTable', '/bad/x/../t'],
    ['TableExists', '/bad/./t'],
    ['FindById', '/bad/x/../t'],
    ['InsertOrReplace', '/bad/./t'],
    ['DeleteTable', '/bad/t/..'],
  ])('%s on %j: INVALID_ARGUMENT naming the path, not TABLE_NOT_FOUND, nothing changed', async (rpc, tablePath) => {
    const error = await client.error(rpc, { tablePath, payloadEncoding: 1, jsonDocument: '{"_id":"k"}', insertMode: 1 })
    expect(error.errCode).toBe(WireErrorCode.INVALID_ARGUMENT)
    expect(error.errorMessage).toContain(`table path ${JSON.stringify(tablePath)} has a "." or ".." segment`)
    expect(gateway.storage.tableMeta('/bad/t')?.dropped ?? false).toBe(false)
    expect(gateway.storage.tableMeta('/bad/x/../t')).toBeUndefined()
  })
})
