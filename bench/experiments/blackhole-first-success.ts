/**
 * The bench's black-hole cell alone (section 2: open-loop findById at 500/s, A black-holed on its
 * proxy after a healthy phase), with suspicion on (defaults) and off (`silence: false`), runs
 * interleaved: the time from the fault to the first answer from B, when the store saw its first
 * timeout, silence and failover (events$), and the stalls it saw.
 * With suspicion off the first success is `timeoutMs` plus B's answer; with it on, the silence
 * threshold plus B's answer.
 *
 *   npx tsx bench/experiments/blackhole-first-success.ts [--runs 5] [--timeout-ms 100]
 */
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { GatewayEnv } from '../env.js'
import { analyse, faultRun } from '../fault-run.js'
import { KEYS, oursOverProxies, seedKeys } from '../sections/failover.js'
import { median } from '../stats.js'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, 'timeout-ms': { type: 'string', default: '100' } } })
const runs = Number(values.runs)
const timeoutMs = Number(values['timeout-ms'])
const variants = { 'suspicion on': {}, 'suspicion off': { silence: false } } as const

const env = await GatewayEnv.start()
try {
  const path = await seedKeys(env)
  const firsts: Record<string, number[]> = {}
  for (let r = 0; r < runs; r++) {
    for (const [name, options] of Object.entries(variants)) {
      await env.heal()
      const ours = await oursOverProxies(env, path, { timeoutMs, ...options })
      // When the store saw the first timeout and the first silence (performance.now(), like the run's clock).
      const seen: Record<string, number> = {}
      const events = ours.store.events$.subscribe((e) => {
        if ((e.type === 'timeout' || e.type === 'silent' || e.type === 'failover') && seen[e.type] === undefined)
          seen[e.type] = performance.now()
      })
      try {
        const run = await faultRun({
          env,
          op: (i) => ours.store.findById(`k${i % KEYS}`),
          tagOf: ours.tags.of,
          fault: 'blackhole',
          rate: 500,
          healthyMs: 1500,
          afterMs: 600,
          drainMs: 3000,
        })
        const first = analyse(run).firstSuccessMs ?? Number.NaN
        ;(firsts[name] ??= []).push(first)
        const s = ours.store.stats()
        const after = (type: string) => (seen[type] === undefined ? '-' : (seen[type] - run.t0 - run.faultAt).toFixed(1))
        console.error(
          `${name}: first success ${first.toFixed(1)} ms; first timeout ${after('timeout')} ms, silence ${after('silent')} ms, failover ${after('failover')} ms after the fault; stalls ${s.stalls} (${s.stalledMs} ms), silences ${s.silences}`,
        )
      } finally {
        events.unsubscribe()
        ours.dispose()
      }
    }
  }
  console.log(`black hole on A, timeoutMs ${timeoutMs}, ${runs} runs each (interleaved): first success after the fault, ms`)
  console.table(
    Object.fromEntries(
      Object.entries(firsts).map(([name, xs]) => [
        name,
        { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), all: xs.map((x) => x.toFixed(1)).join(' ') },
      ]),
    ),
  )
} finally {
  await env.close()
}
