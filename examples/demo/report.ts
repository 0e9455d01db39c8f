/**
 * The demo's HTML report: one self-contained file (inline CSS and SVG, no script, no external
 * resource), so it opens anywhere and can be attached to a ticket as it is.
 */
import { clusterColour, escapeHtml, fmt } from './svg.js'
import type { DemoResult, PhaseSummary } from './types.js'
import { offsetMs } from './trace.js'
import { waterfallSvg } from './waterfall.js'
const EVENT_COLOURS: Record<string, string> = {
  failover: '#c92a2a',
  failback: '#2b8a3e',
  fault: '#9c36b5',
  'gave-up': '#000000',
  hedge: '#1098ad',
  'probe-ok': '#66a80f',
  'probe-failed': '#868e96',
}

const WIDTH = 960
const LEFT = 76
const RIGHT = 16
const PLOT = WIDTH - LEFT - RIGHT

function colourOf(result: DemoResult, cluster: string): string {
  return clusterColour(result.clusters, cluster)
}

class Scale {
  constructor(
    private readonly durationMs: number,
    readonly width = PLOT,
  ) {}
  x(ms: number): number {
    return LEFT + (Math.min(Math.max(ms, 0), this.durationMs) / Math.max(1, this.durationMs)) * this.width
  }
}

function phaseBands(result: DemoResult, scale: Scale, top: number, height: number, labels: boolean): string {
  return result.phases
    .map((p, i) => {
      const x0 = scale.x(p.fromMs)
      const x1 = scale.x(p.toMs)
      const band = `<rect x="${fmt(x0)}" y="${top}" width="${fmt(Math.max(0, x1 - x0))}" height="${height}" fill="${i % 2 === 0 ? '#f1f3f5' : '#ffffff'}"/>`
      const label = labels ? `<text x="${fmt(x0 + 4)}" y="${top + 12}" class="phase">${escapeHtml(p.name)}</text>` : ''
      return band + label
    })
    .join('')
}

function timeAxis(result: DemoResult, scale: Scale, y: number): string {
  const seconds = result.durationMs / 1000
  const step = seconds > 120 ? 20 : seconds > 40 ? 10 : seconds > 15 ? 5 : 2
  const ticks: string[] = []
  for (let s = 0; s <= seconds; s += step) {
    const x = scale.x(s * 1000)
    ticks.push(
      `<line x1="${fmt(x)}" y1="${y}" x2="${fmt(x)}" y2="${y + 4}" stroke="#495057"/><text x="${fmt(x)}" y="${y + 16}" text-anchor="middle" class="axis">${s}s</text>`,
    )
  }
  return `<line x1="${LEFT}" y1="${y}" x2="${LEFT + PLOT}" y2="${y}" stroke="#495057"/>${ticks.join('')}`
}

