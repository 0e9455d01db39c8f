/**
 * A full garbage collection on demand, without needing `node --expose-gc` on the command line
 * (`npm run bench` runs through tsx): the flag is set at run time and the `gc` function fetched
 * from a fresh V8 context, where it appears once the flag is on.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let cached: (() => void) | undefined

export function fullGc(): () => void {
  if (cached !== undefined) return cached
  const global = (globalThis as { gc?: () => void }).gc
  if (typeof global === 'function') return (cached = global)
  setFlagsFromString('--expose-gc')
  const fn: unknown = runInNewContext('gc')
  if (typeof fn !== 'function') throw new Error('cannot expose the garbage collector (--expose-gc)')
  return (cached = fn as () => void)
}

/** Heap in use after two full collections (the second catches what finalisers freed). */
export function settledHeap(): number {
  const gc = fullGc()
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** Resource types keeping the event loop alive, counted by type (e.g. `{ Timeout: 2, TCPWRAP: 1 }`). */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1
  return counts
}
