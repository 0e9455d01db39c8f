/**
 * A raw grpc-js client of com.mapr.data.db.MapRDbServer for the gateway specs: no driver, no
 * retries, no mapping, so the specs see exactly what the wire carries.
 */
import * as grpc from '@grpc/grpc-js'
import { MapRDbServer } from '../../lib/proto/index.js'
import type { MapRDbServerClient } from '../../lib/proto/index.js'
import type { DeleteRequest } from '../../lib/proto/generated/com/mapr/data/db/DeleteRequest.js'
import type { DeleteResponse__Output } from '../../lib/proto/generated/com/mapr/data/db/DeleteResponse.js'
import type { FindByIdRequest } from '../../lib/proto/generated/com/mapr/data/db/FindByIdRequest.js'
import type { FindByIdResponse__Output } from '../../lib/proto/generated/com/mapr/data/db/FindByIdResponse.js'
import type { FindRequest } from '../../lib/proto/generated/com/mapr/data/db/FindRequest.js'
import type { FindResponse__Output } from '../../lib/proto/generated/com/mapr/data/db/FindResponse.js'
import type { InsertOrReplaceRequest } from '../../lib/proto/generated/com/mapr/data/db/InsertOrReplaceRequest.js'
import type { InsertOrReplaceResponse__Output } from '../../lib/proto/generated/com/mapr/data/db/InsertOrReplaceResponse.js'
import type { UpdateRequest } from '../../lib/proto/generated/com/mapr/data/db/UpdateRequest.js'
import type { UpdateResponse__Output } from '../../lib/proto/generated/com/mapr/data/db/UpdateResponse.js'
import type { RpcError } from '../../lib/proto/index.js'
import { ReplicationService } from '../../lib/gateway/internal-proto.js'
import type { ApplyRequest, ApplyResponse } from '../../lib/gateway/internal-proto.js'

