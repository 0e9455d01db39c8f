/**
 * One failover as OpenTelemetry recorded it. The demo turns `ojai-failover/otel` on with the real
 * SDK (a BasicTracerProvider, a SimpleSpanProcessor into an InMemorySpanExporter), keeps a few of
 * the traces that show a failover, picks the clearest, and copies its spans into the result, from
 * which the report draws the waterfall (waterfall.ts).
 */
import type { AttributeValue, HrTime, SpanStatus } from '@opentelemetry/api'
import { hrTimeDuration, hrTimeToMilliseconds } from '@opentelemetry/core'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { ATTR, enableOpenTelemetry, SPAN_EVENT, type AttemptOutcome } from '../../lib/otel/index.js'

/** Attempt outcomes that moved the operation to another cluster, in the order failoverIn looks for them. */
const MOVED_ON: readonly AttemptOutcome[] = ['timed-out', 'left-running', 'failed', 'unknown']

/** The three spans a failover waterfall is about. */
interface FailoverSpans {
  readonly operation: ReadableSpan
  /** An attempt that did not answer (timed out, failed…). */
  readonly missed: ReadableSpan
  /** A later attempt, on another cluster, that answered. */
  readonly answered: ReadableSpan
}

const attribute = (span: ReadableSpan, key: string): AttributeValue | undefined => span.attributes[key]
const startMs = (span: ReadableSpan): number => hrTimeToMilliseconds(span.startTime)

/** The operation, the missed attempt and the answered one, when `spans` (one trace) shows a failover. */
function failoverIn(spans: readonly ReadableSpan[]): FailoverSpans | undefined {
  const operation = spans.find((s) => s.parentSpanContext === undefined)
  if (operation === undefined) return undefined
  const attempts = spans
    .filter((s) => s.parentSpanContext?.spanId === operation.spanContext().spanId)
    .sort((a, b) => startMs(a) - startMs(b))
  for (const outcome of MOVED_ON) {
    for (const missed of attempts.filter((a) => attribute(a, ATTR.attemptOutcome) === outcome)) {
      const answered = attempts.find(
        (a) =>
          a !== missed &&
          attribute(a, ATTR.attemptOutcome) === 'answered' &&
          attribute(a, ATTR.cluster) !== attribute(missed, ATTR.cluster) &&
          startMs(a) >= startMs(missed),
      )
      if (answered !== undefined) return { operation, missed, answered }
    }
  }
  return undefined
}

/**
 * A span processor that keeps the `keep` traces `score` rates highest (a trace is scored once
 * every span of it has ended; undefined drops it) and passes them on to `next` when flushed, as a
 * batching processor would. The demo runs thousands of operations a second and draws one: no
 * trace is held past its end unless it is among the best so far.
 */
export class BestTracesProcessor implements SpanProcessor {
  /** Traces with a span still running: how many were started, and the ended ones. */
  private readonly open = new Map<string, { started: number; ended: ReadableSpan[] }>()
  /** The best complete traces so far, best first (the earlier of two equal ones first). */
  private best: { spans: ReadableSpan[]; score: number }[] = []

  constructor(
    private readonly next: SpanProcessor,
    private readonly options: { readonly keep: number; readonly score: (trace: readonly ReadableSpan[]) => number | undefined },
  ) {}

  onStart(span: Span): void {
    const id = span.spanContext().traceId
    const trace = this.open.get(id)
    if (trace === undefined) this.open.set(id, { started: 1, ended: [] })
    else trace.started++
  }

  onEnd(span: ReadableSpan): void {
    const id = span.spanContext().traceId
    const trace = this.open.get(id)
    if (trace === undefined) return
    trace.ended.push(span)
    if (trace.ended.length < trace.started) return
    this.open.delete(id)
    const score = this.options.score(trace.ended)
    if (score === undefined) return
    const at = this.best.findIndex((b) => b.score < score)
    this.best.splice(at < 0 ? this.best.length : at, 0, { spans: trace.ended, score })
    this.best.length = Math.min(this.best.length, this.options.keep)
  }

  /** Passes the best traces so far on to `next` (each span once, best trace first), then flushes it. */
  forceFlush(): Promise<void> {
    for (const trace of this.best) for (const s of trace.spans) this.next.onEnd(s)
    this.best = []
    return this.next.forceFlush()
  }

  async shutdown(): Promise<void> {
    await this.forceFlush()
    this.open.clear()
    await this.next.shutdown()
  }
}

/** A span as the result keeps it (JSON): the fields of the recorded ReadableSpan the waterfall draws. */
export interface RecordedSpan {
  readonly traceId: string
  readonly spanId: string
  /** Absent on the trace's root (here the operation span: the demo has no span of its own around it). */
  readonly parentSpanId?: string
  readonly name: string
  readonly startTime: HrTime
  readonly endTime: HrTime
  readonly status: SpanStatus
  readonly attributes: Readonly<Record<string, AttributeValue>>
  readonly events: readonly {
    readonly name: string
    readonly time: HrTime
    readonly attributes: Readonly<Record<string, AttributeValue>>
  }[]
}

/** The trace of one failover, as recorded during the run. */
export interface RecordedTrace {
  readonly traceId: string
  /** When the operation started, ms since the workload started (the clock of the rest of the result). */
  readonly atMs: number
  /** The operation span first, then its descendants in start order. */
  readonly spans: readonly RecordedSpan[]
}

