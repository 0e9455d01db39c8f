/**
 * The demo's trace waterfall (examples/demo/trace.ts, waterfall.ts): drawn from the spans
 * ojai-failover/otel recorded with the real SDK during a real failover between two embedded
 * gateways, and checked against them; the processor that keeps the clearest failover traces.
 */
import { context, SpanKind, trace, type Attributes } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { firstValueFrom } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BestTracesProcessor, clarity, recordTrace, traceFailovers } from '../../examples/demo/trace.js'
import { waterfallProblems, waterfallSvg } from '../../examples/demo/waterfall.js'
import { startClusters } from '../../lib/testing/index.js'
import { drawnWaterfall, msBetween, xOf, type DrawnWaterfall } from './waterfall-rows.js'

const PATH = '/apps/users'

describe('the demo waterfall of a real failover (two embedded gateways, the primary stalled)', () => {
  let spans: ReadableSpan[] = []
  let svg = ''
  let drawn: DrawnWaterfall

  beforeAll(async () => {
    const tracing = traceFailovers()
    const kit = await startClusters(2, { names: ['east', 'west'] })
    try {
      await kit.createTable(PATH)
      const users = kit.connectFailover(PATH, { timeoutMs: 300 })
      await firstValueFrom(users.insertOrReplace({ _id: 'u1', name: 'Ada' })) // traced, no failover: dropped
      await kit.waitForReplication()
      kit.cluster('east').faults.set('*', { type: 'stall' })
      expect(await firstValueFrom(users.findById('u1'))).toEqual({ _id: 'u1', name: 'Ada' })
      kit.cluster('east').faults.clear()
      spans = (await tracing.pick()) ?? []
    } finally {
      await tracing.close()
      await kit.close()
    }
    svg = waterfallSvg(recordTrace(spans, performance.timeOrigin), ['east', 'west'])
    drawn = drawnWaterfall(svg)
  }, 60_000)

  it('the picked trace is the failover: the operation, its timed-out attempt on east, its answered attempt on west', () => {
    expect(spans.map((s) => s.name)).toEqual([`findById ${PATH}`, 'attempt east', 'attempt west'])
    const [op, east, west] = spans as [ReadableSpan, ReadableSpan, ReadableSpan]
    expect(op.parentSpanContext).toBeUndefined()
    expect(east.attributes).toMatchObject({ 'ojai.attempt.outcome': 'timed-out', 'error.type': 'TIMEOUT' })
    expect(west.attributes).toMatchObject({ 'ojai.attempt.kind': 'failover', 'ojai.attempt.outcome': 'answered' })
    // Stalls of this process (a busy machine) come as span events too.
    expect(op.events.map((e) => e.name).filter((n) => n !== 'ojai.stall')).toEqual(['ojai.suspicion', 'ojai.switch'])
  })

  it('one row per recorded span, in order, with its trace id, span id and parent id: every attempt under the operation', () => {
    const [op] = spans as [ReadableSpan]
    const opId = op.spanContext().spanId
    expect(drawn.traceId).toBe(op.spanContext().traceId)
    expect(drawn.rows.map((r) => [r.traceId, r.spanId, r.parentSpanId])).toEqual(
      spans.map((s) => [s.spanContext().traceId, s.spanContext().spanId, s.parentSpanContext?.spanId ?? '']),
    )
    expect(drawn.rows.slice(1).map((r) => r.parentSpanId)).toEqual([opId, opId])
  })

  it("each bar spans its span's recorded times (from the operation's start) on the chart's axis", () => {
    const [op] = spans as [ReadableSpan]
    const ends = spans.map((s) => msBetween(op.startTime, s.endTime))
    expect(drawn.extentMs).toBeCloseTo(Math.max(...ends), 3)
    drawn.rows.forEach((row, i) => {
      const span = spans[i] as ReadableSpan
      const start = msBetween(op.startTime, span.startTime)
      const end = msBetween(op.startTime, span.endTime)
      expect(row.startMs).toBeCloseTo(start, 3)
      expect(row.endMs).toBeCloseTo(end, 3)
      expect(Math.abs(row.x - xOf(drawn, start))).toBeLessThan(0.06)
      // A bar is at least 2 px wide, so a fast answer still shows.
      expect(Math.abs(row.width - Math.max(2, xOf(drawn, end) - xOf(drawn, start)))).toBeLessThan(0.06)
    })
    // The answered attempt starts where the timed-out one ends: its bar starts at the end of the other's.
    const [, east, west] = drawn.rows as [unknown, { x: number; width: number }, { x: number }]
    expect(west.x).toBeGreaterThanOrEqual(east.x + east.width - 1)
  })

  it("the operation span's events are marks at their recorded times", () => {
    const [op] = spans as [ReadableSpan]
    expect(drawn.events.map((e) => [e.spanId, e.name])).toEqual(op.events.map((e) => [op.spanContext().spanId, e.name]))
    drawn.events.forEach((mark, j) => {
      const at = msBetween(op.startTime, (op.events[j] as ReadableSpan['events'][number]).time)
      expect(mark.atMs).toBeCloseTo(at, 3)
      expect(Math.abs(mark.x - xOf(drawn, at))).toBeLessThan(0.06)
    })
  })

  it('the labels say what an SRE looks for: cluster, kind, outcome, error, gateway address', () => {
    expect(svg).toContain('first · timed-out · TIMEOUT')
    expect(svg).toContain('failover · answered')
    expect(svg).toContain('2 attempts · contacted east, west · answered by west')
    expect(svg).toMatch(/east suspect · /)
    expect(svg).toContain('failover east → west')
  })

  it('waterfallProblems (the demo check) finds nothing here, and catches a drawing that is not of the recorded spans', () => {
    expect(waterfallProblems(svg, spans)).toEqual([])
    const [op, east, west] = spans as [ReadableSpan, ReadableSpan, ReadableSpan]
    const eastId = east.spanContext().spanId
    const row = drawn.rows[1] as DrawnWaterfall['rows'][number]
    const tampered = (from: string, to: string) => waterfallProblems(svg.replace(from, to), spans)
    expect(tampered(`data-start-ms="${row.startMs}"`, `data-start-ms="${row.startMs + 1}"`)).toEqual([
      expect.stringMatching(/^row 2: drawn .* ms, recorded .* ms$/),
    ])
    expect(tampered(`<rect class="bar" x="${row.x}"`, `<rect class="bar" x="${row.x + 5}"`)).toEqual([
      expect.stringMatching(/^row 2: bar at x=/),
    ])
    expect(
      tampered(
        `data-span-id="${eastId}" data-parent-span-id="${op.spanContext().spanId}"`,
        `data-span-id="${eastId}" data-parent-span-id="${west.spanContext().spanId}"`,
      ),
    ).toEqual([expect.stringMatching(/^row 2: parent .*, recorded/)])
    expect(waterfallProblems(svg, [...spans, ...spans.slice(1)])).toContain('3 rows drawn for 5 recorded spans')
    expect(waterfallProblems(svg, [])).toEqual(['no recorded span'])
  })
})

