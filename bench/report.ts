/**
 * Tables for the terminal and the JSON document. A table is a list of flat rows; columns are the
 * keys of the first row, so what is printed is exactly what lands in the JSON.
 */
import { round } from './stats.js'

export type Cell = string | number | boolean | null
export type Row = Readonly<Record<string, Cell>>

function show(cell: Cell | undefined): string {
  if (cell === undefined || cell === null) return '-'
  if (typeof cell === 'number') return Number.isNaN(cell) ? '-' : String(round(cell))
  return String(cell)
}

/** A plain-text table with a title line; numbers right-aligned. */
export function formatTable(title: string, rows: readonly Row[]): string {
  if (rows.length === 0) return `${title}\n  (no rows)`
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const cells = rows.map((r) => columns.map((c) => show(r[c])))
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)))
  const numeric = columns.map((c) => rows.every((r) => typeof r[c] === 'number' || r[c] === null || r[c] === undefined))
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd()
  return [title, line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')
}

/** Rounds every number of a JSON-able value (NaN and Infinity become null, as JSON has neither). */
export function roundDeep(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? round(value) : null
  if (Array.isArray(value)) return value.map(roundDeep)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundDeep(v)]))
  return value
}
