/**
 * The .proto against the protocol reference (Sections 1 to 3: service, messages, enums), checked on the
 * bytes: every message is encoded with every field set and its tags are read back by hand, so a
 * wrong field number or type shows up even if the .proto and the generated code agree with each
 * other. The expected tables below are copied from the reference, not from the .proto.
 */
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'
import { describe, expect, it } from 'vitest'
import { FindResponseType, InsertMode, MapRDbServer, PayloadEncoding, SERVICE_NAME } from '../../lib/proto/index.js'
import { WireErrorCode } from '../../lib/proto/error-codes.js'

const PACKAGE = 'com.mapr.data.db'
const VARINT = 0
const LENGTH_DELIMITED = 2

type Kind = 'string' | 'enum' | 'bool' | 'message' | 'repeated string'

interface FieldSpec {
  /** protobufjs / proto-loader camelCase name. */
  readonly name: string
  readonly number: number
  readonly kind: Kind
  /** The oneof group the field sits in, when it has one. */
  readonly oneof?: string
}

const error: FieldSpec = { name: 'error', number: 1, kind: 'message' }
const tablePath: FieldSpec = { name: 'tablePath', number: 1, kind: 'string' }

/** Section 2, message by message. */
const MESSAGES: Readonly<Record<string, readonly FieldSpec[]>> = {
  RpcError: [
    { name: 'errCode', number: 1, kind: 'enum' },
    { name: 'errorMessage', number: 2, kind: 'string' },
    { name: 'javaStackTrace', number: 3, kind: 'string' },
  ],
  PingRequest: [],
  PingResponse: [],
  CreateTableRequest: [tablePath],
  CreateTableResponse: [error],
  DeleteTableRequest: [tablePath],
  DeleteTableResponse: [error],
  TableExistsRequest: [tablePath],
  TableExistsResponse: [error],
  InsertOrReplaceRequest: [
    tablePath,
    { name: 'insertMode', number: 2, kind: 'enum' },
    { name: 'payloadEncoding', number: 3, kind: 'enum' },
    { name: 'jsonCondition', number: 4, kind: 'string', oneof: 'condition' },
    { name: 'jsonDocument', number: 30, kind: 'string', oneof: 'data' },
  ],
  InsertOrReplaceResponse: [error],
  FindByIdRequest: [
    tablePath,
    { name: 'payloadEncoding', number: 2, kind: 'enum' },
    { name: 'projections', number: 3, kind: 'repeated string' },
    { name: 'jsonCondition', number: 4, kind: 'string', oneof: 'condition' },
    { name: 'jsonDocument', number: 5, kind: 'string', oneof: 'document' },
  ],
  FindByIdResponse: [
    error,
    { name: 'payloadEncoding', number: 2, kind: 'enum' },
    { name: 'jsonDocument', number: 30, kind: 'string', oneof: 'data' },
  ],
  FindRequest: [
    tablePath,
    { name: 'payloadEncoding', number: 2, kind: 'enum' },
    { name: 'includeQueryPlan', number: 3, kind: 'bool' },
    { name: 'jsonQuery', number: 4, kind: 'string', oneof: 'data' },
  ],
  FindResponse: [
    error,
    { name: 'payloadEncoding', number: 2, kind: 'enum' },
    { name: 'type', number: 3, kind: 'enum' },
    { name: 'jsonResponse', number: 30, kind: 'string', oneof: 'data' },
  ],
  UpdateRequest: [
    tablePath,
    { name: 'payloadEncoding', number: 2, kind: 'enum' },
    { name: 'jsonDocument', number: 3, kind: 'string', oneof: 'document' },
    { name: 'jsonCondition', number: 4, kind: 'string', oneof: 'condition' },
    { name: 'jsonMutation', number: 30, kind: 'string', oneof: 'mutation' },
  ],
  UpdateResponse: [error],
  DeleteRequest: [
    tablePath,
    { name: 'payloadEncoding', number: 2, kind: 'enum' },
    { name: 'jsonCondition', number: 3, kind: 'string', oneof: 'condition' },
    { name: 'jsonDocument', number: 4, kind: 'string', oneof: 'document' },
  ],
  DeleteResponse: [error],
}

