/**
 * "Slow primary" through the gateway's own fault controls, per call: 3% of the primary's
 * answers take 250 ms, the others are as fast as ever. (A latency fault on the TCP proxy would
 * slow every call behind a delayed chunk of the shared HTTP/2 connection instead: a slow network,
 * not a slow server.)
 */
import type { GatewayNode } from '../../lib/chaos/cluster.js'
import { GatewayControlClient } from '../../lib/gateway/control-client.js'

export const SLOW_SHARE = 0.03
export const SLOW_MS = 250

export async function slowPrimaryByGatewayControl(node: GatewayNode, on: boolean): Promise<void> {
  if (node.state !== 'running') return
  // The control service listens on the gateway's own port, not behind the fault proxy.
  const control = new GatewayControlClient(node.directConnectionString.replace(/\?.*$/, ''))
  try {
    if (on) await control.setFault('*', { type: 'latency', ms: SLOW_MS, p: SLOW_SHARE })
    else await control.clearFaults()
  } finally {
    control.close()
  }
}
