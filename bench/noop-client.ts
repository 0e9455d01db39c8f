/**
 * Starts the bare no-op gRPC server ({@link ./noop-server.ts}) as a child process and calls it
 * the way the driver calls a gateway: one channel, a deadline per call, each call a cold
 * Observable that cancels on unsubscribe.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { createInterface, type Interface } from 'node:readline'
import * as grpc from '@grpc/grpc-js'
import { Observable } from 'rxjs'
import { reapOnExit } from '../lib/chaos/reaper.js'
import { CpuQuery } from './cpu-query.js'
import { NOOP_PATH, NOOP_STREAM_PATH } from './noop-service.js'

const EMPTY = Buffer.alloc(0)
const identity = (b: Buffer): Buffer => b

export class NoopGrpc {
  private readonly cpu: CpuQuery

  private constructor(
    private readonly child: ChildProcess,
    private readonly client: grpc.Client,
    lines: Interface,
  ) {
    this.cpu = new CpuQuery('no-op gRPC server', child, lines)
  }

  static async start(timeoutMs = 15_000): Promise<NoopGrpc> {
    const script = fileURLToPath(new URL('./noop-server.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'pipe'] })
    reapOnExit(child)
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no-op gRPC server: no "listening on" within ${timeoutMs} ms`)), timeoutMs)
      child.once('exit', (code) => reject(new Error(`no-op gRPC server exited (${code}) before listening`)))
      lines.on('line', (line) => {
        const m = /listening on .+:(\d+)/.exec(line)
        if (m !== null) {
          clearTimeout(timer)
          resolve(Number(m[1]))
        }
      })
    }).catch((error: unknown) => {
      child.kill('SIGKILL')
      throw error
    })
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure())
    return new NoopGrpc(child, client, lines)
  }

  /** The server process's CPU time so far (user + system), in µs. */
  cpuUs(): Promise<number> {
    return this.cpu.cpuUs()
  }

  /** One no-op unary call. */
  call(): Observable<void> {
    return new Observable<void>((subscriber) => {
      const call = this.client.makeUnaryRequest<Buffer, Buffer>(
        NOOP_PATH,
        identity,
        identity,
        EMPTY,
        { deadline: Date.now() + 10_000 },
        (error) => {
          if (error !== null) subscriber.error(error)
          else subscriber.complete()
        },
      )
      return () => call.cancel()
    })
  }

  /** One no-op stream: `payload` received `count` times, one message each; completes at the stream's end. */
  stream(payload: Buffer, count: number): Observable<void> {
    const request = Buffer.concat([Buffer.alloc(4), payload])
    request.writeUInt32BE(count, 0)
    return new Observable<void>((subscriber) => {
      const call = this.client.makeServerStreamRequest<Buffer, Buffer>(NOOP_STREAM_PATH, identity, identity, request, {
        deadline: Date.now() + 60_000,
      })
      let received = 0
      call.on('data', () => received++)
      call.on('error', (error) => subscriber.error(error))
      call.on('end', () =>
        received === count
          ? subscriber.complete()
          : subscriber.error(new Error(`no-op stream ended after ${received} of ${count} messages`)),
      )
      return () => call.cancel()
    })
  }

  async close(): Promise<void> {
    this.client.close()
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit')
      this.child.stdin?.end()
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
    }
  }
}
