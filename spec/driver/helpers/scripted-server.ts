/**
 * A bare gRPC server speaking the gateway's service with handlers chosen per test, for driver
 * behaviour the embedded gateway cannot be made to show on purpose (a token that expires on
 * every call, a malformed stream, a server lying in its status details). It records every call:
 * method, request, authorization header, and whether the client cancelled it.
 */
import * as grpc from '@grpc/grpc-js'
import { MapRDbServer } from '../../../lib/proto/index.js'

export interface RecordedCall {
  readonly method: string
  readonly request: Record<string, unknown>
  readonly authorization: string | undefined
  /** The call's deadline as the server saw it (ms since the epoch), `Infinity` when the client sent none. */
  readonly deadline: number
  /** When the call arrived (ms since the epoch). */
  readonly receivedAt: number
  cancelled: boolean
}

type Unary = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => void
type Streaming = (call: grpc.ServerWritableStream<Record<string, unknown>, unknown>) => void

export interface ScriptedHandlers {
  Ping?: Unary
  CreateTable?: Unary
  DeleteTable?: Unary
  TableExists?: Unary
  InsertOrReplace?: Unary
  FindById?: Unary
  Update?: Unary
  Delete?: Unary
  Find?: Streaming
}

const OK = { error: { errCode: 0, errorMessage: '', javaStackTrace: '' } }

export class ScriptedServer {
  readonly calls: RecordedCall[] = []
  handlers: ScriptedHandlers = {}
  private readonly server = new grpc.Server()
  port = 0

  private constructor() {}

  static async start(handlers: ScriptedHandlers = {}, port = 0): Promise<ScriptedServer> {
    const s = new ScriptedServer()
    s.handlers = handlers
    const unary =
      (method: Exclude<keyof ScriptedHandlers, 'Find'>) =>
      (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const record = s.record(method, call)
        call.on('cancelled', () => (record.cancelled = true))
        const handler = s.handlers[method]
        if (handler) handler(call, callback)
        else callback(null, method === 'Ping' ? {} : OK)
      }
    s.server.addService(MapRDbServer.service, {
      Ping: unary('Ping'),
      CreateTable: unary('CreateTable'),
      DeleteTable: unary('DeleteTable'),
      TableExists: unary('TableExists'),
      InsertOrReplace: unary('InsertOrReplace'),
      FindById: unary('FindById'),
      Update: unary('Update'),
      Delete: unary('Delete'),
      Find: (call: grpc.ServerWritableStream<Record<string, unknown>, unknown>) => {
        const record = s.record('Find', call)
        call.on('cancelled', () => (record.cancelled = true))
        const handler = s.handlers.Find
        if (handler) handler(call)
        else call.end()
      },
    })
    s.port = await new Promise<number>((resolve, reject) =>
      s.server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    )
    return s
  }

  private record(
    method: string,
    call: { request: Record<string, unknown>; metadata: grpc.Metadata; getDeadline(): grpc.Deadline },
  ): RecordedCall {
    const auth = call.metadata.get('authorization')[0]
    const deadline = call.getDeadline()
    const entry: RecordedCall = {
      method,
      request: call.request,
      authorization: auth === undefined ? undefined : String(auth),
      deadline: deadline instanceof Date ? deadline.getTime() : deadline,
      receivedAt: Date.now(),
      cancelled: false,
    }
    this.calls.push(entry)
    return entry
  }

  /** Calls of one method. */
  of(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method)
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.forceShutdown()
      resolve()
    })
  }
}

/** A response carrying a wire error code. */
export function wireError(
  errCode: number,
  errorMessage = '',
): { error: { errCode: number; errorMessage: string; javaStackTrace: string } } {
  return { error: { errCode, errorMessage, javaStackTrace: '' } }
}

/** A gRPC status error for a handler's callback. */
export function statusError(code: grpc.status, details: string, metadata?: grpc.Metadata): Partial<grpc.StatusObject> & Error {
  return Object.assign(new Error(details), { code, details, ...(metadata ? { metadata } : {}) })
}
