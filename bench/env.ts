/**
 * The bench's clusters: two embedded gateways as child processes (so client and gateways do not
 * share an event loop, and SIGSTOP/SIGKILL are real), each behind a fault proxy, from the chaos
 * suite's {@link ClusterHarness}. Connections made here are tracked and closed by {@link close}.
 *
 * - `direct(node)`: straight to the gateway (healthy sections: overhead, hedging).
 * - `proxied(node)`: through its client proxy (fault sections), which keeps its port across
 *   gateway restarts.
 */
import { firstValueFrom, timeout } from 'rxjs'
import { ClusterHarness, type ClusterHarnessOptions, type GatewayNode } from '../lib/chaos/cluster.js'
import { connect, type Connection } from '../lib/driver/index.js'
import type { ConnectOptions } from '../lib/driver/options.js'
import { OjaiError } from '../lib/ojai/errors.js'
import type { DocumentWithId } from '../lib/ojai/values.js'
import { GatewayControlClient } from '../lib/gateway/control-client.js'
import type { Fault, FaultTarget } from '../lib/gateway/faults.js'

export class GatewayEnv {
  private readonly connections = new Set<Connection>()
  private readonly controls = new Map<string, GatewayControlClient>()
  private tables = 0

  private constructor(readonly harness: ClusterHarness) {}

  /**
   * Clusters A and B. By default without replication: the bench seeds both clusters itself, and
   * replication traffic would only add noise; an experiment about replicas passes
   * `{ replicate: true }` (and e.g. per-gateway `gatewayArgs`).
   */
  static async start(options: Pick<ClusterHarnessOptions, 'replicate' | 'gatewayArgs'> = {}): Promise<GatewayEnv> {
    const harness = await ClusterHarness.start({ clusters: ['A', 'B'], replicate: false, ...options })
    return new GatewayEnv(harness)
  }

  get a(): GatewayNode {
    return this.harness.node('A')
  }

  get b(): GatewayNode {
    return this.harness.node('B')
  }

  /** A tracked connection; closed by {@link close} unless closed earlier with {@link release}. */
  connect(connectionString: string, options?: ConnectOptions): Connection {
    const c = connect(connectionString, options)
    this.connections.add(c)
    return c
  }

  direct(node: GatewayNode, options?: ConnectOptions): Connection {
    return this.connect(node.directConnectionString, options)
  }

  proxied(node: GatewayNode, options?: ConnectOptions): Connection {
    return this.connect(node.connectionString, options)
  }

  release(...connections: Connection[]): void {
    for (const c of connections) {
      void c.close({ graceMs: 0 })
      this.connections.delete(c)
    }
  }

  /** A fresh table on both clusters holding `docs` (written directly to each). */
  async table(docs: readonly DocumentWithId[]): Promise<string> {
    const path = `/bench/t${++this.tables}_${process.pid}`
    for (const node of [this.a, this.b]) {
      const c = connect(node.directConnectionString)
      try {
        try {
          await firstValueFrom(c.createStore(path).pipe(timeout(10_000)))
        } catch (error) {
          if (!(error instanceof OjaiError && error.code === 'TABLE_EXISTS')) throw error
        }
        const store = c.store(path)
        for (let i = 0; i < docs.length; i += 64) {
          await Promise.all(
            docs.slice(i, i + 64).map((d) => firstValueFrom(store.insertOrReplace(d, { timeoutMs: 10_000 }), { defaultValue: undefined })),
          )
        }
      } finally {
        c.close()
      }
    }
    return path
  }

  /** Sets a gateway-side fault (e.g. a latency distribution) on a running node. */
  async setFault(node: GatewayNode, target: FaultTarget, fault: Fault): Promise<void> {
    await this.control(node).setFault(target, fault)
  }

  async clearFaults(node: GatewayNode): Promise<void> {
    await this.control(node).clearFaults()
  }

  private control(node: GatewayNode): GatewayControlClient {
    const key = node.directConnectionString
    let c = this.controls.get(key)
    if (c === undefined) {
      c = new GatewayControlClient(key.replace(/\?.*$/, ''))
      this.controls.set(key, c)
    }
    return c
  }

  /** Every gateway running and reachable: dead ones restarted, paused ones resumed, proxies passing. */
  async heal(): Promise<void> {
    // A restarted gateway listens on a new port; its control client is made afresh on next use.
    for (const node of this.harness.nodes) if (node.state === 'stopped') await node.start()
    await this.harness.healAll()
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections].map((c) => c.close({ graceMs: 0 })))
    this.connections.clear()
    for (const c of this.controls.values()) c.close()
    this.controls.clear()
    await this.harness.close()
  }
}
