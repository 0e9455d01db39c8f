/**
 * The report's trace waterfall: the spans `ojai-failover/otel` recorded for one operation that
 * failed over, drawn as bars on a time axis starting at the operation span's start, as a tracing
 * UI (Jaeger, Tempo) draws them. One row per span (the operation, then its attempts), one row per
 * span event (suspicion, switch, stall) with a mark at its time.
 *
 * Each row carries the ids and times of its span (`data-*`), so {@link waterfallProblems} can
 * check a drawing against the recorded ReadableSpan objects.
 */
import { SpanStatusCode, type AttributeValue } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { ATTR, SPAN_EVENT } from '../../lib/otel/index.js'
import { clusterColour, escapeHtml, fmt } from './svg.js'
import { offsetMs, type RecordedSpan, type RecordedTrace } from './trace.js'

const WIDTH = 960
/** The label column (span name and its details) on the left of the bars. */
const PLOT_LEFT = 330
/** Room on the right of the last bar for its duration. */
const PLOT_RIGHT = WIDTH - 80
const AXIS_Y = 24
const ROW = 38
const MIN_BAR = 2
/** Clips span labels to their column: a long table path must not run under the bars. */
const LABEL_CLIP = 'waterfall-labels'
const INDENT = 16
const OPERATION_COLOUR = '#343a40'
const ERROR_COLOUR = '#c92a2a'
const EVENT_COLOURS: Record<string, string> = {
  [SPAN_EVENT.suspicion]: '#e67700',
  [SPAN_EVENT.switch]: '#c92a2a',
  [SPAN_EVENT.stall]: '#868e96',
}

/** Milliseconds from the operation's start to x, over `extentMs`. */
class WaterfallScale {
  constructor(readonly extentMs: number) {}
  x(ms: number): number {
    return PLOT_LEFT + (Math.min(Math.max(ms, 0), this.extentMs) / Math.max(this.extentMs, 0.001)) * (PLOT_RIGHT - PLOT_LEFT)
  }
  /** The bar of a span from `startMs` to `endMs`: at least MIN_BAR wide, so an answer in 0.3 ms still shows. */
  bar(startMs: number, endMs: number): { x: number; width: number } {
    const x = this.x(startMs)
    return { x, width: Math.max(MIN_BAR, this.x(endMs) - x) }
  }
}

/** A tick step of 1, 2 or 5 × 10^n ms giving 5 to 10 ticks. */
function tickStep(extentMs: number): number {
  const raw = extentMs / 8
  const decade = 10 ** Math.floor(Math.log10(Math.max(raw, 0.001)))
  return [1, 2, 5, 10].map((m) => m * decade).find((s) => s >= raw) ?? 10 * decade
}

/** A tick label: as many decimals as the step needs. */
const tickLabel = (t: number, step: number): string => `${t.toFixed(Math.max(0, -Math.floor(Math.log10(step))))} ms`
/** About how wide `text` is in the 11 px labels next to the bars. */
const widthOf = (text: string): number => text.length * 6.2
const text = (v: AttributeValue | undefined): string => (v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v))

/** The second line of a span's label: what an SRE looks for first. */
function details(span: RecordedSpan): string {
  const a = span.attributes
  if (span.parentSpanId === undefined || a[ATTR.attemptKind] === undefined) {
    const parts = [`${text(a[ATTR.attempts])} attempts`, `contacted ${text(a[ATTR.clustersContacted])}`]
    if (a[ATTR.cluster] !== undefined) parts.push(`answered by ${text(a[ATTR.cluster])}`)
    if (a[ATTR.errorType] !== undefined) parts.push(`error ${text(a[ATTR.errorType])}`)
    return parts.join(' · ')
  }
  const parts = [text(a[ATTR.attemptKind]), text(a[ATTR.attemptOutcome])]
  if (a[ATTR.errorType] !== undefined) parts.push(text(a[ATTR.errorType]))
  if (a[ATTR.attemptSettled] !== undefined) parts.push(`settled ${text(a[ATTR.attemptSettled])}`)
  return parts.join(' · ')
}