/** Latency (log scale) of each time bucket, p99 as a dot and p50 as a faint dot, coloured by cluster. */
function latencyChart(result: DemoResult): string {
  const top = 10
  const height = 260
  const scale = new Scale(result.durationMs)
  const maxMs = Math.max(10, ...result.latency.map((b) => b.p99Ms))
  const decades = Math.ceil(Math.log10(maxMs))
  const y = (ms: number) => top + height - (Math.log10(Math.max(1, ms)) / decades) * height
  const grid: string[] = []
  for (let d = 0; d <= decades; d++) {
    const v = 10 ** d
    grid.push(
      `<line x1="${LEFT}" y1="${fmt(y(v))}" x2="${LEFT + PLOT}" y2="${fmt(y(v))}" stroke="#dee2e6"/><text x="${LEFT - 6}" y="${fmt(y(v) + 4)}" text-anchor="end" class="axis">${v} ms</text>`,
    )
  }
  const marks = result.events
    .filter((e) => e.type === 'failover' || e.type === 'failback')
    .map(
      (e) =>
        `<line x1="${fmt(scale.x(e.atMs))}" y1="${top}" x2="${fmt(scale.x(e.atMs))}" y2="${top + height}" stroke="${EVENT_COLOURS[e.type]}" stroke-dasharray="4 3"/>`,
    )
  const dots = result.latency.map((b) => {
    const x = fmt(scale.x(b.fromMs + result.bucketMs / 2))
    const colour = colourOf(result, b.cluster)
    return `<circle cx="${x}" cy="${fmt(y(b.p50Ms))}" r="1.6" fill="${colour}" fill-opacity="0.35"/><circle cx="${x}" cy="${fmt(y(b.p99Ms))}" r="2.6" fill="${colour}"><title>${escapeHtml(`${b.cluster} at ${fmt(b.fromMs / 1000)}s: p99 ${b.p99Ms} ms, p50 ${b.p50Ms} ms, max ${b.maxMs} ms (${b.count} ops)`)}</title></circle>`
  })
  const svgHeight = top + height + 24
  return `<svg viewBox="0 0 ${WIDTH} ${svgHeight}" width="${WIDTH}" height="${svgHeight}" role="img" aria-label="latency over time">${phaseBands(result, scale, top, height, true)}${grid.join('')}${marks.join('')}${dots.join('')}${timeAxis(result, scale, top + height)}</svg>`
}

/** The active cluster over time (cluster$), with the run's events as marks underneath. */
function clusterChart(result: DemoResult): string {
  const scale = new Scale(result.durationMs)
  const bandTop = 8
  const bandHeight = 26
  const spans = result.clusterTimeline.map((s) => {
    const x0 = scale.x(s.fromMs)
    const w = Math.max(1, scale.x(s.toMs) - x0)
    const label =
      w > 40 ? `<text x="${fmt(x0 + w / 2)}" y="${bandTop + 17}" text-anchor="middle" class="band">${escapeHtml(s.cluster)}</text>` : ''
    return `<rect x="${fmt(x0)}" y="${bandTop}" width="${fmt(w)}" height="${bandHeight}" fill="${colourOf(result, s.cluster)}"><title>${escapeHtml(`${s.cluster} active from ${fmt(s.fromMs / 1000)}s to ${fmt(s.toMs / 1000)}s (${s.reason})`)}</title></rect>${label}`
  })
  const rows = ['fault', 'failover', 'failback', 'probe-failed', 'probe-ok', 'hedge', 'gave-up']
  const rowTop = bandTop + bandHeight + 14
  const rowHeight = 14
  const labels = rows.map((r, i) => `<text x="${LEFT - 6}" y="${rowTop + i * rowHeight + 4}" text-anchor="end" class="axis">${r}</text>`)
  const marks = result.events
    .filter((e) => rows.includes(e.type))
    .map((e) => {
      const row = rows.indexOf(e.type)
      return `<circle cx="${fmt(scale.x(e.atMs))}" cy="${rowTop + row * rowHeight}" r="3.2" fill="${EVENT_COLOURS[e.type] ?? '#495057'}"><title>${escapeHtml(`${fmt(e.atMs / 1000)}s ${e.text}`)}</title></circle>`
    })
  const axisY = rowTop + rows.length * rowHeight
  const height = axisY + 24
  return `<svg viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="active cluster and events">${phaseBands(result, scale, 0, axisY, false)}<text x="${LEFT - 6}" y="${bandTop + 17}" text-anchor="end" class="axis">cluster$</text>${spans.join('')}${labels.join('')}${marks.join('')}${timeAxis(result, scale, axisY)}</svg>`
}

