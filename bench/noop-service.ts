/** The bare no-op gRPC service: raw bytes in and out, no protobuf, no proto file. */
import type * as grpc from '@grpc/grpc-js'

const identity = (b: Buffer): Buffer => b

export const NOOP_PATH = '/bench.Noop/Call'

export const NOOP_SERVICE: grpc.ServiceDefinition = {
  call: {
    path: NOOP_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
}