function eventDetails(name: string, a: Readonly<Record<string, AttributeValue>>): string {
  const why = a[ATTR.reason] === undefined ? '' : ` · ${text(a[ATTR.reason])}`
  if (name === SPAN_EVENT.suspicion) return `${text(a[ATTR.cluster])} ${text(a[ATTR.clusterState])}${why}`
  if (name === SPAN_EVENT.switch) return `${text(a[ATTR.switchKind])} ${text(a[ATTR.switchFrom])} → ${text(a[ATTR.switchTo])}${why}`
  if (name === SPAN_EVENT.stall) return `this process stalled ${text(a[ATTR.stallMs])} ms`
  return Object.entries(a)
    .map(([k, v]) => `${k}=${text(v)}`)
    .join(' ')
}

/** The extent of the time axis: the latest end of a span or time of an event, from the operation's start. */
function extentOf(trace: RecordedTrace): number {
  const root = trace.spans[0]
  if (root === undefined) return 0
  return Math.max(
    ...trace.spans.flatMap((s) => [offsetMs(root.startTime, s.endTime), ...s.events.map((e) => offsetMs(root.startTime, e.time))]),
  )
}

/** The waterfall of `trace` (its first span is the operation), coloured by cluster. */
export function waterfallSvg(trace: RecordedTrace, clusters: readonly string[]): string {
  const root = trace.spans[0]
  if (root === undefined) return ''
  const scale = new WaterfallScale(extentOf(trace))
  const depth = (span: RecordedSpan): number => {
    const parent = trace.spans.find((s) => s.spanId === span.parentSpanId)
    return parent === undefined ? 0 : 1 + depth(parent)
  }
  const events = trace.spans.flatMap((s) => s.events.map((e) => ({ span: s, event: e, atMs: offsetMs(root.startTime, e.time) })))
  const height = AXIS_Y + (trace.spans.length + events.length) * ROW + 8

  const step = tickStep(scale.extentMs)
  const ticks: string[] = []
  for (let t = 0; t <= scale.extentMs + 1e-9; t += step) {
    const x = fmt(scale.x(t))
    ticks.push(
      `<line x1="${x}" y1="${AXIS_Y}" x2="${x}" y2="${height}" stroke="#e9ecef"/><text x="${x}" y="${AXIS_Y - 8}" text-anchor="middle" class="axis">${tickLabel(t, step)}</text>`,
    )
  }
  const axis = `<line x1="${PLOT_LEFT}" y1="${AXIS_Y}" x2="${PLOT_RIGHT}" y2="${AXIS_Y}" stroke="#495057"/>${ticks.join('')}`

  const rows = trace.spans.map((span, i) => {
    const top = AXIS_Y + i * ROW
    const start = offsetMs(root.startTime, span.startTime)
    const end = offsetMs(root.startTime, span.endTime)
    const { x, width } = scale.bar(start, end)
    const isOperation = span.parentSpanId === undefined
    const failed = span.status.code === SpanStatusCode.ERROR
    const colour = isOperation ? OPERATION_COLOUR : clusterColour(clusters, text(span.attributes[ATTR.cluster]))
    const indent = 8 + depth(span) * INDENT
    const label = `${fmt(end - start)} ms${isOperation ? '' : ` ${text(span.attributes[ATTR.attemptOutcome])}`}`
    // The duration right of the bar; inside it when the bar reaches the right edge; else left of it.
    const place =
      x + width + 5 + widthOf(label) <= WIDTH
        ? { x: x + width + 5, anchor: 'start', cls: 'bar-label' }
        : width >= widthOf(label) + 10
          ? { x: x + width - 5, anchor: 'end', cls: failed ? 'bar-label' : 'bar-label in' }
          : { x: x - 5, anchor: 'end', cls: 'bar-label' }
    const server =
      isOperation || span.attributes[ATTR.serverAddress] === undefined
        ? ''
        : `<tspan class="span-detail"> ${escapeHtml(`${text(span.attributes[ATTR.serverAddress])}:${text(span.attributes[ATTR.serverPort])}`)}</tspan>`
    const title = `${span.name}: ${fmt(start)} → ${fmt(end)} ms (span ${span.spanId})`
    return (
      `<g class="span" data-trace-id="${span.traceId}" data-span-id="${span.spanId}" data-parent-span-id="${span.parentSpanId ?? ''}" data-start-ms="${start}" data-end-ms="${end}">` +
      `<title>${escapeHtml(title)}</title>` +
      (i % 2 === 0 ? `<rect x="0" y="${top}" width="${WIDTH}" height="${ROW}" fill="#f8f9fa"/>` : '') +
      `<text x="${indent}" y="${top + 16}" class="span-name" clip-path="url(#${LABEL_CLIP})">${escapeHtml(span.name)}${server}</text>` +
      `<text x="${indent}" y="${top + 31}" class="span-detail" clip-path="url(#${LABEL_CLIP})">${escapeHtml(details(span))}</text>` +
      `<rect class="bar" x="${fmt(x)}" y="${top + 10}" width="${fmt(width)}" height="18" rx="2" fill="${colour}" fill-opacity="${failed ? 0.45 : 1}"${failed ? ` stroke="${ERROR_COLOUR}" stroke-width="1.5"` : ''}/>` +
      `<text x="${fmt(place.x)}" y="${top + 23}" text-anchor="${place.anchor}" class="${place.cls}">${escapeHtml(label)}</text>` +
      `</g>`
    )
  })
  const marks = events.map(({ span, event, atMs }, j) => {
    const top = AXIS_Y + (trace.spans.length + j) * ROW
    const owner = AXIS_Y + trace.spans.indexOf(span) * ROW
    const x = scale.x(atMs)
    const colour = EVENT_COLOURS[event.name] ?? '#1971c2'
    const d = 6
    const cy = top + ROW / 2
    const what = eventDetails(event.name, event.attributes)
    const right = x + 10 + widthOf(what) <= WIDTH
    return (
      `<g class="event" data-span-id="${span.spanId}" data-name="${escapeHtml(event.name)}" data-at-ms="${atMs}">` +
      `<line x1="${fmt(x)}" y1="${owner + 6}" x2="${fmt(x)}" y2="${cy}" stroke="${colour}" stroke-dasharray="3 3"/>` +
      `<text x="${8 + INDENT}" y="${top + 16}" class="span-name">event ${escapeHtml(event.name)}</text>` +
      `<text x="${8 + INDENT}" y="${top + 31}" class="span-detail">at ${fmt(atMs)} ms</text>` +
      `<path class="mark" d="M${fmt(x)} ${fmt(cy - d)} L${fmt(x + d)} ${fmt(cy)} L${fmt(x)} ${fmt(cy + d)} L${fmt(x - d)} ${fmt(cy)} Z" fill="${colour}"/>` +
      `<text x="${fmt(right ? x + 10 : x - 10)}" y="${fmt(cy + 4)}" text-anchor="${right ? 'start' : 'end'}" class="bar-label">${escapeHtml(what)}</text>` +
      `</g>`
    )
  })
  return `<svg class="waterfall" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="trace waterfall of one failover" data-trace-id="${trace.traceId}" data-extent-ms="${scale.extentMs}"><defs><clipPath id="${LABEL_CLIP}"><rect x="0" y="0" width="${PLOT_LEFT - 10}" height="${height}"/></clipPath></defs>${axis}${rows.join('')}${marks.join('')}</svg>`
}

