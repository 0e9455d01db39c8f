/** The embedded gateway on 127.0.0.1, port 0 unless told, for the driver's integration specs. */
import { type GatewayOptions, type OjaiGateway, type RpcName, startGateway } from '../../../lib/gateway/index.js'

export interface TestGateway {
  readonly gateway: OjaiGateway
  readonly port: number
  /** Every MapRDbServer call that reached the gateway, whatever its outcome. */
  requestCount(): number
  /** Calls of this RPC never answer from now on (until the gateway closes). */
  stall(rpc: RpcName): void
  close(): Promise<void>
}

export async function startTestGateway(options: GatewayOptions = {}): Promise<TestGateway> {
  const gateway = await startGateway({ host: '127.0.0.1', port: 0, closeGraceMs: 200, ...options })
  return {
    gateway,
    port: gateway.port,
    requestCount: () => gateway.stats().totalRequests,
    stall: (rpc) => gateway.faults.set(rpc, { type: 'stall' }),
    close: () => gateway.close(),
  }
}
