/** The failure suite's outputs: a plain-text table (one row per scenario) and the JSON document. */
import type { ScenarioReport } from './runner.js'

const COLUMNS: readonly { readonly title: string; readonly value: (r: ScenarioReport) => string }[] = [
  { title: 'scenario', value: (r) => r.name },
  { title: 'ops', value: (r) => String(r.ops) },
  { title: 'lost', value: (r) => String(r.lostWrites) },
  { title: 'dup', value: (r) => String(r.duplicateApplies) },
  { title: 'staleOwn', value: (r) => String(r.avoidableStaleOwnReads) },
  { title: 'unavoidable', value: (r) => String(r.unavoidableStaleOwnReads) },
  { title: 'callerErr', value: (r) => String(r.callerErrors) },
  { title: 'hangs', value: (r) => String(r.hangs) },
  { title: 'converge ms', value: (r) => (r.convergenceMs === null ? 'never' : String(r.convergenceMs)) },
  { title: 'failovers', value: (r) => String(r.failovers) },
  { title: 'failbacks', value: (r) => String(r.failbacks) },
  { title: 'p50 ms', value: (r) => r.p50Ms.toFixed(1) },
  { title: 'p99 ms', value: (r) => r.p99Ms.toFixed(1) },
  { title: 'max ms', value: (r) => r.maxMs.toFixed(1) },
  { title: 'result', value: (r) => (r.holds ? 'ok' : `FAIL: ${r.violations.join(', ')}`) },
]

/**
 * A fixed-width table that reads the same in a terminal and in a file (no colours, no box
 * drawing): the first and last columns left-aligned, the figures between them right-aligned.
 */
export function textTable(header: readonly string[], body: readonly (readonly string[])[]): string {
  const rows = [header, ...body]
  const widths = header.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)))
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (i === 0 || i === row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  const title = line(header)
  return [title, '-'.repeat(title.length), ...body.map(line)].join('\n')
}

/** The failure suite's table: one row per scenario. */
export function formatTable(reports: readonly ScenarioReport[]): string {
  return textTable(
    COLUMNS.map((c) => c.title),
    reports.map((r) => COLUMNS.map((c) => c.value(r))),
  )
}

/** The `--json` document: `{ scenarios: [ { name, ops, lostWrites, … } ] }`. */
export function toJson(reports: readonly ScenarioReport[], meta: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ ...meta, scenarios: reports }, null, 2)}\n`
}
