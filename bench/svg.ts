/**
 * Hand-written SVG charts (no charting dependency): a per-operation latency timeline and latency
 * CDFs on a tail scale. Output is a standalone SVG document.
 */

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#17becf']
const ERROR_COLOUR = '#d62728'
const W = 960
const H = 420
const M = { left: 70, right: 230, top: 40, bottom: 50 }

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function fmt(n: number): string {
  return Number(n.toFixed(2)).toString()
}

/** Log-10 axis ticks covering [lo, hi]: 1, 10, 100 … (and 0.1, 0.01 below 1). */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = []
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) ticks.push(10 ** e)
  return ticks
}

function frame(title: string, body: string[], legend: readonly { label: string; colour: string }[]): string {
  const items = legend.map(
    (l, i) =>
      `<g transform="translate(${W - M.right + 15},${M.top + 10 + i * 20})"><rect width="12" height="12" fill="${l.colour}"/><text x="18" y="11">${esc(l.label)}</text></g>`,
  )
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    ...body,
    ...items,
    '</svg>',
    '',
  ].join('\n')
}

export interface TimelinePoint {
  /** ms since the run began (start of the operation). */
  readonly t: number
  readonly latencyMs: number
  /** Serving cluster, or undefined for a failed operation. */
  readonly series: string | undefined
}

export interface TimelineMark {
  readonly t: number
  readonly label: string
}

/**
 * Latency of every operation against its start time; y on a log scale so 1 ms answers and 100 ms
 * timeouts both show. Colour = serving cluster; failed operations in red; vertical marks for
 * faults and heals.
 */
export function timelineSvg(title: string, points: readonly TimelinePoint[], marks: readonly TimelineMark[], maxPoints = 20_000): string {
  const step = Math.max(1, Math.ceil(points.length / maxPoints))
  const shown = points.filter((_, i) => i % step === 0)
  const series = [...new Set(points.map((p) => p.series).filter((s): s is string => s !== undefined))].sort()
  const colour = (s: string | undefined) => (s === undefined ? ERROR_COLOUR : (PALETTE[series.indexOf(s) % PALETTE.length] as string))
  const tMax = Math.max(1, ...points.map((p) => p.t), ...marks.map((m) => m.t))
  const lats = points.map((p) => Math.max(0.05, p.latencyMs)).filter(Number.isFinite)
  const yLo = 10 ** Math.floor(Math.log10(Math.min(1, ...lats)))
  const yHi = 10 ** Math.ceil(Math.log10(Math.max(10, ...lats)))
  const pw = W - M.left - M.right
  const ph = H - M.top - M.bottom
  const x = (t: number) => M.left + (t / tMax) * pw
  const y = (ms: number) => M.top + ph - ((Math.log10(Math.max(yLo, ms)) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo))) * ph
  const body: string[] = []
  for (const v of logTicks(yLo, yHi)) {
    body.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${fmt(y(v))}" y2="${fmt(y(v))}" stroke="#ddd"/>`)
    body.push(`<text x="${M.left - 6}" y="${fmt(y(v) + 4)}" text-anchor="end">${v >= 1 ? v : v.toFixed(2)}</text>`)
  }
  const secondStep = tMax > 20_000 ? 5000 : tMax > 8000 ? 2000 : tMax > 3000 ? 1000 : 500
  for (let t = 0; t <= tMax; t += secondStep) {
    body.push(`<line x1="${fmt(x(t))}" x2="${fmt(x(t))}" y1="${M.top + ph}" y2="${M.top + ph + 5}" stroke="#333"/>`)
    body.push(`<text x="${fmt(x(t))}" y="${M.top + ph + 18}" text-anchor="middle">${t / 1000}</text>`)
  }
  body.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`)
  body.push(`<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle">operation start (s)</text>`)
  body.push(`<text transform="translate(18,${M.top + ph / 2}) rotate(-90)" text-anchor="middle">latency (ms, log)</text>`)
  marks.forEach((m, i) => {
    body.push(`<line x1="${fmt(x(m.t))}" x2="${fmt(x(m.t))}" y1="${M.top}" y2="${M.top + ph}" stroke="#555" stroke-dasharray="4 3"/>`)
    // Alternate rows so that marks close in time (heal, then failback) keep readable labels.
    body.push(`<text x="${fmt(x(m.t) + 3)}" y="${M.top + 12 + (i % 2) * 13}" font-size="11">${esc(m.label)}</text>`)
  })
  for (const p of shown) {
    if (!Number.isFinite(p.latencyMs)) continue
    body.push(`<circle cx="${fmt(x(p.t))}" cy="${fmt(y(p.latencyMs))}" r="1.6" fill="${colour(p.series)}" fill-opacity="0.7"/>`)
  }
  const legend = [...series.map((s) => ({ label: `served by ${s}`, colour: colour(s) })), { label: 'error', colour: ERROR_COLOUR }]
  return frame(title, body, legend)
}

