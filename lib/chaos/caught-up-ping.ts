/**
 * A failback probe that also waits for replication: a cluster counts as healthy only when it
 * answers Ping and every other running gateway has nothing left to ship to it.
 *
 * Why: with last-writer-wins replication of whole documents, failing back to a primary that has
 * not yet received the writes made on the secondary during the outage lets new writes on the
 * primary overwrite them (a counter incremented on the primary's stale copy wins by timestamp).
 * The gateway's control service reports each replication link's queue, so the probe can wait.
 */
import { defer, lastValueFrom, type Observable } from 'rxjs'
import { GatewayControlClient } from '../gateway/control-client.js'
import { isCaughtUp } from '../gateway/replication.js'
import type { ClusterHarness, GatewayNode } from './cluster.js'

export function caughtUpPing(harness: ClusterHarness, target: GatewayNode, ping: () => Observable<unknown>): () => Observable<unknown> {
  return () =>
    defer(async () => {
      await lastValueFrom(ping(), { defaultValue: undefined })
      for (const node of harness.nodes) {
        if (node === target || node.state !== 'running') continue
        const control = new GatewayControlClient(node.directConnectionString.replace(/\?.*$/, ''), { timeoutMs: 1000 })
        try {
          const stats = await control.stats()
          const link = stats.replication.peers.find((p) => p.address === target.replicationProxy.address)
          if (link !== undefined && !isCaughtUp(link)) {
            throw new Error(
              `${node.name} has not caught ${target.name} up (queue ${link.queueDepth}, resync ${link.resyncPending}, connected ${link.connected})`,
            )
          }
        } finally {
          control.close()
        }
      }
      return true
    })
}