const defined = (attributes: Record<string, AttributeValue | undefined> | undefined): Record<string, AttributeValue> =>
  Object.fromEntries(Object.entries(attributes ?? {}).filter((e): e is [string, AttributeValue] => e[1] !== undefined))

function recordedSpan(span: ReadableSpan): RecordedSpan {
  const { traceId, spanId } = span.spanContext()
  return {
    traceId,
    spanId,
    ...(span.parentSpanContext === undefined ? {} : { parentSpanId: span.parentSpanContext.spanId }),
    name: span.name,
    startTime: [...span.startTime],
    endTime: [...span.endTime],
    status: { ...span.status },
    attributes: defined(span.attributes),
    events: span.events.map((e) => ({ name: e.name, time: [...e.time], attributes: defined(e.attributes) })),
  }
}

/** ms from `from` to `to` (HrTime), to the microsecond. */
export function offsetMs(from: HrTime, to: HrTime): number {
  return Math.round(hrTimeToMilliseconds(hrTimeDuration(from, to)) * 1000) / 1000
}

/**
 * How clearly a trace shows a failover (undefined: it shows none). First, the missed attempt never
 * answered (a cluster really gone, not one that was only slow: a read left running as the witness
 * of a silent cluster may answer after all); then it timed out (the black hole); then a read (no
 * write left to settle: a short picture); then suspicion or a switch on the operation span; among
 * equals, the fewer span events the clearer (the demo's machine is busy, and stalls of the process
 * come as span events too).
 */
export function clarity(trace: readonly ReadableSpan[]): number | undefined {
  const f = failoverIn(trace)
  if (f === undefined) return undefined
  const gone = attribute(f.missed, ATTR.attemptSettled) === 'answered' ? 0 : 16
  const timedOut = attribute(f.missed, ATTR.errorType) === 'TIMEOUT' ? 8 : 0
  const read = attribute(f.operation, ATTR.dbOperationName) === 'findById' ? 4 : 0
  const events = f.operation.events
  const told = events.some((e) => e.name === SPAN_EVENT.suspicion || e.name === SPAN_EVENT.switch) ? 2 : 0
  return gone + timedOut + read + told + 1 / (1 + events.length)
}

/** Spans of `trace` under `root`, depth first, siblings in start order. */
function descendants(root: ReadableSpan, trace: readonly ReadableSpan[]): ReadableSpan[] {
  const children = trace.filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId).sort((a, b) => startMs(a) - startMs(b))
  return children.flatMap((c) => [c, ...descendants(c, trace)])
}

export interface FailoverTracing {
  /**
   * The clearest failover traced (see {@link clarity}), its spans in waterfall order (operation
   * first), or undefined when no operation failed over. Call once, at the end of the run.
   */
  pick(): Promise<ReadableSpan[] | undefined>
  /** Stops the instrumentation and shuts the SDK down. */
  close(): Promise<void>
}

/**
 * Turns on `ojai-failover/otel` with the real SDK (a BasicTracerProvider, a SimpleSpanProcessor
 * into an InMemorySpanExporter, behind a {@link BestTracesProcessor} keeping the clearest failover
 * traces): every FailoverStore operation of the process is traced from now on.
 */
export function traceFailovers(keep = 4): FailoverTracing {
  const exporter = new InMemorySpanExporter()
  const best = new BestTracesProcessor(new SimpleSpanProcessor(exporter), { keep, score: clarity })
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [best] })
  const instrumentation = enableOpenTelemetry({ tracerProvider })
  return {
    async pick() {
      await tracerProvider.forceFlush()
      // The best trace was passed on first: its operation is the first root span.
      const root = exporter.getFinishedSpans().find((s) => s.parentSpanContext === undefined)
      if (root === undefined) return undefined
      const trace = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === root.spanContext().traceId)
      return [root, ...descendants(root, trace)]
    },
    async close() {
      instrumentation.disable()
      await tracerProvider.shutdown()
    },
  }
}

/**
 * The spans of one trace (operation first) as the result keeps them; `zeroEpochMs` is the epoch
 * time of the run's ms 0, to place the operation on the run's clock.
 */
export function recordTrace(spans: readonly ReadableSpan[], zeroEpochMs: number): RecordedTrace {
  const root = spans[0]
  return {
    traceId: root?.spanContext().traceId ?? '',
    atMs: root === undefined ? 0 : Math.round((hrTimeToMilliseconds(root.startTime) - zeroEpochMs) * 10) / 10,
    spans: spans.map(recordedSpan),
  }
}

/** One line about the failover in `spans`: which attempt missed, after how long, which answered. */
export function describeFailover(spans: readonly ReadableSpan[]): string {
  const f = failoverIn(spans)
  if (f === undefined) return 'no failover in this trace'
  const took = (s: ReadableSpan) => `${offsetMs(s.startTime, s.endTime).toFixed(1)} ms`
  return (
    `${String(attribute(f.operation, ATTR.dbOperationName))}: attempt on ${String(attribute(f.missed, ATTR.cluster))} ` +
    `${String(attribute(f.missed, ATTR.attemptOutcome))} after ${took(f.missed)}, ` +
    `attempt on ${String(attribute(f.answered, ATTR.cluster))} answered in ${took(f.answered)}`
  )
}
