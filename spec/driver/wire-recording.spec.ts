/**
 * What goes on the wire. A recording gRPC server takes the raw request bytes of a scripted set of
 * calls (default connect options, basic auth) and decodes them with a protobuf wire reader of its
 * own, by field number, independently of the project's .proto file. Each request is compared,
 * field for field, with the request shape the official clients produce (protocol reference,
 * Section 4.3, field numbers from Section 2), so any change in what the driver sends fails here:
 * a field number, a field sent or left out, an encoding, a JSON payload, a header, a deadline.
 */
import * as grpc from '@grpc/grpc-js'
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Connection, connect } from '../../lib/driver/index.js'
import { OTimestamp } from '../../lib/ojai/values.js'
import { MapRDbServer } from '../../lib/proto/index.js'
import { done } from '../support/observables.js'

/** One protobuf field value: a varint as a number, a length-delimited field as UTF-8 text. */
type WireValue = number | string
/** A message by field number; a field seen more than once (a repeated field) holds an array. */
type WireFields = Record<number, WireValue | WireValue[]>

/** Decodes protobuf wire format (Section 2 messages use only varints and strings). */
function wireFields(bytes: Buffer): WireFields {
  const out: WireFields = {}
  let pos = 0
  const varint = (): number => {
    let value = 0
    let scale = 1
    for (;;) {
      const byte = bytes[pos++]
      if (byte === undefined) throw new Error('truncated varint')
      value += (byte & 0x7f) * scale
      if ((byte & 0x80) === 0) return value
      scale *= 128
    }
  }
  while (pos < bytes.length) {
    const key = varint()
    const field = Math.floor(key / 8)
    const wireType = key % 8
    let value: WireValue
    if (wireType === 0) value = varint()
    else if (wireType === 2) {
      const length = varint()
      value = bytes.toString('utf8', pos, pos + length)
      pos += length
    } else throw new Error(`unexpected wire type ${wireType} for field ${field}`)
    const seen = out[field]
    out[field] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value]
  }
  return out
}

interface Recorded {
  readonly method: string
  readonly fields: WireFields
  readonly authorization: string | undefined
  /** ms from arrival to the deadline the client sent; Infinity when it sent none. */
  readonly deadlineInMs: number
}

const OK = { error: { errCode: 0, errorMessage: '', javaStackTrace: '' } }
const TOKEN = 'token-1'

/** A server for the gateway's service that keeps every request's raw bytes. */
async function recordingServer(): Promise<{ port: number; calls: Recorded[]; close: () => void }> {
  const calls: Recorded[] = []
  const server = new grpc.Server()
  let tokenSent = false
  const raw = Object.fromEntries(
    Object.entries(MapRDbServer.service).map(([name, d]) => [name, { ...d, requestDeserialize: (b: Buffer) => b }]),
  ) as grpc.ServiceDefinition
  const record = (method: string, call: grpc.ServerUnaryCall<Buffer, unknown> | grpc.ServerWritableStream<Buffer, unknown>) => {
    const auth = call.metadata.get('authorization')[0]
    const deadline = call.getDeadline()
    calls.push({
      method,
      fields: wireFields(call.request),
      authorization: auth === undefined ? undefined : String(auth),
      deadlineInMs: (deadline instanceof Date ? deadline.getTime() : deadline) - Date.now(),
    })
    // The first answer hands out a bearer token in its headers (Section 5.2).
    if (!tokenSent) {
      tokenSent = true
      const headers = new grpc.Metadata()
      headers.set('bearer-token', TOKEN)
      call.sendMetadata(headers)
    }
  }
  const unary =
    (method: string, answer: unknown) => (call: grpc.ServerUnaryCall<Buffer, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      record(method, call)
      callback(null, answer)
    }
  server.addService(raw, {
    Ping: unary('Ping', {}),
    CreateTable: unary('CreateTable', OK),
    DeleteTable: unary('DeleteTable', OK),
    TableExists: unary('TableExists', OK),
    InsertOrReplace: unary('InsertOrReplace', OK),
    FindById: unary('FindById', { ...OK, payloadEncoding: 1, jsonDocument: '{"_id":"user0001"}' }),
    Update: unary('Update', OK),
    Delete: unary('Delete', OK),
    Find: (call: grpc.ServerWritableStream<Buffer, unknown>) => {
      record('Find', call)
      const includePlan = wireFields(call.request)[3] === 1
      if (includePlan) call.write({ ...OK, payloadEncoding: 1, type: 2, jsonResponse: '{"plan":"scan"}' })
      call.write({ ...OK, payloadEncoding: 1, type: 1, jsonResponse: '{"_id":"user0001"}' })
      call.end()
    },
  })
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  )
  return { port, calls, close: () => server.forceShutdown() }
}