/** Section 3. */
const ENUMS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  ErrorCode: {
    NO_ERROR: 0,
    TABLE_NOT_FOUND: 2,
    IO_ERROR: 5,
    OUT_OF_MEMORY: 12,
    ACCESS_DENIED: 13,
    TABLE_ALREADY_EXISTS: 17,
    INVALID_ARGUMENT: 22,
    UNSUPPORTED_OPERATION: 38,
    UNKNOWN_ERROR: 256,
    UNKNOWN_PAYLOAD_ENCODING: 260,
    CLUSTER_NOT_FOUND: 270,
    PATH_NOT_FOUND: 271,
    DOCUMENT_ALREADY_EXISTS: 280,
    DOCUMENT_NOT_FOUND: 281,
    ENCODING_ERROR: 290,
    DECODING_ERROR: 291,
    ILLEGAL_MUTATION: 292,
  },
  PayloadEncoding: { UNKNOWN_ENCODING: 0, JSON_ENCODING: 1 },
  InsertMode: { UNKNOWN_MODE: 0, INSERT_OR_REPLACE: 1, INSERT: 2, REPLACE: 3 },
  FindResponseType: { UNKNOWN_TYPE: 0, RESULT_DOCUMENT: 1, QUERY_PLAN: 2 },
}

/** Section 1: name -> [request, response, server-streaming]. */
const RPCS: Readonly<Record<string, readonly [string, string, boolean]>> = {
  Ping: ['PingRequest', 'PingResponse', false],
  CreateTable: ['CreateTableRequest', 'CreateTableResponse', false],
  DeleteTable: ['DeleteTableRequest', 'DeleteTableResponse', false],
  TableExists: ['TableExistsRequest', 'TableExistsResponse', false],
  InsertOrReplace: ['InsertOrReplaceRequest', 'InsertOrReplaceResponse', false],
  FindById: ['FindByIdRequest', 'FindByIdResponse', false],
  Find: ['FindRequest', 'FindResponse', true],
  Update: ['UpdateRequest', 'UpdateResponse', false],
  Delete: ['DeleteRequest', 'DeleteResponse', false],
}

interface Tag {
  readonly field: number
  readonly wireType: number
  /** The payload of a length-delimited field. */
  readonly bytes?: Uint8Array
  /** The value of a varint field. */
  readonly varint?: number
}

function readVarint(bytes: Uint8Array, at: { pos: number }): number {
  let result = 0
  let shift = 0
  for (;;) {
    const byte = bytes[at.pos++]
    if (byte === undefined) throw new Error('truncated varint')
    result += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) return result
    shift += 7
  }
}

/** Reads the top-level tags of a message by hand: tag = (fieldNumber << 3) | wireType. */
function readTags(bytes: Uint8Array): Tag[] {
  const tags: Tag[] = []
  const at = { pos: 0 }
  while (at.pos < bytes.length) {
    const key = readVarint(bytes, at)
    const field = Math.floor(key / 8)
    const wireType = key % 8
    if (wireType === VARINT) tags.push({ field, wireType, varint: readVarint(bytes, at) })
    else if (wireType === LENGTH_DELIMITED) {
      const length = readVarint(bytes, at)
      tags.push({ field, wireType, bytes: bytes.subarray(at.pos, at.pos + length) })
      at.pos += length
    } else throw new Error(`unexpected wire type ${wireType} for field ${field}`)
  }
  return tags
}

const WIRE_TYPE: Readonly<Record<Kind, number>> = {
  string: LENGTH_DELIMITED,
  'repeated string': LENGTH_DELIMITED,
  message: LENGTH_DELIMITED,
  enum: VARINT,
  bool: VARINT,
}

/** A message with every field set to a non-default value, plus what each field should hold on the wire. */
function fullMessage(fields: readonly FieldSpec[]): Record<string, unknown> {
  const message: Record<string, unknown> = {}
  for (const f of fields) {
    switch (f.kind) {
      case 'string':
        message[f.name] = `${f.name}-value`
        break
      case 'repeated string':
        message[f.name] = ['a.b', 'c[0]']
        break
      case 'enum':
        // Field number + 1 keeps every enum field distinct and non-zero (zero is not written).
        message[f.name] = f.number + 1
        break
      case 'bool':
        message[f.name] = true
        break
      case 'message':
        message[f.name] = { errCode: WireErrorCode.DOCUMENT_NOT_FOUND, errorMessage: 'nope', javaStackTrace: 'at x' }
        break
    }
  }
  return message
}

