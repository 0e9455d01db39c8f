/**
 * `npx tsx bench/long-find.ts [--seconds 30] [--json <file>]`
 *
 * A find that streams for a long time, through an embedded gateway (a child process, LMDB) behind
 * a fault proxy, with the driver's default options:
 *
 * 1. **slow answer**: the gateway waits `answerLatencyMs` (3 s) before its first result (a
 *    `latency` fault on Find) and every chunk on the link is delayed `linkLatencyMs` (100 ms) each
 *    way; the table is sized from a measured rate so the stream lasts at least `--seconds`. With
 *    the defaults the find must complete: it is bounded by the gap between messages
 *    (`findIdleMs`, default `deadlineMs` = 10 s), not by its length.
 * 2. **the former default** for contrast: the same find with a whole-stream deadline of
 *    `deadlineMs` (`findDeadlineMs: 10 000`), which is what every find had before; it ends in
 *    DEADLINE_EXCEEDED after 10 s with part of the table delivered.
 * 3. **stalled stream**: the link is black-holed after some documents; the find must end with
 *    DEADLINE_EXCEEDED about `findIdleMs` after the last message.
 *
 * Prints one table (and writes JSON with `--json`); targets are reported as met / MISSED, never
 * turned into a failure. Exit code 0 unless the bench itself failed.
 */
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { firstValueFrom, lastValueFrom, count, timeout } from 'rxjs'
import { ClusterHarness, type GatewayNode } from '../lib/chaos/cluster.js'
import { connect, type Connection } from '../lib/driver/index.js'
import { DEFAULT_DEADLINE_MS, type ConnectOptions } from '../lib/driver/options.js'
import { GatewayControlClient } from '../lib/gateway/control-client.js'
import { OjaiError } from '../lib/ojai/errors.js'
import { formatTable, roundDeep, type Row } from './report.js'

export interface LongFindOptions {
  /** How long the slow find should stream at least. Default 30 s. */
  readonly seconds?: number
  /** Delay per chunk and direction on the link (fault proxy). Default 100 ms. */
  readonly linkLatencyMs?: number
  /** Gateway fault: a Find waits this long before its first result. Default 3 000 ms. */
  readonly answerLatencyMs?: number
  /** The client's connect options. Default none: the driver's defaults. */
  readonly connectOptions?: ConnectOptions
  /** The stalled run black-holes the link after this many documents. Default 500. */
  readonly stallAfterDocs?: number
  /** Largest table the bench will load. Default 200 000 documents. */
  readonly maxDocs?: number
  readonly log?: (line: string) => void
}

/** What one find did, as seen by its subscriber. */
export interface FindRun {
  readonly run: string
  readonly outcome: 'completed' | string
  readonly docs: number
  readonly firstMessageMs: number | null
  readonly totalMs: number
  /** Longest gap between two messages (the first counted from subscribe). */
  readonly maxGapMs: number
  /** Stalled run: from the last message to the end of the find. */
  readonly endedAfterLastMessageMs: number | null
}

export interface LongFindResult {
  readonly tableDocs: number
  readonly measuredDocsPerSec: number
  readonly idleLimitMs: number
  readonly runs: readonly FindRun[]
  readonly verdicts: readonly string[]
}

const TABLE = '/bench/long_find'
const PAD = 'x'.repeat(120)

async function load(node: GatewayNode, from: number, to: number): Promise<void> {
  const c = connect(node.directConnectionString)
  try {
    if (from === 0) await firstValueFrom(c.createStore(TABLE).pipe(timeout(10_000)))
    const store = c.store(TABLE)
    for (let i = from; i < to; i += 256) {
      const batch = Array.from({ length: Math.min(256, to - i) }, (_, j) => i + j)
      await Promise.all(
        batch.map((n) =>
          firstValueFrom(store.insertOrReplace({ _id: `k${String(n).padStart(9, '0')}`, n, pad: PAD }), { defaultValue: undefined }),
        ),
      )
    }
  } finally {
    void c.close({ graceMs: 0 })
  }
}

/** Runs one find to its end (or a hard bound), timing every message. */
function timedFind(connection: Connection, run: string, boundMs: number, onMessage?: (docs: number) => void): Promise<FindRun> {
  return new Promise((resolvePromise) => {
    const started = performance.now()
    let last = started
    let first: number | null = null
    let maxGap = 0
    let docs = 0
    const end = (outcome: string) => {
      clearTimeout(bound)
      const now = performance.now()
      resolvePromise({
        run,
        outcome,
        docs,
        firstMessageMs: first === null ? null : first - started,
        totalMs: now - started,
        maxGapMs: Math.max(maxGap, now - last),
        endedAfterLastMessageMs: outcome === 'completed' ? null : now - last,
      })
    }
    const subscription = connection
      .store(TABLE)
      .find()
      .subscribe({
        next: () => {
          const now = performance.now()
          if (first === null) first = now
          maxGap = Math.max(maxGap, now - last)
          last = now
          docs++
          onMessage?.(docs)
        },
        complete: () => end('completed'),
        error: (error: unknown) => end(error instanceof OjaiError ? error.code : String(error)),
      })
    const bound = setTimeout(() => {
      subscription.unsubscribe()
      end(`still running after ${boundMs} ms (unsubscribed)`)
    }, boundMs)
  })
}

