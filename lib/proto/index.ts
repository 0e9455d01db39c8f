/**
 * The gateway protocol, loaded once from `maprdb-server.proto`. Both the driver and the embedded
 * gateway use this module, so they can never disagree about a field number.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import type { ProtoGrpcType } from './generated/maprdb-server.js'
import type { MapRDbServerClient, MapRDbServerHandlers } from './generated/com/mapr/data/db/MapRDbServer.js'

export type { MapRDbServerClient, MapRDbServerHandlers }
export type { RpcError__Output as RpcError } from './generated/com/mapr/data/db/RpcError.js'

/** How the messages look in JavaScript: camelCase fields, enums as numbers, defaults filled in, oneof names set. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: Number,
  defaults: true,
  oneofs: true,
}

function protoFile(): string {
  // The .proto sits beside this module in the source tree and is copied beside it into dist/.
  const file = fileURLToPath(new URL('./maprdb-server.proto', import.meta.url))
  if (!existsSync(file)) throw new Error(`the gateway protocol definition is missing: ${file}`)
  return file
}

export const packageDefinition: protoLoader.PackageDefinition = protoLoader.loadSync(protoFile(), LOADER_OPTIONS)

const proto = grpc.loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType

/** The client constructor and `service` definition of `com.mapr.data.db.MapRDbServer`. */
export const MapRDbServer = proto.com.mapr.data.db.MapRDbServer

/** The fully-qualified service name. */
export const SERVICE_NAME = 'com.mapr.data.db.MapRDbServer'

export { WireErrorCode as ErrorCode } from './error-codes.js'
export { AUTHORIZATION, BEARER_TOKEN, DEFAULT_PORT, FindResponseType, InsertMode, PayloadEncoding, TOKEN_EXPIRED } from './constants.js'