function expectedTags(fields: readonly FieldSpec[]): { field: number; wireType: number }[] {
  return fields.flatMap((f) => {
    const one = { field: f.number, wireType: WIRE_TYPE[f.kind] }
    return f.kind === 'repeated string' ? [one, one] : [one]
  })
}

function checkPayloads(tags: readonly Tag[], fields: readonly FieldSpec[]): void {
  const text = (t: Tag) => new TextDecoder().decode(t.bytes)
  for (const f of fields) {
    const found = tags.filter((t) => t.field === f.number)
    switch (f.kind) {
      case 'string':
        expect(found.map(text)).toEqual([`${f.name}-value`])
        break
      case 'repeated string':
        expect(found.map(text)).toEqual(['a.b', 'c[0]'])
        break
      case 'enum':
        expect(found.map((t) => t.varint)).toEqual([f.number + 1])
        break
      case 'bool':
        expect(found.map((t) => t.varint)).toEqual([1])
        break
      case 'message': {
        const inner = readTags(found[0]?.bytes ?? new Uint8Array())
        expect(inner.map((t) => [t.field, t.wireType])).toEqual([
          [1, VARINT],
          [2, LENGTH_DELIMITED],
          [3, LENGTH_DELIMITED],
        ])
        expect(inner[0]?.varint).toBe(281)
        break
      }
    }
  }
}

const protoFile = fileURLToPath(new URL('../../lib/proto/maprdb-server.proto', import.meta.url))
const root = protobuf.loadSync(protoFile)

describe('maprdb-server.proto on the wire (protocol Section 2)', () => {
  it('declares exactly the messages of the reference', () => {
    const ns = root.lookup(PACKAGE) as protobuf.Namespace
    const messages = ns.nestedArray.filter((n) => n instanceof protobuf.Type).map((n) => n.name)
    expect(messages.sort()).toEqual(Object.keys(MESSAGES).sort())
  })

  it.each(Object.entries(MESSAGES))('%s has exactly the reference fields, numbers and oneofs', (name, fields) => {
    const type = root.lookupType(`${PACKAGE}.${name}`)
    const actual = type.fieldsArray.map((f) => ({
      name: f.name,
      number: f.id,
      repeated: f.repeated,
      oneof: f.partOf?.name,
    }))
    const expected = fields.map((f) => ({ name: f.name, number: f.number, repeated: f.kind === 'repeated string', oneof: f.oneof }))
    const byNumber = (a: { number: number }, b: { number: number }) => a.number - b.number
    expect(actual.sort(byNumber)).toEqual([...expected].sort(byNumber))
    // Every oneof holds exactly one member: it exists only to give the string explicit presence.
    for (const oneof of type.oneofsArray) expect(oneof.fieldsArray).toHaveLength(1)
  })

  it.each(Object.entries(MESSAGES))('%s encodes every field with the reference number and wire type (protobufjs)', (name, fields) => {
    const type = root.lookupType(`${PACKAGE}.${name}`)
    const bytes = type.encode(type.fromObject(fullMessage(fields))).finish()
    const tags = readTags(bytes)
    const sorted = [...tags].sort((a, b) => a.field - b.field)
    expect(sorted.map((t) => ({ field: t.field, wireType: t.wireType }))).toEqual(
      expectedTags([...fields].sort((a, b) => a.number - b.number)),
    )
    checkPayloads(tags, fields)
  })

  it('has the headline numbers the checklist names (Section 13, item 2)', () => {
    const number = (message: string, field: string) => root.lookupType(`${PACKAGE}.${message}`).fields[field]?.id
    expect(number('DeleteRequest', 'jsonCondition')).toBe(3)
    expect(number('DeleteRequest', 'jsonDocument')).toBe(4)
    expect(number('FindByIdRequest', 'jsonDocument')).toBe(5)
    expect(number('UpdateRequest', 'jsonDocument')).toBe(3)
    expect(number('InsertOrReplaceRequest', 'jsonDocument')).toBe(30)
    expect(number('FindByIdResponse', 'jsonDocument')).toBe(30)
    expect(number('FindResponse', 'jsonResponse')).toBe(30)
    expect(number('UpdateRequest', 'jsonMutation')).toBe(30)
  })

  it('writes field 30 as the two-byte tag 0xF2 0x01', () => {
    const type = root.lookupType(`${PACKAGE}.InsertOrReplaceRequest`)
    const bytes = type.encode(type.fromObject({ jsonDocument: '{"_id":"a"}' })).finish()
    // (30 << 3) | 2 = 242 = varint F2 01
    expect([...bytes.subarray(0, 3)]).toEqual([0xf2, 0x01, 11])
  })

  it('tells an absent oneof string from an empty one', () => {
    const type = root.lookupType(`${PACKAGE}.FindByIdRequest`)
    expect(readTags(type.encode(type.fromObject({})).finish())).toEqual([])
    const tags = readTags(type.encode(type.fromObject({ jsonCondition: '' })).finish())
    expect(tags.map((t) => [t.field, t.wireType, t.bytes?.length])).toEqual([[4, LENGTH_DELIMITED, 0]])
  })
})

