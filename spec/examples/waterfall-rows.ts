/** Reads the demo report's trace waterfall back from its SVG: the axis, one row per span bar, one per event mark. */
import type { HrTime } from '@opentelemetry/api'

export interface DrawnRow {
  traceId: string
  spanId: string
  parentSpanId: string
  startMs: number
  endMs: number
  /** The bar. */
  x: number
  width: number
}

export interface DrawnWaterfall {
  traceId: string
  extentMs: number
  /** The time axis: x of 0 ms and of `extentMs`. */
  axis: { x0: number; x1: number }
  rows: DrawnRow[]
  events: { spanId: string; name: string; atMs: number; x: number }[]
}

const attr = (tag: string, name: string): string => {
  const value = new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1]
  if (value === undefined) throw new Error(`no ${name} in ${tag}`)
  return value
}

/** The waterfall of a report (or of the SVG alone); throws when there is none. */
export function drawnWaterfall(html: string): DrawnWaterfall {
  const svg = /<svg class="waterfall"[^>]*>.*?<\/svg>/s.exec(html)?.[0]
  if (svg === undefined) throw new Error('no waterfall in the report')
  const root = /<svg [^>]*>/.exec(svg)?.[0] ?? ''
  const axis = /<\/defs><line [^>]*>/.exec(svg)?.[0] ?? ''
  return {
    traceId: attr(root, 'data-trace-id'),
    extentMs: Number(attr(root, 'data-extent-ms')),
    axis: { x0: Number(attr(axis, 'x1')), x1: Number(attr(axis, 'x2')) },
    rows: [...svg.matchAll(/<g class="span" ([^>]*)>(.*?)<\/g>/g)].map(([, tag = '', body = '']) => {
      const bar = /<rect class="bar" [^>]*>/.exec(body)?.[0] ?? ''
      return {
        traceId: attr(tag, 'data-trace-id'),
        spanId: attr(tag, 'data-span-id'),
        parentSpanId: attr(tag, 'data-parent-span-id'),
        startMs: Number(attr(tag, 'data-start-ms')),
        endMs: Number(attr(tag, 'data-end-ms')),
        x: Number(attr(bar, 'x')),
        width: Number(attr(bar, 'width')),
      }
    }),
    events: [...svg.matchAll(/<g class="event" ([^>]*)>(.*?)<\/g>/g)].map(([, tag = '', body = '']) => ({
      spanId: attr(tag, 'data-span-id'),
      name: attr(tag, 'data-name'),
      atMs: Number(attr(tag, 'data-at-ms')),
      x: Number(/<path class="mark" d="M([\d.]+) /.exec(body)?.[1]),
    })),
  }
}

/** ms from `from` to `to`, computed here on its own (not by the code under test). */
export const msBetween = (from: HrTime, to: HrTime): number => (to[0] - from[0]) * 1000 + (to[1] - from[1]) / 1e6

/** Where the chart puts `ms` on its axis. */
export const xOf = (w: DrawnWaterfall, ms: number): number => w.axis.x0 + (ms / w.extentMs) * (w.axis.x1 - w.axis.x0)