const attr = (tag: string, name: string): string | undefined => new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1]

/**
 * What is wrong with `svg` as a drawing of `spans` (the recorded ReadableSpan objects of one
 * trace, operation first): empty when every span has its row with the span's trace id, span id
 * and parent id, every attempt hangs under the operation, and every bar and event mark sits at the
 * recorded times on the chart's axis.
 */
export function waterfallProblems(svg: string, spans: readonly ReadableSpan[]): string[] {
  const problems: string[] = []
  const root = spans[0]
  if (root === undefined) return ['no recorded span']
  const rootId = root.spanContext().spanId
  const traceId = root.spanContext().traceId
  const svgTag = /<svg [^>]*>/.exec(svg)?.[0] ?? ''
  if (attr(svgTag, 'data-trace-id') !== traceId) problems.push(`the chart is of trace ${attr(svgTag, 'data-trace-id')}, not ${traceId}`)
  const end = (s: ReadableSpan) => offsetMs(root.startTime, s.endTime)
  const extentMs = Math.max(...spans.flatMap((s) => [end(s), ...s.events.map((e) => offsetMs(root.startTime, e.time))]))
  if (Number(attr(svgTag, 'data-extent-ms')) !== extentMs)
    problems.push(`the axis ends at ${attr(svgTag, 'data-extent-ms')} ms, the spans at ${extentMs} ms`)
  const scale = new WaterfallScale(extentMs)
  const near = (drawn: string | undefined, expected: number) => Math.abs(Number(drawn) - expected) <= 0.051

  const rows = [...svg.matchAll(/<g class="span" ([^>]*)>(.*?)<\/g>/g)]
  if (rows.length !== spans.length) problems.push(`${rows.length} rows drawn for ${spans.length} recorded spans`)
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]))
  rows.forEach(([, tag = '', body = ''], i) => {
    const id = attr(tag, 'data-span-id') ?? ''
    const span = byId.get(id)
    if (span === undefined) return void problems.push(`row ${i + 1}: span ${id} was not recorded`)
    if (i === 0 && span !== root) problems.push(`the first row is ${span.name}, not the operation`)
    if (attr(tag, 'data-trace-id') !== traceId) problems.push(`row ${i + 1}: trace ${attr(tag, 'data-trace-id')}, not ${traceId}`)
    const parent = span.parentSpanContext?.spanId ?? ''
    if (attr(tag, 'data-parent-span-id') !== parent)
      problems.push(`row ${i + 1}: parent ${attr(tag, 'data-parent-span-id')}, recorded ${parent}`)
    if (span !== root && parent !== rootId) problems.push(`row ${i + 1}: ${span.name} is not a child of the operation span`)
    const start = offsetMs(root.startTime, span.startTime)
    if (Number(attr(tag, 'data-start-ms')) !== start || Number(attr(tag, 'data-end-ms')) !== end(span))
      problems.push(`row ${i + 1}: drawn ${attr(tag, 'data-start-ms')}–${attr(tag, 'data-end-ms')} ms, recorded ${start}–${end(span)} ms`)
    const bar = /<rect class="bar" [^>]*>/.exec(body)?.[0] ?? ''
    const expected = scale.bar(start, end(span))
    if (!near(attr(bar, 'x'), expected.x) || !near(attr(bar, 'width'), expected.width))
      problems.push(
        `row ${i + 1}: bar at x=${attr(bar, 'x')} width=${attr(bar, 'width')}, the span's times give ${fmt(expected.x)} and ${fmt(expected.width)}`,
      )
  })
  const marks = [...svg.matchAll(/<g class="event" ([^>]*)>(.*?)<\/g>/g)]
  const events = spans.flatMap((s) => s.events.map((e) => ({ span: s, event: e })))
  if (marks.length !== events.length) problems.push(`${marks.length} event marks drawn for ${events.length} recorded span events`)
  events.forEach(({ span, event }, j) => {
    const [, tag = '', body = ''] = marks[j] ?? []
    const at = offsetMs(root.startTime, event.time)
    if (
      attr(tag, 'data-span-id') !== span.spanContext().spanId ||
      attr(tag, 'data-name') !== event.name ||
      Number(attr(tag, 'data-at-ms')) !== at
    )
      problems.push(`event ${j + 1}: drawn ${attr(tag, 'data-name')} at ${attr(tag, 'data-at-ms')} ms, recorded ${event.name} at ${at} ms`)
    const mark = /<path class="mark" d="M([\d.]+) /.exec(body)?.[1]
    if (!near(mark, scale.x(at))) problems.push(`event ${j + 1}: mark at x=${mark}, the event's time gives ${fmt(scale.x(at))}`)
  })
  return problems
}