type UnaryFn<Req, Res> = (req: Req, md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall

export interface Answer<Res> {
  readonly response: Res
  /** Response headers (initial metadata). */
  readonly headers: grpc.Metadata
}

export interface FindResult {
  readonly messages: FindResponse__Output[]
  readonly status: grpc.StatusObject
}

/** Plain text of the stored documents of a Find (only RESULT_DOCUMENT messages). */
export function docs(result: FindResult): string[] {
  return result.messages.filter((m) => m.type === 1).map((m) => m.jsonResponse ?? '')
}

export class RawClient {
  readonly client: MapRDbServerClient

  constructor(
    address: string,
    credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
    options: grpc.ChannelOptions = {},
    private readonly metadata: () => grpc.Metadata = () => new grpc.Metadata(),
  ) {
    this.client = new MapRDbServer(address, credentials, options)
  }

  close(): void {
    this.client.close()
  }

  /** Any unary RPC by name, with its headers; rejects with the gRPC ServiceError on a non-OK status. */
  call<Res>(name: string, request: object, metadata: grpc.Metadata = this.metadata(), deadlineMs = 10_000): Promise<Answer<Res>> {
    const fn = (this.client as unknown as Record<string, UnaryFn<object, Res>>)[name]
    if (fn === undefined) throw new Error(`no RPC ${name}`)
    return new Promise((resolve, reject) => {
      let headers = new grpc.Metadata()
      const call = fn.call(this.client, request, metadata, { deadline: Date.now() + deadlineMs }, (err, res) => {
        if (err) reject(err)
        else resolve({ response: res as Res, headers })
      })
      call.on('metadata', (md: grpc.Metadata) => {
        headers = md
      })
    })
  }

  async error(name: string, request: object): Promise<RpcError> {
    const { response } = await this.call<{ error: RpcError | null }>(name, request)
    if (response.error === null) throw new Error(`${name} answered without an error field`)
    return response.error
  }

  async code(name: string, request: object): Promise<number> {
    return (await this.error(name, request)).errCode
  }

  async ping(): Promise<object> {
    return (await this.call<object>('Ping', {})).response
  }

  createTable(tablePath: string): Promise<number> {
    return this.code('CreateTable', { tablePath })
  }

  deleteTable(tablePath: string): Promise<number> {
    return this.code('DeleteTable', { tablePath })
  }

  tableExists(tablePath: string): Promise<number> {
    return this.code('TableExists', { tablePath })
  }

  insert(tablePath: string, jsonDocument: string, insertMode = 1, extra: Partial<InsertOrReplaceRequest> = {}): Promise<number> {
    return this.code('InsertOrReplace', { tablePath, insertMode, payloadEncoding: 1, jsonDocument, ...extra })
  }

  async insertResponse(request: InsertOrReplaceRequest): Promise<InsertOrReplaceResponse__Output> {
    return (await this.call<InsertOrReplaceResponse__Output>('InsertOrReplace', request)).response
  }

  async findById(tablePath: string, jsonDocument: string, extra: Partial<FindByIdRequest> = {}): Promise<FindByIdResponse__Output> {
    return (await this.call<FindByIdResponse__Output>('FindById', { tablePath, payloadEncoding: 1, jsonDocument, ...extra })).response
  }

  async update(tablePath: string, jsonDocument: string, jsonMutation: string, extra: Partial<UpdateRequest> = {}): Promise<number> {
    const { response } = await this.call<UpdateResponse__Output>('Update', {
      tablePath,
      payloadEncoding: 1,
      jsonDocument,
      jsonMutation,
      ...extra,
    })
    return response.error?.errCode ?? -1
  }

  async delete(tablePath: string, jsonDocument: string, extra: Partial<DeleteRequest> = {}): Promise<number> {
    const { response } = await this.call<DeleteResponse__Output>('Delete', { tablePath, payloadEncoding: 1, jsonDocument, ...extra })
    return response.error?.errCode ?? -1
  }

  /** Runs a Find to its end (OK or not). */
  find(request: FindRequest, metadata: grpc.Metadata = this.metadata(), deadlineMs = 20_000): Promise<FindResult> {
    return new Promise((resolve) => {
      const messages: FindResponse__Output[] = []
      const stream = this.client.Find(request, metadata, { deadline: Date.now() + deadlineMs })
      stream.on('data', (m: FindResponse__Output) => messages.push(m))
      stream.on('status', (status: grpc.StatusObject) => resolve({ messages, status }))
      // 'error' precedes 'status' for non-OK endings; the status carries what we need.
      stream.on('error', () => {})
    })
  }

  /** Find with the usual JSON query shape. */
  query(tablePath: string, jsonQuery: string, includeQueryPlan = false): Promise<FindResult> {
    return this.find({ tablePath, payloadEncoding: 1, jsonQuery, includeQueryPlan })
  }
}

/** A raw client of the gateway's internal Replication service, for forging batches. */
export class RawPeer {
  private readonly client: grpc.Client & {
    Apply: (
      req: ApplyRequest,
      md: grpc.Metadata,
      opts: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, res?: ApplyResponse) => void,
    ) => void
  }

  constructor(
    address: string,
    private readonly metadata: () => grpc.Metadata = () => new grpc.Metadata(),
  ) {
    this.client = new ReplicationService(address, grpc.credentials.createInsecure()) as unknown as RawPeer['client']
  }

  /** Sends one batch; resolves with the answer or the gRPC error (never rejects). */
  apply(request: ApplyRequest, metadata = this.metadata()): Promise<{ response?: ApplyResponse; error?: grpc.ServiceError }> {
    return new Promise((resolve) => {
      this.client.Apply(request, metadata, { deadline: Date.now() + 10_000 }, (err, res) =>
        resolve(err === null ? { response: res as ApplyResponse } : { error: err }),
      )
    })
  }

  close(): void {
    this.client.close()
  }
}