const TABLE = '/apps/users'
const ZONELESS = '2016-02-22T10:26:12.487'
const DOC = { _id: 'user0001', name: 'Ada', n: 35, when: OTimestamp.parse(ZONELESS), key: new Uint8Array([1, 2]) }
const DOC_JSON = `{"_id":"user0001","name":"Ada","n":35,"when":{"$date":"${ZONELESS}"},"key":{"$binary":"AQI="}}`
const ID_JSON = '{"_id":"user0001"}'
const BINARY_ID = Buffer.from('1234')
const BINARY_ID_JSON = '{"_id":{"$binary":"MTIzNA=="}}'

/**
 * The scripted calls and the request each must produce (Section 4.3; field numbers from Section 2:
 * `table_path` 1 everywhere; `payload_encoding` 3 in InsertOrReplace, 2 elsewhere; `insert_mode` 2;
 * `json_condition` 4, but 3 in Delete; `json_document` 30 in InsertOrReplace, 5 in FindById, 3 in
 * Update, 4 in Delete; `json_mutation` 30; `projections` 3; `include_query_plan` 3, `json_query` 4).
 * proto3 leaves out fields holding their default (`include_query_plan` false).
 */
const SCRIPT: readonly {
  readonly name: string
  readonly run: (c: Connection) => Promise<unknown>
  readonly method: string
  readonly request: WireFields
}[] = [
  { name: 'getConnection-style health check', run: (c) => done(c.ping()), method: 'Ping', request: {} },
  { name: 'storeExists', run: (c) => firstValueFrom(c.storeExists(TABLE)), method: 'TableExists', request: { 1: TABLE } },
  { name: 'createStore', run: (c) => firstValueFrom(c.createStore(TABLE)), method: 'CreateTable', request: { 1: TABLE } },
  {
    name: 'insertOrReplace(doc)',
    run: (c) => done(c.store(TABLE).insertOrReplace(DOC)),
    method: 'InsertOrReplace',
    request: { 1: TABLE, 2: 1, 3: 1, 30: DOC_JSON },
  },
  {
    name: 'insert(doc)',
    run: (c) => done(c.store(TABLE).insert(DOC)),
    method: 'InsertOrReplace',
    request: { 1: TABLE, 2: 2, 3: 1, 30: DOC_JSON },
  },
  {
    name: 'replace(doc)',
    run: (c) => done(c.store(TABLE).replace(DOC)),
    method: 'InsertOrReplace',
    request: { 1: TABLE, 2: 3, 3: 1, 30: DOC_JSON },
  },
  {
    name: 'checkAndReplace(doc, cond)',
    run: (c) => done(c.store(TABLE).checkAndReplace(DOC, { $eq: { n: 35 } })),
    method: 'InsertOrReplace',
    request: { 1: TABLE, 2: 3, 3: 1, 4: '{"$eq":{"n":35}}', 30: DOC_JSON },
  },
  {
    name: 'findById(id)',
    run: (c) => done(c.store(TABLE).findById('user0001')),
    method: 'FindById',
    request: { 1: TABLE, 2: 1, 5: ID_JSON },
  },
  {
    name: 'findById(binary id, cond, projections)',
    run: (c) => done(c.store(TABLE).findById(BINARY_ID, { fields: ['name', 'a.b[0]'], condition: { $eq: { name: 'Ada' } } })),
    method: 'FindById',
    request: { 1: TABLE, 2: 1, 3: ['name', 'a.b[0]'], 4: '{"$eq":{"name":"Ada"}}', 5: BINARY_ID_JSON },
  },
  {
    name: 'find() (all documents)',
    run: (c) => lastValueFrom(c.store(TABLE).find().pipe(toArray())),
    method: 'Find',
    request: { 1: TABLE, 2: 1, 4: '{}' },
  },
  {
    name: 'find(query)',
    run: (c) =>
      lastValueFrom(
        c
          .store(TABLE)
          .find({ $where: { $eq: { when: { $date: ZONELESS } } }, $select: ['name'], $limit: 1 })
          .pipe(toArray()),
      ),
    method: 'Find',
    request: { 1: TABLE, 2: 1, 4: `{"$select":["name"],"$where":{"$eq":{"when":{"$date":"${ZONELESS}"}}},"$limit":1}` },
  },
  {
    name: 'find with the query plan',
    run: (c) => lastValueFrom(c.store(TABLE).findWithPlan({}).pipe(toArray())),
    method: 'Find',
    request: { 1: TABLE, 2: 1, 3: 1, 4: '{}' },
  },
  {
    name: 'update(id, mutation)',
    run: (c) => done(c.store(TABLE).update('user0001', { $set: { name: 'Bo' } })),
    method: 'Update',
    request: { 1: TABLE, 2: 1, 3: ID_JSON, 30: '{"$set":{"name":"Bo"}}' },
  },
  {
    name: 'checkAndUpdate(id, mutation, cond)',
    run: (c) => done(c.store(TABLE).checkAndMutate('user0001', { $eq: { name: 'Bo' } }, { $increment: { n: 1 } })),
    method: 'Update',
    request: { 1: TABLE, 2: 1, 3: ID_JSON, 4: '{"$eq":{"name":"Bo"}}', 30: '{"$increment":{"n":1}}' },
  },
  {
    name: 'increment(id, field, by)',
    run: (c) => done(c.store(TABLE).increment('user0001', 'n', 2)),
    method: 'Update',
    request: { 1: TABLE, 2: 1, 3: ID_JSON, 30: '{"$increment":{"n":2}}' },
  },
  { name: 'delete(id)', run: (c) => done(c.store(TABLE).delete('user0001')), method: 'Delete', request: { 1: TABLE, 2: 1, 4: ID_JSON } },
  {
    name: 'delete(binary id)',
    run: (c) => done(c.store(TABLE).delete(BINARY_ID)),
    method: 'Delete',
    request: { 1: TABLE, 2: 1, 4: BINARY_ID_JSON },
  },
  {
    name: 'checkAndDelete(id, cond)',
    run: (c) => done(c.store(TABLE).checkAndDelete('user0001', { $exists: 'name' })),
    method: 'Delete',
    request: { 1: TABLE, 2: 1, 3: '{"$exists":"name"}', 4: ID_JSON },
  },
  { name: 'deleteStore', run: (c) => done(c.deleteStore(TABLE)), method: 'DeleteTable', request: { 1: TABLE } },
]

