/**
 * Client of a gateway's internal `GatewayControl` service: drives the faults of a gateway running
 * in another process (the chaos harness, the demo) and reads its stats.
 *
 * ```ts
 * const control = new GatewayControlClient('127.0.0.1:5678')
 * await control.setFault('FindById', { type: 'latency', ms: 1000, p: 0.01 })
 * await control.clearFaults()
 * control.close()
 * ```
 */
import * as grpc from '@grpc/grpc-js'
import { AUTHORIZATION } from '../proto/index.js'
import type { Fault, FaultTarget } from './faults.js'
import { anObject, checkOptions, integerIn, MAX_TIMER_MS, nonEmptyString, rule, type Rules } from '../ojai/check-options.js'
import { ControlService } from './internal-proto.js'
import type { ControlResponse } from './internal-proto.js'
import type { GatewayStats } from './stats.js'

/** @category Faults */
export interface ControlClientOptions {
  /** Default plaintext; pass `grpc.credentials.createSsl(ca)` for a TLS gateway. */
  readonly credentials?: grpc.ChannelCredentials
  readonly channelOptions?: grpc.ChannelOptions
  /** When the gateway requires authentication. */
  readonly user?: string
  readonly password?: string
  /** Deadline of each control call. Default 5 000 ms. */
  readonly timeoutMs?: number
}

const CONTROL_CLIENT: Rules<ControlClientOptions> = {
  credentials: anObject('grpc ChannelCredentials'),
  channelOptions: anObject('an object of gRPC channel options'),
  user: nonEmptyString(),
  password: rule('a string', (v) => typeof v === 'string'),
  timeoutMs: integerIn(1, MAX_TIMER_MS),
}

type Method = (
  req: object,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: ControlResponse) => void,
) => grpc.ClientUnaryCall

/** @category Faults */
export class GatewayControlClient {
  private readonly client: grpc.Client & Record<'SetFault' | 'ClearFaults' | 'GetStats', Method>
  private readonly timeoutMs: number
  private readonly authorization: string | undefined

  /** Throws InvalidOptionsError for options it does not know or values they do not accept, before any channel is made. */
  constructor(address: string, options: ControlClientOptions = {}) {
    checkOptions('GatewayControlClient options', options, CONTROL_CLIENT)
    this.client = new ControlService(
      address,
      options.credentials ?? grpc.credentials.createInsecure(),
      options.channelOptions,
    ) as unknown as GatewayControlClient['client']
    this.timeoutMs = options.timeoutMs ?? 5000
    this.authorization =
      options.user === undefined ? undefined : `basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}`
  }

  /** Sets (replaces) the fault of one RPC, or of all with `'*'`. */
  async setFault(target: FaultTarget, fault: Fault): Promise<void> {
    await this.call('SetFault', { target, faultJson: JSON.stringify(fault) })
  }

  /** Clears the fault of one target, or all faults; stalled calls are released. */
  async clearFaults(target?: FaultTarget): Promise<void> {
    await this.call('ClearFaults', { target: target ?? '' })
  }

  async stats(): Promise<GatewayStats> {
    const res = await this.call('GetStats', {})
    return JSON.parse(res.json) as GatewayStats
  }

  close(): void {
    this.client.close()
  }

  private call(method: 'SetFault' | 'ClearFaults' | 'GetStats', request: object): Promise<ControlResponse> {
    const metadata = new grpc.Metadata()
    if (this.authorization !== undefined) metadata.set(AUTHORIZATION, this.authorization)
    return new Promise((resolve, reject) => {
      this.client[method](request, metadata, { deadline: Date.now() + this.timeoutMs }, (err, res) => {
        if (err !== null) reject(err)
        else if (res === undefined) reject(new Error('empty control answer'))
        else if (res.error !== '') reject(new Error(res.error))
        else resolve(res)
      })
    })
  }
}
