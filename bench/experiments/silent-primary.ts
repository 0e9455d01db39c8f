/**
 * A primary that goes silent under open-loop load: 30 % insertOrReplace and 70 % findById at a
 * fixed rate (default 300 ops/s), default FailoverStore options, two gateway processes replicating
 * to each other. After a healthy phase every RPC of the primary's gateway is stalled (`'*'` stall
 * fault: it accepts requests and never answers, while its connections stay up). Per run it counts
 * the reads that took over 100 ms, the writes that ended in an error (and how), and the time from
 * the fault to the first answer from the secondary; then it prints the medians over the runs.
 *
 *   npx tsx bench/experiments/silent-primary.ts [--runs 10] [--rate 300] [--hedge] [--no-silence]
 *
 * `--hedge` turns hedged reads on (`hedge: {}`); `--no-silence` turns suspicion off
 * (`silence: false`), which gives the figures of a store that waits for `timeoutMs`.
 */
import { parseArgs } from 'node:util'
import type { Observable } from 'rxjs'
import type { FailoverStoreOptions } from '../../lib/failover/options.js'
import { GatewayEnv } from '../env.js'
import { openLoop, type OpRecord } from '../load.js'
import { oursOverProxies, seedKeys, KEYS } from '../sections/failover.js'
import { sleep } from '../context.js'
import { median } from '../stats.js'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    rate: { type: 'string', default: '300' },
    hedge: { type: 'boolean', default: false },
    'no-silence': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
})
const runs = Number(values.runs)
const rate = Number(values.rate)
const HEALTHY_MS = 2_000
const AFTER_MS = 3_000
const options: FailoverStoreOptions = { ...(values.hedge ? { hedge: {} } : {}), ...(values['no-silence'] ? { silence: false } : {}) }

interface Figures {
  readonly slowReads: number
  readonly writeErrors: number
  readonly errorCodes: Record<string, number>
  readonly firstSuccessMs: number
  readonly silences: number
  readonly failovers: number
}

const env = await GatewayEnv.start()
const rows: Figures[] = []
try {
  const path = await seedKeys(env)
  for (let r = 0; r < runs; r++) {
    const { store, tags, dispose } = await oursOverProxies(env, path, options)
    const kinds: ('read' | 'write')[] = []
    const op = (i: number): Observable<unknown> => {
      const write = i % 10 < 3
      kinds[i] = write ? 'write' : 'read'
      const key = `k${i % KEYS}`
      return write ? store.insertOrReplace({ _id: key, v: i, name: `user ${i}` }) : store.findById(key)
    }
    const load = openLoop(op, { rate, durationMs: HEALTHY_MS + AFTER_MS, drainMs: 8_000, tagOf: tags.of })
    const timeline: string[] = []
    store.events$.subscribe((e) => {
      if (e.type === 'silent' || e.type === 'heard' || e.type === 'failover' || e.type === 'stall')
        timeline.push(`${e.type} ${e.cluster} @${Math.round(load.now() - HEALTHY_MS)}`)
    })
    await sleep(HEALTHY_MS)
    const faultAt = load.now()
    await env.setFault(env.a, '*', { type: 'stall' })
    await load.done
    const records: readonly OpRecord[] = load.records
    const after = records.map((rec, i) => ({ rec, kind: kinds[i] })).filter(({ rec }) => !(rec.end < faultAt))
    const reads = after.filter((x) => x.kind === 'read').map((x) => x.rec)
    const writes = after.filter((x) => x.kind === 'write').map((x) => x.rec)
    const errorCodes: Record<string, number> = {}
    for (const w of writes) if (!w.ok) errorCodes[w.error ?? 'unfinished'] = (errorCodes[w.error ?? 'unfinished'] ?? 0) + 1
    const firstOther = reads.filter((x) => x.ok && x.servedBy === 'B').reduce((m, x) => Math.min(m, x.end), Infinity)
    const s = store.stats()
    rows.push({
      slowReads: reads.filter((x) => !x.ok || (Number.isNaN(x.end) ? Infinity : x.end - x.start) > 100).length,
      writeErrors: writes.filter((x) => !x.ok).length,
      errorCodes,
      firstSuccessMs: firstOther - faultAt,
      silences: s.silences,
      failovers: s.failovers,
    })
    console.log(`run ${r + 1}: ${JSON.stringify(rows[rows.length - 1])}`)
    if (values.verbose) console.log(`  events (ms from the fault, about): ${timeline.join(', ')}`)
    dispose()
    await env.clearFaults(env.a)
    await env.heal()
    await sleep(500)
  }
} finally {
  await env.close()
}
const med = (pick: (f: Figures) => number) => median(rows.map(pick))
console.log(`\nsilent primary ('*' stall), ${rate} ops/s (30 % insertOrReplace), ${runs} runs, options ${JSON.stringify(options)}`)
console.log(`reads over 100 ms: median ${med((f) => f.slowReads)}, max ${Math.max(...rows.map((f) => f.slowReads))}`)
console.log(`writes ending in an error: median ${med((f) => f.writeErrors)}, max ${Math.max(...rows.map((f) => f.writeErrors))}`)
console.log(
  `first success after the fault: median ${med((f) => f.firstSuccessMs).toFixed(1)} ms, max ${Math.max(...rows.map((f) => f.firstSuccessMs)).toFixed(1)} ms`,
)
console.log(`silences per run: median ${med((f) => f.silences)}; failovers per run: median ${med((f) => f.failovers)}`)
