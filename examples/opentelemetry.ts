/**
 * OpenTelemetry traces and metrics of a failover, printed by the SDK's console exporters.
 *
 * Shows: `enableOpenTelemetry()` from `ojai-failover/otel` after the SDK is set up (here a
 * BasicTracerProvider with the ConsoleSpanExporter, a MeterProvider with the
 * ConsoleMetricExporter, and the AsyncLocalStorage context manager so the application's own span
 * parents the operation), then one read that fails over: the primary is cut (every byte dropped)
 * and the read's first attempt times out after 300 ms. The console shows the trace: the
 * application span `handle request`, its child `findById <table>` (clusters contacted, attempts),
 * and under it `attempt cluster1` (timed-out) and `attempt cluster2` (answered), with the
 * suspicion and switch events; then the metric points, `db.client.operation.duration` first.
 * In production, swap the console exporters for OTLP ones.
 *
 *   npx tsx examples/opentelemetry.ts
 */
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { firstValueFrom } from 'rxjs'
import { connect, FailoverStore } from '../lib/index.js' // in your app: 'ojai-failover'
import { enableOpenTelemetry } from '../lib/otel/index.js' // in your app: 'ojai-failover/otel'
import { clusters } from './support.js'

// ---- the OpenTelemetry SDK, as an application sets it up once ---------------------------------
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] })
trace.setGlobalTracerProvider(tracerProvider)
const metricReader = new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: 60_000 })
const meterProvider = new MeterProvider({ readers: [metricReader] })
const otel = enableOpenTelemetry({ meterProvider }) // spans go to the global tracer provider

// ---- two clusters, one FailoverStore ------------------------------------------------------------
const env = await clusters(2)
const path = await env.replicatedTable('users')
const c1 = connect(env.primary)
const c2 = connect(env.secondary)
const users = new FailoverStore(
  [
    { name: 'cluster1', store: c1.store(path), ping: () => c1.ping() },
    { name: 'cluster2', store: c2.store(path), ping: () => c2.ping() },
  ],
  { timeoutMs: 300 },
)
await firstValueFrom(users.insertOrReplace({ _id: 'u1', name: 'Ada' }))
await new Promise((resolve) => setTimeout(resolve, 200)) // replication to cluster2 (lag: a few ms)

// ---- one failover, inside an application span -------------------------------------------------
await env.cutPrimary()
const tracer = trace.getTracer('example-app')
const user = await tracer.startActiveSpan('handle request', async (span) => {
  try {
    return await firstValueFrom(users.findById('u1'))
  } finally {
    span.end()
  }
})
console.log(`read ${JSON.stringify(user)} from ${users.cluster.name}`)

// ---- shut down: export the metrics, close everything so the process exits by itself --------------
await meterProvider.shutdown() // exports the metrics once, while the store's gauges are still there
otel.disable()
await users.close()
await Promise.all([c1.close(), c2.close(), tracerProvider.shutdown()])
await env.close()
