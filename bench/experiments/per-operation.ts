/**
 * The FailoverStore's own cost per operation, on the compiled library (`npm run build` first: tsx
 * would inflate closure-heavy code), over stores that answer synchronously, so only the wrapper is
 * measured: CPU per operation over the raw store (findById, insertOrReplace), heap retained per
 * operation in flight, heap allocated per operation (garbage included: against a real driver
 * every byte of it brings the next scavenge closer, and a scavenge there copies the gRPC calls
 * in flight), CPU per document of a find (medians of interleaved repetitions), and the heap of
 * the session window (session.ts) full at its default size.
 *
 *   npm run build && npx tsx bench/experiments/per-operation.ts
 */
import { Session as InspectorSession } from 'node:inspector/promises'
import { from, NEVER, of, type Observable } from 'rxjs'
import type * as Library from '../../lib/index.js'
import type * as Policy from '../../lib/failover/policy.js'
import type * as Session from '../../lib/failover/session.js'
import type { Store } from '../../lib/index.js'
import { settledHeap } from '../gc.js'
import { cpuUsPer, median } from '../stats.js'

// The compiled library, loaded at run time (types from the source, which it is built from).
const { FailoverStore } = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof Library

const docs = Array.from({ length: 1000 }, (_, i) => ({ _id: `k${String(i).padStart(5, '0')}` }))
const { OPERATION_NAMES } = (await import(new URL('../../dist/failover/policy.js', import.meta.url).href)) as typeof Policy
/** A store whose every call answers `answer` (a find: the 1 000 documents). */
const fake = (answer: Observable<unknown>): Store =>
  Object.fromEntries([['path', '/t'], ...OPERATION_NAMES.map((op) => [op, op === 'find' ? () => from(docs) : () => answer])]) as Store
const over = (answer: Observable<unknown>) =>
  new FailoverStore(
    [
      { name: 'a', store: fake(answer) },
      { name: 'b', store: fake(answer) },
    ],
    { lingerMs: 0 },
  )
const noop = { next() {}, error() {}, complete() {} }

const raw = fake(of(null))
const wrapped = over(of(null))
const rows: Record<string, number[]> = { findById: [], insertOrReplace: [], findPerDocument: [] }
for (let r = 0; r < 7; r++) {
  const n = 200_000
  rows['findById']!.push(cpuUsPer(n, () => wrapped.findById('k').subscribe(noop)) - cpuUsPer(n, () => raw.findById('k').subscribe(noop)))
  rows['insertOrReplace']!.push(
    cpuUsPer(n, () => wrapped.insertOrReplace({ _id: 'k' }).subscribe(noop)) -
      cpuUsPer(n, () => raw.insertOrReplace({ _id: 'k' }).subscribe(noop)),
  )
  rows['findPerDocument']!.push(
    (cpuUsPer(500, () => wrapped.find().subscribe(noop)) - cpuUsPer(500, () => raw.find().subscribe(noop))) / docs.length,
  )
}
void wrapped.close({ graceMs: 0 })

function retainedPerOperation(store: Store, op: 'findById' | 'insertOrReplace', n: number): number {
  const before = settledHeap()
  const start = (): Observable<unknown> => (op === 'findById' ? store.findById('k') : store.insertOrReplace({ _id: 'k' }))
  const subs = Array.from({ length: n }, () => start().subscribe(noop))
  const after = settledHeap()
  for (const s of subs) s.unsubscribe()
  return (after - before) / n
}
interface SamplingNode {
  readonly selfSize: number
  readonly children: readonly SamplingNode[]
}
const sampledBytes = (node: SamplingNode): number => node.children.reduce((sum, c) => sum + sampledBytes(c), node.selfSize)

/** Bytes allocated per call of `fn` (V8's sampling heap profiler, every 64 bytes on average, collected objects included). */
async function allocatedPerOperation(n: number, fn: () => void): Promise<number> {
  const session = new InspectorSession()
  session.connect()
  await session.post('HeapProfiler.enable')
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 64,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  })
  for (let i = 0; i < n; i++) fn()
  const { profile } = await session.post('HeapProfiler.stopSampling')
  session.disconnect()
  return sampledBytes(profile.head as SamplingNode) / n
}
const allocatedStore = over(of(null))
const allocated: Record<'findById' | 'insertOrReplace', number[]> = { findById: [], insertOrReplace: [] }
for (let r = 0; r < 5; r++) {
  const n = 50_000
  allocated.findById.push(
    (await allocatedPerOperation(n, () => allocatedStore.findById('k').subscribe(noop))) -
      (await allocatedPerOperation(n, () => raw.findById('k').subscribe(noop))),
  )
  allocated.insertOrReplace.push(
    (await allocatedPerOperation(n, () => allocatedStore.insertOrReplace({ _id: 'k' }).subscribe(noop))) -
      (await allocatedPerOperation(n, () => raw.insertOrReplace({ _id: 'k' }).subscribe(noop))),
  )
}
void allocatedStore.close({ graceMs: 0 })

const silentRaw = fake(NEVER)
const silent = new FailoverStore(
  [
    { name: 'a', store: fake(NEVER) },
    { name: 'b', store: fake(NEVER) },
  ],
  { lingerMs: 0, timeoutMs: 1_000_000, secondaryTimeoutMs: 2_000_000 },
)
const heap = {
  findById: retainedPerOperation(silent, 'findById', 20_000) - retainedPerOperation(silentRaw, 'findById', 20_000),
  insertOrReplace: retainedPerOperation(silent, 'insertOrReplace', 20_000) - retainedPerOperation(silentRaw, 'insertOrReplace', 20_000),
}
void silent.close({ graceMs: 0 })

// The session window at its default size, full: 10 000 documents with ids like `user-00001234`.
const { RecentWrites, keyOf, DEFAULT_SESSION } = (await import(
  new URL('../../dist/failover/session.js', import.meta.url).href
)) as typeof Session
const ids = Array.from({ length: DEFAULT_SESSION.maxDocuments }, (_, i) => `user-${String(i).padStart(8, '0')}`)
const beforeWindow = settledHeap()
const recent = new RecentWrites(DEFAULT_SESSION)
ids.forEach((id, i) => recent.acknowledged(keyOf(id), i % 2, i))
const windowBytes = settledHeap() - beforeWindow

console.log('FailoverStore over the raw store, compiled code, synchronous stores (medians of 7 interleaved repetitions)')
console.table({
  'findById: CPU us per operation': median(rows['findById']!),
  'insertOrReplace: CPU us per operation': median(rows['insertOrReplace']!),
  'find: CPU us per document': median(rows['findPerDocument']!),
  'findById: heap bytes per operation in flight': Math.round(heap.findById),
  'insertOrReplace: heap bytes per operation in flight': Math.round(heap.insertOrReplace),
  'findById: heap bytes allocated per operation': Math.round(median(allocated.findById)),
  'insertOrReplace: heap bytes allocated per operation': Math.round(median(allocated.insertOrReplace)),
  [`session window, ${recent.size} documents (default): heap KiB`]: Math.round(windowBytes / 1024),
})