describe('BestTracesProcessor (with the real SDK)', () => {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    spanProcessors: [new BestTracesProcessor(new SimpleSpanProcessor(exporter), { keep: 2, score: clarity })],
  })
  const tracer = provider.getTracer('spec')
  afterAll(() => provider.shutdown())

  const attempt = (cluster: string, outcome: string, errorType?: string): Attributes => ({
    'ojai.cluster.name': cluster,
    'ojai.attempt.outcome': outcome,
    ...(errorType === undefined ? {} : { 'error.type': errorType }),
  })

  /** An operation span and its attempts, tagged as ojai-failover/otel tags them; `running` attempts are left open. */
  function operation(name: string, attempts: Attributes[], running: Attributes[] = []): string {
    const op = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: { 'db.operation.name': name } })
    const parent = trace.setSpan(context.active(), op)
    for (const attributes of attempts) tracer.startSpan(`attempt ${String(attributes['ojai.cluster.name'])}`, { attributes }, parent).end()
    for (const attributes of running) tracer.startSpan(`attempt ${String(attributes['ojai.cluster.name'])}`, { attributes }, parent)
    op.end()
    return op.spanContext().traceId
  }
  const tracesExported = () => [...new Set(exporter.getFinishedSpans().map((s) => s.spanContext().traceId))]

  it('keeps the clearest complete failover traces, passes them on best first when flushed, drops the rest', async () => {
    operation('findById', [attempt('east', 'answered')]) // no failover
    const failedWrite = operation('insertOrReplace', [attempt('east', 'unknown', 'UNAVAILABLE'), attempt('west', 'answered')])
    const timedOutWrite = operation('insertOrReplace', [attempt('east', 'timed-out', 'TIMEOUT'), attempt('west', 'answered')])
    operation('findById', [attempt('west', 'answered')], [attempt('east', 'left-running', 'TIMEOUT')]) // not complete: never scored
    // East was only slow: its attempt, left running as the witness of a silent cluster, answered after all.
    const slowNotGone = operation('findById', [
      { ...attempt('east', 'left-running', 'TIMEOUT'), 'ojai.attempt.settled': 'answered' },
      attempt('west', 'answered'),
    ])
    operation('findById', [attempt('east', 'failed', 'UNAVAILABLE'), attempt('east', 'answered')]) // answered on the same cluster
    expect(exporter.getFinishedSpans()).toEqual([]) // nothing passed on before a flush
    const timedOutRead = operation('findById', [attempt('east', 'timed-out', 'TIMEOUT'), attempt('west', 'answered')])

    await provider.forceFlush()
    expect(tracesExported()).toEqual([timedOutRead, timedOutWrite])
    expect(exporter.getFinishedSpans()).toHaveLength(6)
    expect(clarity(exporter.getFinishedSpans().slice(0, 3))).toBeGreaterThan(clarity(exporter.getFinishedSpans().slice(3)) as number)
    expect(tracesExported()).not.toContain(failedWrite)
    expect(tracesExported()).not.toContain(slowNotGone)
  })
})