export interface CdfSeries {
  readonly label: string
  readonly latenciesMs: readonly number[]
}

/**
 * Latency CDFs with the percentile on a tail ("nines") scale: p50, p90, p99, p99.9 are evenly
 * spaced, so the tail that hedging is about takes most of the height. x on a log scale.
 */
export function cdfSvg(title: string, series: readonly CdfSeries[]): string {
  const all = series.flatMap((s) => s.latenciesMs).filter((v) => Number.isFinite(v))
  const xLo = 10 ** Math.floor(Math.log10(Math.max(0.01, Math.min(1, ...all.map((v) => Math.max(0.01, v))))))
  const xHi = 10 ** Math.ceil(Math.log10(Math.max(10, ...all)))
  const maxN = Math.max(1, ...series.map((s) => s.latenciesMs.length))
  const nines = Math.max(2, Math.min(5, Math.ceil(Math.log10(maxN))))
  const pw = W - M.left - M.right
  const ph = H - M.top - M.bottom
  const x = (ms: number) => M.left + ((Math.log10(Math.max(xLo, ms)) - Math.log10(xLo)) / (Math.log10(xHi) - Math.log10(xLo))) * pw
  const y = (q: number) => M.top + ph - (Math.min(nines, -Math.log10(Math.max(1e-9, 1 - q))) / nines) * ph
  const body: string[] = []
  for (let k = 0; k <= nines; k++) {
    const q = 1 - 10 ** -k
    const label = k === 0 ? 'p0' : `p${Number((q * 100).toFixed(k))}`
    body.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${fmt(y(q))}" y2="${fmt(y(q))}" stroke="#ddd"/>`)
    body.push(`<text x="${M.left - 6}" y="${fmt(y(q) + 4)}" text-anchor="end">${label}</text>`)
  }
  for (const v of logTicks(xLo, xHi)) {
    body.push(`<line x1="${fmt(x(v))}" x2="${fmt(x(v))}" y1="${M.top}" y2="${M.top + ph}" stroke="#eee"/>`)
    body.push(`<text x="${fmt(x(v))}" y="${M.top + ph + 18}" text-anchor="middle">${v >= 1 ? v : v.toFixed(2)}</text>`)
  }
  body.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`)
  body.push(`<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle">latency (ms, log)</text>`)
  body.push(`<text transform="translate(18,${M.top + ph / 2}) rotate(-90)" text-anchor="middle">percentile (tail scale)</text>`)
  series.forEach((s, i) => {
    const sorted = Array.from(Float64Array.from(s.latenciesMs.filter((v) => Number.isFinite(v))).sort())
    const n = sorted.length
    if (n === 0) return
    // Half a pixel is below what the eye sees: drop vertices closer than that to the last one kept.
    const pts: string[] = []
    let lastX = Number.NEGATIVE_INFINITY
    let lastY = Number.NEGATIVE_INFINITY
    sorted.forEach((v, k) => {
      const px = x(v)
      const py = y((k + 1) / (n + 1))
      if (Math.abs(px - lastX) < 0.5 && Math.abs(py - lastY) < 0.5 && k !== n - 1) return
      lastX = px
      lastY = py
      pts.push(`${fmt(px)},${fmt(py)}`)
    })
    body.push(`<polyline fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2" points="${pts.join(' ')}"/>`)
  })
  return frame(
    title,
    body,
    series.map((s, i) => ({ label: s.label, colour: PALETTE[i % PALETTE.length] as string })),
  )
}

