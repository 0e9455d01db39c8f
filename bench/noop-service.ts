/** The bare no-op gRPC service: raw bytes in and out, no protobuf, no proto file. */
import type * as grpc from '@grpc/grpc-js'

const identity = (b: Buffer): Buffer => b

export const NOOP_PATH = '/bench.Noop/Call'

/**
 * Server streaming: the request is a 4-byte big-endian count followed by a payload; the answer is
 * that payload `count` times, one message each, written at once. The physical limit of a stream
 * of results of that size (a gateway's Find with no work per result).
 */
export const NOOP_STREAM_PATH = '/bench.Noop/Stream'

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
  stream: {
    path: NOOP_STREAM_PATH,
    requestStream: false,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
}
