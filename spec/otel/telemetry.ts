/**
 * The real OpenTelemetry SDK for specs: a tracer provider with an in-memory span exporter, a meter
 * provider with a reader collected on demand, and `enableOpenTelemetry` wired to both. Spans are
 * read back as a tree (names, attributes, events, times relative to the first span), metrics as
 * flat points.
 */
import { context, type Attributes, type HrTime } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { AggregationTemporality, DataPointType, MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { enableOpenTelemetry, type OpenTelemetryInstrumentation, type OpenTelemetryOptions } from '../../lib/otel/index.js'

class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE })
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve()
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve()
  }
}

/** One span as a spec compares it: times in ms from the trace's first span start. */
export interface SpanNode {
  name: string
  kind: number
  start: number
  end: number
  status: { code: number; message?: string }
  attributes: Attributes
  events: { name: string; at: number; attributes: Attributes }[]
  children: SpanNode[]
}

/** One metric point: a count, a sum, a gauge value; a histogram's count, sum and bucket counts. */
export interface Point {
  name: string
  attributes: Attributes
  value: number | { count: number; sum: number; buckets: number[] }
}

export interface Telemetry {
  readonly exporter: InMemorySpanExporter
  readonly tracerProvider: BasicTracerProvider
  readonly instrumentation: OpenTelemetryInstrumentation
  /** The finished spans as trees (roots first, children in start order). */
  spans(): SpanNode[]
  /** Every metric point of `names` (all when omitted), sorted by name then attributes. */
  points(...names: string[]): Promise<Point[]>
  /** The histogram boundaries of a metric as the SDK aggregated it. */
  boundaries(name: string): Promise<number[]>
  close(): Promise<void>
}

const ms = (t: HrTime): number => t[0] * 1000 + t[1] / 1e6

export function telemetry(options: Omit<OpenTelemetryOptions, 'tracerProvider' | 'meterProvider'> = {}): Telemetry {
  const exporter = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const reader = new OnDemandReader()
  const meterProvider = new MeterProvider({ readers: [reader] })
  const instrumentation = enableOpenTelemetry({ ...options, tracerProvider, meterProvider })
  const collect = async () => {
    const { resourceMetrics } = await reader.collect()
    return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)
  }
  return {
    exporter,
    tracerProvider,
    instrumentation,
    spans: () => tree(exporter.getFinishedSpans()),
    async points(...names) {
      const out: Point[] = []
      for (const metric of await collect()) {
        if (names.length > 0 && !names.includes(metric.descriptor.name)) continue
        for (const p of metric.dataPoints) {
          const value =
            metric.dataPointType === DataPointType.HISTOGRAM
              ? (() => {
                  const h = p.value as HistogramMetricData['dataPoints'][number]['value']
                  return { count: h.count, sum: Math.round((h.sum ?? 0) * 1e6) / 1e6, buckets: h.buckets.counts }
                })()
              : (p.value as number)
          out.push({ name: metric.descriptor.name, attributes: p.attributes, value })
        }
      }
      return out.sort((a, b) =>
        a.name === b.name ? JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)) : a.name.localeCompare(b.name),
      )
    },
    async boundaries(name) {
      const metric = (await collect()).find((m) => m.descriptor.name === name)
      const point = metric?.dataPoints[0]?.value as { buckets?: { boundaries: number[] } } | undefined
      return point?.buckets?.boundaries ?? []
    },
    async close() {
      instrumentation.disable()
      await tracerProvider.shutdown()
      await meterProvider.shutdown()
    },
  }
}

function tree(spans: readonly ReadableSpan[]): SpanNode[] {
  const origin = Math.min(...spans.map((s) => ms(s.startTime)))
  const rel = (t: HrTime) => Math.round((ms(t) - origin) * 1000) / 1000
  const nodes = new Map<string, SpanNode>()
  const sorted = [...spans].sort((a, b) => ms(a.startTime) - ms(b.startTime))
  for (const s of sorted) {
    nodes.set(s.spanContext().spanId, {
      name: s.name,
      kind: s.kind,
      start: rel(s.startTime),
      end: rel(s.endTime),
      status: s.status.message === undefined ? { code: s.status.code } : { code: s.status.code, message: s.status.message },
      attributes: { ...s.attributes },
      events: s.events.map((e) => ({ name: e.name, at: rel(e.time), attributes: { ...e.attributes } })),
      children: [],
    })
  }
  const roots: SpanNode[] = []
  for (const s of sorted) {
    const node = nodes.get(s.spanContext().spanId) as SpanNode
    const parent = s.parentSpanContext === undefined ? undefined : nodes.get(s.parentSpanContext.spanId)
    if (parent === undefined) roots.push(node)
    else parent.children.push(node)
  }
  return roots
}

/** The AsyncLocalStorage context manager, so `context.with` parents what runs inside it. */
export function useContextManager(): () => void {
  const manager = new AsyncLocalStorageContextManager().enable()
  context.setGlobalContextManager(manager)
  return () => {
    context.disable()
    manager.disable()
  }
}
