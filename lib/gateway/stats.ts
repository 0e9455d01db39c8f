/** The gateway's counters, as `gateway.stats()` and the control service's GetStats return them. */
import type { RequestCounts } from './call-guard.js'
import type { Fault, FaultTarget } from './faults.js'
import type { PeerStats } from './replication.js'

/** @category Gateway */
export interface GatewayStats {
  readonly id: string
  readonly incarnation: string
  readonly address: string
  readonly storage: string
  /** Calls of each MapRDbServer RPC that reached the server (refused, faulted and failed ones included). */
  readonly requests: RequestCounts
  readonly totalRequests: number
  readonly faults: { readonly active: readonly { target: FaultTarget; fault: Fault }[]; readonly stalled: number; readonly fired: number }
  readonly replication: { readonly lagMs: number; readonly queueDepth: number; readonly peers: readonly PeerStats[] }
  /** Find streams being served, waiting for a slot, and bytes of their results not yet flushed (find-limits.ts). */
  readonly finds: { readonly running: number; readonly waiting: number; readonly bufferedBytes: number }
}
