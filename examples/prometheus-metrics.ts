/**
 * Exporting failover metrics to Prometheus with prom-client.
 *
 * Shows: a counter of `events$` by type and cluster, a gauge of the active cluster from
 * `cluster$`, and latency percentiles read from `stats()` at scrape time (the FailoverStore
 * keeps HDR histograms per cluster and operation; nothing extra to record). Serve
 * `registry.metrics()` on your `/metrics` endpoint; here it is printed once after a failover.
 *
 *   npx tsx examples/prometheus-metrics.ts
 */
import { filter, firstValueFrom, lastValueFrom, timeout } from 'rxjs'
import { Counter, Gauge, Registry } from 'prom-client'
import { connect, FailoverStore } from '../lib/index.js'
import { clusters } from './support.js'

const env = await clusters(2)
const path = await env.replicatedTable('users')
const c1 = connect(env.primary)
const c2 = connect(env.secondary)
const names = ['cluster1', 'cluster2']
const users = new FailoverStore(
  [
    { name: 'cluster1', store: c1.store(path), ping: () => c1.ping() },
    { name: 'cluster2', store: c2.store(path), ping: () => c2.ping() },
  ],
  { timeoutMs: 300 },
)

/** Registers the metrics of one FailoverStore. */
function instrument(store: FailoverStore, registry: Registry, table: string): void {
  const events = new Counter({
    name: 'ojai_failover_events_total',
    help: 'FailoverStore events (timeout, silent, heard, failover, failback, probe-ok, probe-failed, hedge, gave-up)',
    labelNames: ['table', 'type', 'cluster'],
    registers: [registry],
  })
  store.events$.subscribe((e) => events.inc({ table, type: e.type, cluster: e.cluster }))

  const active = new Gauge({
    name: 'ojai_failover_active_cluster',
    help: '1 for the cluster operations go to',
    labelNames: ['table', 'cluster'],
    registers: [registry],
  })
  store.cluster$.subscribe((s) => {
    for (const name of names) active.set({ table, cluster: name }, name === s.name ? 1 : 0)
  })

  new Gauge({
    name: 'ojai_failover_latency_ms',
    help: 'Operation latency percentiles per cluster and operation, since start',
    labelNames: ['table', 'cluster', 'operation', 'quantile'],
    registers: [registry],
    collect() {
      for (const [cluster, ops] of Object.entries(store.stats().clusters)) {
        for (const [operation, s] of Object.entries(ops)) {
          if (s === undefined) continue
          this.set({ table, cluster, operation, quantile: '0.5' }, s.latencyMs.p50)
          this.set({ table, cluster, operation, quantile: '0.99' }, s.latencyMs.p99)
        }
      }
    },
  })
}

const registry = new Registry()
instrument(users, registry, path)

await firstValueFrom(users.insertOrReplace({ _id: 'u1', name: 'Ada' }))
for (let i = 0; i < 20; i++) await lastValueFrom(users.findById('u1'))
await env.cutPrimary()
// The silent primary is suspected within milliseconds and the reads go to cluster2 at once; the
// switch of the active cluster (the `failover` event) comes when the read left on cluster1 times out.
const switched = firstValueFrom(
  users.events$.pipe(
    filter((e) => e.type === 'failover'),
    timeout(10_000),
  ),
)
for (let i = 0; i < 20; i++) await lastValueFrom(users.findById('u1'))
await switched

const text = await registry.metrics()
console.log(
  text
    .split('\n')
    .filter((line) => line.startsWith('ojai_failover_'))
    .join('\n'),
)

await users.close()
await Promise.all([c1.close(), c2.close()])
await env.close()
