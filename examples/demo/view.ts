/**
 * The live terminal view: one compact line per second plus one line per event, plain
 * append-only text so it reads the same in a terminal and in a file (`npm start > run.log`).
 * Colour only when asked for and writing to a terminal.
 */
import pc from 'picocolors'
import { textTable } from '../../lib/chaos/report.js'
import type { CheckOutcome, DemoEvent, PhaseSummary, SecondSample } from './types.js'

export type Colors = ReturnType<typeof pc.createColors>

/** Colour when stdout is a terminal, `--no-color` was not given and NO_COLOR is unset. */
export function colorsFor(noColorFlag: boolean, stream: { isTTY?: boolean } = process.stdout): Colors {
  const enabled = !noColorFlag && stream.isTTY === true && (process.env.NO_COLOR ?? '') === ''
  return pc.createColors(enabled)
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`

function pad(text: string, width: number, left = false): string {
  return left ? text.padStart(width) : text.padEnd(width)
}

export class LiveView {
  constructor(
    private readonly c: Colors,
    private readonly primary: string,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  header(lines: readonly string[]): void {
    for (const line of lines) this.write(this.c.bold(line))
  }

  info(line: string): void {
    this.write(this.c.dim(line))
  }

  second(s: SecondSample): void {
    const c = this.c
    const cluster = s.cluster === this.primary ? c.green(s.cluster) : c.yellow(s.cluster)
    const p99 = `${Math.round(s.p99Ms)} ms`
    const p99Coloured = s.p99Ms >= 200 ? c.red(pad(p99, 7, true)) : s.p99Ms >= 50 ? c.yellow(pad(p99, 7, true)) : pad(p99, 7, true)
    const errors = s.errors > 0 ? c.red(`errors ${s.errors}`) : c.dim('errors 0')
    const extras = [s.timeouts > 0 ? `timeouts ${s.timeouts}` : '', s.hedges > 0 ? c.cyan(`hedges ${s.hedges}`) : ''].filter(
      (x) => x !== '',
    )
    this.write(
      [
        c.dim(pad(seconds(s.atMs), 6, true)),
        pad(s.phase, 12),
        `${pad(String(s.ops), 5, true)} ops/s`,
        `p99 ${p99Coloured}`,
        `serving ${cluster}`,
        errors,
        ...extras,
      ].join('  '),
    )
  }

  event(e: DemoEvent): void {
    const c = this.c
    const when = pad(seconds(e.atMs), 6, true)
    switch (e.type) {
      case 'phase':
        this.write(c.bold(c.blue(`${when}  == ${e.text}`)))
        return
      case 'fault':
        this.write(c.magenta(`${when}  !! ${e.text}`))
        return
      case 'failover':
      case 'gave-up':
        this.write(c.red(`${when}  >> ${e.text}`))
        return
      case 'failback':
      case 'probe-ok':
        this.write(c.green(`${when}  << ${e.text}`))
        return
      default:
        this.write(c.cyan(`${when}  .. ${e.text}`))
    }
  }
}

const COLUMNS: readonly { readonly title: string; readonly cell: (p: PhaseSummary) => string }[] = [
  { title: 'phase', cell: (p) => p.name },
  { title: 'secs', cell: (p) => ((p.toMs - p.fromMs) / 1000).toFixed(1) },
  { title: 'ops', cell: (p) => String(p.ops) },
  { title: 'ops/s', cell: (p) => String(Math.round(p.opsPerSecond)) },
  { title: 'p50 ms', cell: (p) => p.p50Ms.toFixed(1) },
  { title: 'p99 ms', cell: (p) => p.p99Ms.toFixed(1) },
  { title: 'read p99', cell: (p) => p.readP99Ms.toFixed(1) },
  { title: 'write p99', cell: (p) => p.writeP99Ms.toFixed(1) },
  { title: 'max ms', cell: (p) => p.maxMs.toFixed(1) },
  { title: 'errors', cell: (p) => String(p.errors) },
  { title: 'failovers', cell: (p) => String(p.failovers) },
  { title: 'failbacks', cell: (p) => String(p.failbacks) },
  { title: 'hedges', cell: (p) => String(p.hedges) },
  {
    title: 'served by',
    cell: (p) =>
      Object.entries(p.servedBy)
        .filter(([, share]) => share > 0)
        .map(([name, share]) => `${name} ${Math.round(share * 100)}%`)
        .join(', '),
  },
]

/** The per-phase summary as a fixed-width table (no colour, no box drawing). */
export function phaseTable(phases: readonly PhaseSummary[]): string {
  return textTable(
    COLUMNS.map((col) => col.title),
    phases.map((p) => COLUMNS.map((col) => col.cell(p))),
  )
}

export function checkLines(checks: readonly CheckOutcome[], c: Colors): string[] {
  return checks.map((check) => `${check.ok ? c.green('PASS') : c.red('FAIL')}  ${check.name}: ${check.detail}`)
}
