/**
 * A bare grpc-js unary server whose one method answers an empty message at once: the physical
 * limit of a gRPC round trip on this machine, for the overhead section. Run as a child process
 * (like the gateways) so client and server do not share an event loop.
 *
 * Prints `listening on 127.0.0.1:<port>` when ready; exits on SIGTERM or when stdin closes.
 */
import * as grpc from '@grpc/grpc-js'
import { NOOP_SERVICE } from './noop-service.js'

const server = new grpc.Server()
server.addService(NOOP_SERVICE, {
  call: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.alloc(0)),
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
process.stdin.on('end', stop)
process.stdin.resume()