export interface LineSeries {
  readonly label: string
  /** One value per step of the x axis. */
  readonly values: readonly number[]
  readonly dashed?: boolean
  /** Thin and grey: context rather than a main series. */
  readonly faint?: boolean
}

/**
 * Lines over time on linear axes: x in seconds (`stepMs` per value), y from 0; a dotted
 * reference line at `reference` (e.g. 1 = the steady state), vertical marks for faults.
 */
export function lineSvg(
  title: string,
  series: readonly LineSeries[],
  stepMs: number,
  marks: readonly TimelineMark[],
  yLabel: string,
  reference?: number,
): string {
  const n = Math.max(1, ...series.map((s) => s.values.length))
  const tMax = n * stepMs
  const yHiRaw = Math.max(reference ?? 0, ...series.flatMap((s) => s.values.filter(Number.isFinite)))
  const yStep = yHiRaw > 4 ? 1 : yHiRaw > 2 ? 0.5 : 0.25
  const yHi = Math.max(yStep, Math.ceil((yHiRaw * 1.05) / yStep) * yStep)
  const pw = W - M.left - M.right
  const ph = H - M.top - M.bottom
  const x = (t: number) => M.left + (t / tMax) * pw
  const y = (v: number) => M.top + ph - (Math.max(0, Math.min(yHi, v)) / yHi) * ph
  const body: string[] = []
  for (let v = 0; v <= yHi + 1e-9; v += yStep) {
    body.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${fmt(y(v))}" y2="${fmt(y(v))}" stroke="#ddd"/>`)
    body.push(`<text x="${M.left - 6}" y="${fmt(y(v) + 4)}" text-anchor="end">${fmt(v)}</text>`)
  }
  const secondStep = tMax > 300_000 ? 60_000 : tMax > 120_000 ? 30_000 : tMax > 30_000 ? 10_000 : 5000
  for (let t = 0; t <= tMax; t += secondStep) {
    body.push(`<line x1="${fmt(x(t))}" x2="${fmt(x(t))}" y1="${M.top + ph}" y2="${M.top + ph + 5}" stroke="#333"/>`)
    body.push(`<text x="${fmt(x(t))}" y="${M.top + ph + 18}" text-anchor="middle">${t / 1000}</text>`)
  }
  body.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`)
  body.push(`<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle">time (s)</text>`)
  body.push(`<text transform="translate(18,${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`)
  if (reference !== undefined)
    body.push(
      `<line x1="${M.left}" x2="${M.left + pw}" y1="${fmt(y(reference))}" y2="${fmt(y(reference))}" stroke="#888" stroke-dasharray="2 3"/>`,
    )
  marks.forEach((m, i) => {
    body.push(`<line x1="${fmt(x(m.t))}" x2="${fmt(x(m.t))}" y1="${M.top}" y2="${M.top + ph}" stroke="#555" stroke-dasharray="4 3"/>`)
    body.push(`<text x="${fmt(x(m.t) + 3)}" y="${M.top + 12 + (i % 2) * 13}" font-size="11">${esc(m.label)}</text>`)
  })
  const colours = series.map((s, i) => (s.faint ? '#999' : (PALETTE[i % PALETTE.length] as string)))
  series.forEach((s, i) => {
    // Each value covers its step: draw it at the step's middle.
    const pts = s.values.map((v, k) => `${fmt(x((k + 0.5) * stepMs))},${fmt(y(v))}`)
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : ''
    body.push(`<polyline fill="none" stroke="${colours[i]}" stroke-width="${s.faint ? 1 : 1.6}"${dash} points="${pts.join(' ')}"/>`)
  })
  return frame(
    title,
    body,
    series.map((s, i) => ({ label: s.label, colour: colours[i] as string })),
  )
}