export async function runLongFind(options: LongFindOptions = {}): Promise<LongFindResult> {
  const seconds = options.seconds ?? 30
  const linkLatencyMs = options.linkLatencyMs ?? 100
  const answerLatencyMs = options.answerLatencyMs ?? 3000
  const stallAfterDocs = options.stallAfterDocs ?? 500
  const maxDocs = options.maxDocs ?? 200_000
  const connectOptions = options.connectOptions ?? {}
  const log = options.log ?? (() => undefined)
  const deadlineMs = connectOptions.deadlineMs ?? DEFAULT_DEADLINE_MS
  const idleLimitMs = connectOptions.findIdleMs ?? deadlineMs
  const which = options.connectOptions === undefined ? 'default' : 'the given'

  const harness = await ClusterHarness.start({ clusters: ['A'], replicate: false })
  const node = harness.node('A')
  const control = new GatewayControlClient(node.directConnectionString.replace(/\?.*$/, ''))
  const connections: Connection[] = []
  const open = (extra: ConnectOptions = {}) => {
    const c = connect(node.connectionString, { ...connectOptions, ...extra })
    connections.push(c)
    return c
  }
  try {
    // Measure the rate the slow link allows, then size the table to stream for `seconds`.
    const sample = Math.min(maxDocs, Math.max(200, stallAfterDocs * 2))
    log(`loading ${sample} documents`)
    await load(node, 0, sample)
    await node.clientProxy.setMode({ kind: 'latency', upstreamMs: linkLatencyMs, downstreamMs: linkLatencyMs })
    const probe = open({ findIdleMs: 60_000 })
    const began = performance.now()
    const sampled = await lastValueFrom(probe.store(TABLE).find().pipe(count()))
    const measuredDocsPerSec = sampled / ((performance.now() - began) / 1000)
    const tableDocs = Math.min(maxDocs, Math.max(sample, Math.ceil(measuredDocsPerSec * seconds * 1.15)))
    log(`link ${linkLatencyMs} ms each way: ${measuredDocsPerSec.toFixed(0)} docs/s; loading up to ${tableDocs} documents`)
    await load(node, sample, tableDocs)

    await control.setFault('Find', { type: 'latency', ms: answerLatencyMs })
    const boundMs = (seconds * 3 + 60) * 1000
    log(`run 1: find over ${tableDocs} documents with ${which} options`)
    const slow = await timedFind(open(), 'slow answer + slow link', boundMs)
    log(`run 2: the same with a whole-stream deadline of ${deadlineMs} ms (the former default)`)
    const former = await timedFind(open({ findDeadlineMs: deadlineMs }), `whole-stream deadline ${deadlineMs} ms (former default)`, boundMs)
    await control.clearFaults()

    log(`run 3: the link goes dark after ${stallAfterDocs} documents`)
    let darkened = false
    const stalled = await timedFind(open(), `link black-holed after ${stallAfterDocs} docs`, idleLimitMs + 60_000, (docs) => {
      if (docs === stallAfterDocs && !darkened) {
        darkened = true
        void node.clientProxy.setMode({ kind: 'blackhole' })
      }
    })

    const verdicts = [
      `${slow.outcome === 'completed' && slow.docs === tableDocs && slow.totalMs >= seconds * 1000 ? 'met' : 'MISSED'}: with ${which} options a find streaming ${(slow.totalMs / 1000).toFixed(1)} s (target >= ${seconds} s) completes with all ${tableDocs} documents (got ${slow.docs}, ${slow.outcome})`,
      `${former.outcome === 'DEADLINE_EXCEEDED' ? 'shown' : 'not shown'}: a whole-stream deadline of ${deadlineMs} ms (the former default) cut the same find after ${(former.totalMs / 1000).toFixed(1)} s with ${former.docs} documents (${former.outcome})`,
      `${stalled.outcome === 'DEADLINE_EXCEEDED' && (stalled.endedAfterLastMessageMs ?? Infinity) <= idleLimitMs + 2000 ? 'met' : 'MISSED'}: a stalled find ended ${((stalled.endedAfterLastMessageMs ?? NaN) / 1000).toFixed(2)} s after its last message (idle limit ${idleLimitMs / 1000} s, target within +2 s) with ${stalled.outcome}`,
    ]
    return { tableDocs, measuredDocsPerSec, idleLimitMs, runs: [slow, former, stalled], verdicts }
  } finally {
    for (const c of connections) void c.close({ graceMs: 0 })
    control.close()
    // Reset the black-holed link first: a gateway still writing into it would wait out its grace period.
    await node.clientProxy.setMode({ kind: 'reset' }).catch(() => undefined)
    await harness.close()
  }
}

function rows(result: LongFindResult): Row[] {
  return result.runs.map((r) => ({
    run: r.run,
    outcome: r.outcome,
    docs: r.docs,
    firstMessageMs: r.firstMessageMs,
    totalS: r.totalMs / 1000,
    maxGapMs: r.maxGapMs,
    endedAfterLastMessageMs: r.endedAfterLastMessageMs,
  }))
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, json: { type: 'string' } } })
  const seconds = Number(values.seconds)
  if (!(seconds > 0)) {
    console.error('usage: npx tsx bench/long-find.ts [--seconds 30] [--json <file>]')
    return 2
  }
  const began = performance.now()
  const result = await runLongFind({
    seconds,
    log: (line) => console.error(`[${((performance.now() - began) / 1000).toFixed(1)}s] ${line}`),
  })
  console.log(
    formatTable(
      `long find through the embedded gateway (table ${result.tableDocs} docs, ${result.measuredDocsPerSec.toFixed(0)} docs/s over the slow link, idle limit ${result.idleLimitMs} ms)`,
      rows(result),
    ),
  )
  for (const v of result.verdicts) console.log(`  ${v}`)
  console.log(`  load average (1 min): ${loadavg()[0]?.toFixed(2)} on ${cpus().length} cores`)
  if (values.json !== undefined) {
    writeFileSync(
      resolve(values.json),
      `${JSON.stringify(roundDeep({ ...result, meta: { node: process.version, loadAverage1m: loadavg()[0], at: new Date().toISOString() } }), null, 2)}\n`,
    )
  }
  return 0
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}