/** Completed operations per second. */
function throughputChart(result: DemoResult): string {
  const scale = new Scale(result.durationMs)
  const top = 8
  const height = 90
  const max = Math.max(1, ...result.seconds.map((s) => s.ops))
  const y = (v: number) => top + height - (v / max) * height
  const points = result.seconds.map((s) => `${fmt(scale.x(s.atMs))},${fmt(y(s.ops))}`).join(' ')
  const svgHeight = top + height + 24
  return `<svg viewBox="0 0 ${WIDTH} ${svgHeight}" width="${WIDTH}" height="${svgHeight}" role="img" aria-label="throughput">${phaseBands(result, scale, top, height, false)}<text x="${LEFT - 6}" y="${top + 8}" text-anchor="end" class="axis">${max}</text><text x="${LEFT - 6}" y="${top + height}" text-anchor="end" class="axis">0</text><polyline points="${points}" fill="none" stroke="#1971c2" stroke-width="1.5"/>${timeAxis(result, scale, top + height)}</svg>`
}

/** The report's section on the traced failover: a caption, then the waterfall (waterfall.ts). */
function traceSection(result: DemoResult): string {
  const trace = result.trace
  if (trace === null) return '<p class="muted">No traced operation failed over during this run.</p>'
  const operation = trace.spans[0]
  const phaseAt = (ms: number) => result.phases.find((p) => ms >= p.fromMs && ms < p.toMs)?.name
  const endMs = operation === undefined ? trace.atMs : trace.atMs + offsetMs(operation.startTime, operation.endTime)
  const [from, to] = [phaseAt(trace.atMs), phaseAt(endMs)]
  const when =
    from === to
      ? `ran at ${fmt(trace.atMs / 1000)} s${from === undefined ? '' : ` (${escapeHtml(from)} phase)`}`
      : `started at ${fmt(trace.atMs / 1000)} s${from === undefined ? '' : ` (end of the ${escapeHtml(from)} phase)`} and ended at ${fmt(endMs / 1000)} s${to === undefined ? '' : ` (${escapeHtml(to)} phase)`}`
  return `<div class="muted">The spans <code>ojai-failover/otel</code> recorded (real OpenTelemetry SDK, in-memory exporter) for one <b>${escapeHtml(operation?.name ?? '')}</b> that ${when}, trace <code>${escapeHtml(trace.traceId)}</code>, as a tracing UI shows them. Times from the operation's start. The operation span is dark; attempts take their cluster's colour, pale with a red edge when they ended in error. Diamonds: the operation span's events. An attempt may outlive its operation: a read's attempt on a cluster that fell silent is left running as a witness, a write's until it settles.</div>
${waterfallSvg(trace, result.clusters)}`
}

function phaseRows(phases: readonly PhaseSummary[]): string {
  return phases
    .map(
      (p) =>
        `<tr><td>${escapeHtml(p.name)}</td><td class="l">${escapeHtml(p.title)}</td><td>${fmt((p.toMs - p.fromMs) / 1000)}</td><td>${p.ops}</td><td>${p.opsPerSecond}</td><td>${p.p50Ms}</td><td>${p.p99Ms}</td><td>${p.readP99Ms}</td><td>${p.writeP99Ms}</td><td>${p.maxMs}</td><td>${p.errors}</td><td>${p.failovers}</td><td>${p.failbacks}</td><td>${p.hedges}</td><td class="l">${escapeHtml(
          Object.entries(p.servedBy)
            .filter(([, v]) => v > 0)
            .map(([k, v]) => `${k} ${Math.round(v * 100)}%`)
            .join(', '),
        )}</td></tr>`,
    )
    .join('')
}