describe('enums (protocol Section 3)', () => {
  it.each(Object.entries(ENUMS))('%s has exactly the reference names and values', (name, values) => {
    expect(root.lookupEnum(`${PACKAGE}.${name}`).values).toEqual(values)
  })

  it('the constants exported beside the loader match the reference', () => {
    expect(WireErrorCode).toEqual(ENUMS['ErrorCode'])
    expect(PayloadEncoding).toEqual(ENUMS['PayloadEncoding'])
    expect(InsertMode).toEqual(ENUMS['InsertMode'])
    expect(FindResponseType).toEqual(ENUMS['FindResponseType'])
  })
})

describe('the MapRDbServer service (protocol Section 1)', () => {
  const service = MapRDbServer.service as unknown as Record<
    string,
    {
      path: string
      requestStream: boolean
      responseStream: boolean
      requestSerialize: (value: object) => Buffer
      responseSerialize: (value: object) => Buffer
    }
  >

  it('has exactly the nine RPCs, Find server-streaming and all others unary', () => {
    expect(SERVICE_NAME).toBe(`${PACKAGE}.MapRDbServer`)
    expect(Object.keys(service).sort()).toEqual(Object.keys(RPCS).sort())
    for (const [name, [, , streaming]] of Object.entries(RPCS)) {
      const method = service[name]
      expect(method?.path).toBe(`/${PACKAGE}.MapRDbServer/${name}`)
      expect(method?.requestStream).toBe(false)
      expect(method?.responseStream).toBe(streaming)
    }
  })

  it('reflection agrees on request and response types', () => {
    const svc = root.lookupService(`${PACKAGE}.MapRDbServer`)
    expect(Object.keys(svc.methods).sort()).toEqual(Object.keys(RPCS).sort())
    for (const [name, [request, response, streaming]] of Object.entries(RPCS)) {
      const method = svc.methods[name]
      expect(method?.requestType).toBe(request)
      expect(method?.responseType).toBe(response)
      expect(method?.responseStream ?? false).toBe(streaming)
      expect(method?.requestStream ?? false).toBe(false)
    }
  })

  // The driver and the gateway serialize through the loader, not through protobufjs directly:
  // check that path too.
  it.each(Object.entries(RPCS))(
    '%s serializes requests and responses with the reference tags through the loader',
    (name, [request, response]) => {
      const method = service[name]
      if (method === undefined) throw new Error(`missing RPC ${name}`)
      for (const [message, serialize] of [
        [request, method.requestSerialize],
        [response, method.responseSerialize],
      ] as const) {
        const fields = MESSAGES[message] ?? []
        const tags = readTags(serialize(fullMessage(fields)))
        expect(tags.map((t) => ({ field: t.field, wireType: t.wireType })).sort((a, b) => a.field - b.field)).toEqual(
          expectedTags([...fields].sort((a, b) => a.number - b.number)),
        )
        checkPayloads(tags, fields)
      }
    },
  )
})
