/**
 * What telemetry costs per FailoverStore operation, on the compiled library (`npm run build`
 * first), over stores that answer synchronously so only the library is measured:
 *
 * - **nothing subscribed**: the diagnostics hooks read `hasSubscribers` and return. With
 *   `--baseline <dir>` (a build of another revision, e.g. main: its `dist/index.js` is loaded), the
 *   same operations on that build run interleaved with this one's, so the two are compared on the
 *   same machine at the same time;
 * - **OpenTelemetry SDK**: `enableOpenTelemetry` with a BasicTracerProvider, a SimpleSpanProcessor
 *   into an InMemorySpanExporter (reset between repetitions) and a MeterProvider with a reader.
 *
 * CPU per operation (µs, `process.cpuUsage`, 20 000 operations) for findById and insertOrReplace, and
 * heap retained per findById in flight (bytes, 5 000 in flight, after full collections). Medians of
 * 5 interleaved repetitions. On a
 * shared machine the figures are noisy: compare the rows of one run, not runs.
 *
 *   npm run build && npx tsx bench/experiments/otel-cost.ts [--baseline <dir>]
 */
import { InMemorySpanExporter, BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { NEVER, of, type Observable } from 'rxjs'
import type * as Library from '../../lib/index.js'
import type * as Otel from '../../lib/otel/index.js'
import type { Store } from '../../lib/index.js'
import { settledHeap } from '../gc.js'
import { cpuUsPer, median } from '../stats.js'

const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(file).href)) as T
const here = resolve(import.meta.dirname, '../../dist')
const baselineArg = process.argv.indexOf('--baseline')
const baselineDir = baselineArg > 0 ? process.argv[baselineArg + 1] : undefined

const current = await load<typeof Library>(`${here}/index.js`)
const { enableOpenTelemetry } = await load<typeof Otel>(`${here}/otel/index.js`)
const baseline = baselineDir === undefined ? undefined : await load<typeof Library>(resolve(baselineDir, 'dist/index.js'))

const METHODS = [
  'findById',
  'find',
  'insertOrReplace',
  'insert',
  'replace',
  'update',
  'increment',
  'delete',
  'checkAndMutate',
  'checkAndReplace',
  'checkAndDelete',
]
/** A store of every method answering `answer` at once (a FailoverStore may check that a store has all of them). */
const fake = (answer: Observable<unknown>): Store =>
  ({ path: '/t', ...Object.fromEntries(METHODS.map((m) => [m, () => answer])) }) as unknown as Store
const over = (lib: typeof Library, answer: Observable<unknown>, options: Library.FailoverStoreOptions = {}) =>
  new lib.FailoverStore(
    [
      { name: 'a', store: fake(answer) },
      { name: 'b', store: fake(answer) },
    ],
    { lingerMs: 0, ...options },
  )
const noop = { next() {}, error() {}, complete() {} }

function heapPerInFlight(store: Store, n: number): number {
  const before = settledHeap()
  const subs = Array.from({ length: n }, () => store.findById('k').subscribe(noop))
  const after = settledHeap()
  for (const s of subs) s.unsubscribe()
  return (after - before) / n
}

class Reader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve()
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve()
  }
}

type Mode = 'baseline, nothing subscribed' | 'this build, nothing subscribed' | 'this build, OpenTelemetry SDK + in-memory exporter'
const modes: Mode[] = [
  ...(baseline === undefined ? [] : (['baseline, nothing subscribed'] as const)),
  'this build, nothing subscribed',
  'this build, OpenTelemetry SDK + in-memory exporter',
]
const cpu: Record<Mode, { findById: number[]; insertOrReplace: number[] }> = Object.fromEntries(
  modes.map((m) => [m, { findById: [], insertOrReplace: [] }]),
) as never
const heap: Partial<Record<Mode, number[]>> = {}

const exporter = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
const meterProvider = new MeterProvider({ readers: [new Reader()] })

async function measure(mode: Mode): Promise<void> {
  const lib = mode.startsWith('baseline') ? (baseline as typeof Library) : current
  const otel = mode.includes('SDK') ? enableOpenTelemetry({ tracerProvider, meterProvider }) : undefined
  try {
    const store = over(lib, of(null))
    const n = 20_000
    cpu[mode].findById.push(cpuUsPer(n, () => store.findById('k').subscribe(noop)))
    exporter.reset()
    cpu[mode].insertOrReplace.push(cpuUsPer(n, () => store.insertOrReplace({ _id: 'k' }).subscribe(noop)))
    exporter.reset()
    await store.close({ graceMs: 0 })
    const silent = over(lib, NEVER, { timeoutMs: 1_000_000, secondaryTimeoutMs: 2_000_000 })
    ;(heap[mode] ??= []).push(heapPerInFlight(silent, 5_000))
    await silent.close({ graceMs: 0 })
    exporter.reset()
  } finally {
    otel?.disable()
  }
}

const REPETITIONS = 5
for (let r = 0; r < REPETITIONS; r++) for (const mode of modes) await measure(mode)

console.log(
  `Telemetry cost per FailoverStore operation, compiled code, synchronous stores (medians of ${REPETITIONS} interleaved repetitions; a shared machine: noisy)`,
)
console.table(
  Object.fromEntries(
    modes.map((mode) => [
      mode,
      {
        'findById CPU us/op': Number(median(cpu[mode].findById).toFixed(2)),
        'insertOrReplace CPU us/op': Number(median(cpu[mode].insertOrReplace).toFixed(2)),
        'findById heap bytes/op in flight': Math.round(median(heap[mode] ?? [])),
      },
    ]),
  ),
)
await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()])