export function renderReport(result: DemoResult): string {
  const legend = result.clusters.map((c) => `<span class="key" style="background:${colourOf(result, c)}"></span>${escapeHtml(c)}`).join(' ')
  const checks = result.checks
    .map(
      (c) => `<li class="${c.ok ? 'pass' : 'fail'}"><b>${c.ok ? 'PASS' : 'FAIL'}</b> ${escapeHtml(c.name)}: ${escapeHtml(c.detail)}</li>`,
    )
    .join('')
  const events = result.events
    .filter((e) => e.type !== 'hedge' && e.type !== 'timeout')
    .map(
      (e) =>
        `<tr><td>${fmt(e.atMs / 1000)}s</td><td><span class="dot" style="background:${EVENT_COLOURS[e.type] ?? '#1971c2'}"></span>${escapeHtml(e.type)}</td><td class="l">${escapeHtml(e.text)}</td></tr>`,
    )
    .join('')
  const settings = Object.entries(result.settings)
    .map(([k, v]) => `<tr><td class="l">${escapeHtml(k)}</td><td class="l">${escapeHtml(String(v))}</td></tr>`)
    .join('')
  const t = result.totals
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ojai-failover demo report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#212529;margin:24px auto;max-width:1000px;padding:0 12px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 6px} .muted{color:#868e96}
table{border-collapse:collapse;font-size:12.5px} td,th{border-bottom:1px solid #dee2e6;padding:3px 7px;text-align:right;white-space:nowrap} th{background:#f1f3f5}
td.l,th.l{text-align:left;white-space:normal}
.key,.dot{display:inline-block;width:11px;height:11px;border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}.dot{border-radius:50%;margin-left:0}
svg text.axis{font-size:10.5px;fill:#495057} svg text.phase{font-size:11px;fill:#495057;font-weight:600} svg text.band{font-size:12px;fill:#fff;font-weight:600}
svg text.span-name{font-size:12.5px;fill:#212529;font-weight:600} svg text.span-detail{font-size:10.5px;fill:#495057} svg text.bar-label{font-size:11px;fill:#212529} svg text.bar-label.in{fill:#fff}
ul.checks{list-style:none;padding:0} .pass b{color:#2b8a3e} .fail b{color:#c92a2a}
.verdict{font-size:16px;font-weight:600} .verdict.ok{color:#2b8a3e} .verdict.bad{color:#c92a2a}
</style></head><body>
<h1>ojai-failover demo</h1>
<div class="muted">${escapeHtml(result.startedAt)} &middot; ${fmt(result.durationMs / 1000)} s &middot; clusters ${escapeHtml(result.clusters.join(', '))} (first = primary)</div>
<p class="verdict ${result.ok ? 'ok' : 'bad'}">${result.ok ? 'Every check passed.' : 'Some checks FAILED.'} ${t.ops} operations, ${t.errors} errors returned to callers, ${t.failovers} failovers, ${t.failbacks} failbacks, ${t.hedges} hedged reads, ${t.lostWrites} lost writes, ${t.duplicateApplies} duplicate applies; replicas ${t.convergenceMs === null ? 'did NOT converge' : `converged (${t.documents} documents each)`}.</p>
<p>Errors returned to callers, by operation: ${escapeHtml(
    Object.entries(result.errorsByKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none',
  )}. A write that may already have been applied (a conditional or counter update in flight when its cluster went dark) ends in an error, since its effect is unknown; reads and idempotent writes move to the other cluster.</p>
<h2>Latency over time</h2>
<div class="muted">Each bucket of ${result.bucketMs} ms: p99 (dot) and p50 (faint dot) of the operations that started in it, coloured by the cluster active when they ended. Dashed lines: failover (red) and failback (green). Log scale.</div>
<div>${legend}</div>
${latencyChart(result)}
<h2>Active cluster (cluster$) and events</h2>
${clusterChart(result)}
<h2>One failover, traced with OpenTelemetry</h2>
${traceSection(result)}
<h2>Throughput (operations completed per second)</h2>
${throughputChart(result)}
<h2>Phases</h2>
<table><tr><th>phase</th><th class="l">what happens</th><th>secs</th><th>ops</th><th>ops/s</th><th>p50 ms</th><th>p99 ms</th><th>read p99</th><th>write p99</th><th>max ms</th><th>errors</th><th>failovers</th><th>failbacks</th><th>hedges</th><th class="l">served by</th></tr>${phaseRows(result.phases)}</table>
<h2>Checks</h2>
<ul class="checks">${checks}</ul>
<h2>Events</h2>
<table><tr><th>at</th><th class="l">type</th><th class="l">what</th></tr>${events}</table>
<h2>Settings</h2>
<table>${settings}</table>
</body></html>
`
}
