/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time by where the code lives (this
 * library by directory, rxjs, grpc-js, Node internals, GC, idle) and the functions with the most
 * self time, so two profiles (raw driver, FailoverStore) compare at a glance.
 *
 *   npx tsx bench/experiments/profile-summary.ts prof/*.cpuprofile [--top 25]
 *
 * A file named `<name>.<n>ops.cpuprofile` (write-overhead.ts --profile) also gets µs per operation.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}
interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** Where a function's code lives, coarse enough to add up. */
function placeOf(url: string, name: string): string {
  if (url === '') return name === '(garbage collector)' || name === '(idle)' || name === '(program)' ? name : '(native)'
  const dist = /\/dist\/([^/]+)\//.exec(url) ?? /\/lib\/([^/]+)\//.exec(url)
  if (dist !== null && !url.includes('node_modules')) return `ojai-failover ${url.includes('/dist/') ? 'dist' : 'lib'}/${dist[1]}`
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg !== null) return pkg[1] as string
  if (url.startsWith('node:')) return 'node internals'
  return 'other'
}

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true })
for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfUs = new Map<number, number>()
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0)
  const places = new Map<string, number>()
  const functions = new Map<string, number>()
  for (const [id, us] of selfUs) {
    const f = (byId.get(id) as ProfileNode).callFrame
    const place = placeOf(f.url, f.functionName)
    places.set(place, (places.get(place) ?? 0) + us)
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|dist|lib)\//, '$1/')}:${f.lineNumber + 1}`
    functions.set(key, (functions.get(key) ?? 0) + us)
  }
  const share = (us: number) => `${((100 * us) / total).toFixed(1)} %`
  const ops = Number(/\.(\d+)ops\.cpuprofile$/.exec(file)?.[1] ?? Number.NaN)
  const perOp = (us: number) => (Number.isNaN(ops) ? '-' : (us / ops).toFixed(1))
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled${Number.isNaN(ops) ? '' : `, ${ops} operations`}`)
  console.table(
    Object.fromEntries(
      [...places].sort((a, b) => b[1] - a[1]).map(([p, us]) => [p, { ms: Math.round(us / 1000), 'µs/op': perOp(us), share: share(us) }]),
    ),
  )
  console.table(
    Object.fromEntries(
      [...functions]
        .sort((a, b) => b[1] - a[1])
        .slice(0, Number(values.top))
        .map(([f, us]) => [f, { ms: Math.round(us / 1000), 'µs/op': perOp(us), share: share(us) }]),
    ),
  )
}