describe('the requests on the wire match the official request shapes (protocol Section 4.3)', () => {
  let server: Awaited<ReturnType<typeof recordingServer>>
  let connection: Connection

  beforeAll(async () => {
    server = await recordingServer()
    // Default connect options: what a user gets without choosing anything.
    connection = connect(`127.0.0.1:${server.port}?auth=basic;user=mapr;password=mapr;ssl=false`)
    for (const step of SCRIPT) await step.run(connection)
  })
  afterAll(() => {
    connection?.close()
    server?.close()
  })

  it('one request per call, nothing else', () => {
    expect(server.calls.map((c) => c.method)).toEqual(SCRIPT.map((s) => s.method))
  })

  it.each(SCRIPT.map((step, index) => [step.name, index] as const))('%s', (_name, index) => {
    const step = SCRIPT[index]
    const call = server.calls[index]
    expect(call?.method).toBe(step?.method)
    expect(call?.fields).toEqual(step?.request)
  })

  it('authorization: basic credentials first, the bearer token once the gateway handed one out (Section 5.1)', () => {
    expect(server.calls[0]?.authorization).toBe(`basic ${Buffer.from('mapr:mapr').toString('base64')}`)
    for (const call of server.calls.slice(1)) expect(call.authorization).toBe(`bearer ${TOKEN}`)
  })

  it('a zone-less timestamp goes out as written, in documents and in conditions', () => {
    const write = server.calls.find((c) => c.method === 'InsertOrReplace')
    expect(write?.fields[30]).toContain(`{"$date":"${ZONELESS}"}`)
    const query = server.calls.filter((c) => c.method === 'Find')[1]
    expect(query?.fields[4]).toContain(`{"$date":"${ZONELESS}"}`)
  })

  it('deadlines: single-answer calls carry the 10 s default, a find carries none (it has an idle limit instead)', () => {
    for (const call of server.calls) {
      if (call.method === 'Find') expect(call.deadlineInMs).toBe(Infinity)
      else {
        expect(call.deadlineInMs).toBeGreaterThan(0)
        expect(call.deadlineInMs).toBeLessThanOrEqual(10_000)
      }
    }
  })
})
