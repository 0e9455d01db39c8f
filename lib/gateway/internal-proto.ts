/**
 * Loader of `internal.proto` (replication and remote control). Plain interfaces instead of
 * generated code: the messages are few and only this folder uses them.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'

function protoFile(): string {
  // Sits beside this module in lib/ and is copied beside it into dist/ by the build.
  const file = fileURLToPath(new URL('./internal.proto', import.meta.url))
  if (!existsSync(file)) throw new Error(`the gateway's internal protocol definition is missing: ${file}`)
  return file
}

/** The loaded definitions (for the request checks of strict-utf8.ts). */
export const INTERNAL_PACKAGE = 'ojai.failover.internal'
export const internalDefinitions = protoLoader.loadSync(protoFile(), {
  keepCase: false,
  longs: Number,
  enums: Number,
  defaults: true,
  oneofs: true,
})
const loaded = grpc.loadPackageDefinition(internalDefinitions) as unknown as {
  ojai: { failover: { internal: { Replication: grpc.ServiceClientConstructor; GatewayControl: grpc.ServiceClientConstructor } } }
}

export const ReplicationService = loaded.ojai.failover.internal.Replication
export const ControlService = loaded.ojai.failover.internal.GatewayControl

export const ChangeKind = { DOCUMENT: 0, TABLE: 1 } as const
export const DocOpKind = { PUT: 0, MUTATE: 1, STATE: 2 } as const

export interface LoggedMutationMessage {
  ts: number
  origin: string
  mutation: string
}

export interface ChangeMessage {
  kind: number
  tablePath: string
  key: Buffer
  jsonDocument: string
  ts: number
  origin: string
  tombstone: boolean
  op?: number
  log?: LoggedMutationMessage[]
  resetTs?: number
  resetOrigin?: string
  inexact?: boolean
}

export interface ApplyRequest {
  source: string
  changes: ChangeMessage[]
  /** See internal.proto; 0 when absent. */
  watermark?: number
  /** The receiver's incarnation `watermark` is relative to. */
  incarnation?: string
}

export interface ApplyResponse {
  incarnation: string
  applied: number
}

export interface SetFaultRequest {
  target: string
  faultJson: string
}

export interface ClearFaultsRequest {
  target: string
}

export interface ControlResponse {
  error: string
  json: string
}
