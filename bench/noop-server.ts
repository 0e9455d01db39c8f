/**
 * A bare grpc-js server whose unary method answers an empty message at once, and whose streaming
 * method sends a given payload a given number of times (noop-service.ts): the physical limits of
 * a gRPC round trip and of a result stream on this machine, for the overhead section and the
 * gateway experiment. Run as a child process (like the gateways) so client and server do not
 * share an event loop.
 *
 * Prints `listening on 127.0.0.1:<port>` when ready; answers `cpu` lines on stdin with its CPU time
 * (cpu-query.ts); exits on SIGTERM or when stdin closes.
 */
import * as grpc from '@grpc/grpc-js'
import { answerCpuQueries } from './cpu-query.js'
import { NOOP_SERVICE } from './noop-service.js'

const server = new grpc.Server()
server.addService(NOOP_SERVICE, {
  call: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.alloc(0)),
  stream: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
    const count = call.request.length >= 4 ? call.request.readUInt32BE(0) : 0
    const payload = call.request.subarray(4)
    for (let i = 0; i < count; i++) call.write(payload)
    call.end()
  },
})
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error !== null) {
    console.error(error.message)
    process.exit(1)
  }
  console.log(`listening on 127.0.0.1:${port}`)
})
const stop = () => server.tryShutdown(() => process.exit(0))
process.once('SIGTERM', stop)
answerCpuQueries().once('close', stop)
