/**
 * Section 2, failover latency per fault: black hole, refuse, reset (network faults on A's proxy)
 * and SIGSTOP, SIGKILL (A's gateway process), each with `timeoutMs` 50, 100 and 250. Open-loop
 * findById through a FailoverStore over both clusters' proxies; every run starts from fresh
 * connections (both warmed with one ping, as in a running application) and a healed harness.
 *
 * Also the picture of this section: per-operation latency across a black hole and its heal,
 * through failover and failback (hold shortened to 2 s so failback happens within the run).
 */
import { performance } from 'node:perf_hooks'
import { firstValueFrom } from 'rxjs'
import type { Connection } from '../../lib/driver/index.js'
import { FailoverStore, type FailoverStoreOptions } from '../../lib/failover/index.js'
import type { BenchContext, Picture, SectionOutput } from '../context.js'
import type { GatewayEnv } from '../env.js'
import { analyse, combine, FAULTS, faultRun, type FaultFigures, type FaultKind, type FaultRun } from '../fault-run.js'
import { timelineSvg } from '../svg.js'
import { AnswerTags, tagged } from '../tagged-store.js'

export const KEYS = 200

export interface FailoverRow extends FaultFigures {
  readonly fault: FaultKind
  readonly timeoutMs: number
  /** Suspicion of a silent cluster (silence.ts): on (the default) or off (`silence: false`), so only `timeoutMs` moves reads. */
  readonly suspicion: 'on' | 'off'
  readonly repetitions: number
  /** Worst first success across repetitions. */
  readonly firstSuccessMaxMs: number | null
  /** Operations that moved on to B (FailoverStore stats().reroutes), summed over repetitions. */
  readonly opsMovedOn: number
}

export interface FailoverJson {
  readonly ratePerSec: number
  readonly healthyMs: number
  readonly afterFaultMs: number
  readonly rows: readonly FailoverRow[]
  readonly timeline: {
    readonly failoverAtMs: number
    readonly healAtMs: number
    readonly failbackAtMs: number | null
    readonly svg: string
  }
}

export async function seedKeys(env: GatewayEnv): Promise<string> {
  return env.table(Array.from({ length: KEYS }, (_, i) => ({ _id: `k${i}`, v: i, name: `user ${i}` })))
}

/**
 * Warms a connection and the gateway behind it: findById calls until 100 answered (the gateway's
 * read path is JIT-compiled lazily; a secondary that served nothing yet would answer its first
 * burst several times slower than a warm one, which a running secondary never does).
 */
export async function warmUp(conn: Connection, path: string, calls = 100): Promise<void> {
  const store = conn.store(path)
  for (let i = 0; i < calls; i += 10) {
    await Promise.all(Array.from({ length: 10 }, (_, j) => firstValueFrom(store.findById(`k${(i + j) % KEYS}`, { timeoutMs: 5000 }))))
  }
}

/** A FailoverStore over fresh proxied connections with answer tagging; `dispose` closes all of it. */
export async function oursOverProxies(env: GatewayEnv, path: string, options: FailoverStoreOptions, warm = true) {
  const tags = new AnswerTags()
  const connA = env.proxied(env.a)
  const connB = env.proxied(env.b)
  if (warm) await Promise.all([warmUp(connA, path), warmUp(connB, path)])
  const store = new FailoverStore(
    [
      { name: 'A', store: tagged(connA.store(path), 'A', tags), ping: () => connA.ping() },
      { name: 'B', store: tagged(connB.store(path), 'B', tags), ping: () => connB.ping() },
    ],
    options,
  )
  return {
    store,
    tags,
    dispose: () => {
      void store.close({ graceMs: 0 })
      env.release(connA, connB)
    },
  }
}

export async function runFailover(ctx: BenchContext, env: GatewayEnv, path: string): Promise<SectionOutput<FailoverJson>> {
  const rate = ctx.quick ? 400 : 500
  const healthyMs = ctx.quick ? 800 : 1500
  const afterMs = ctx.quick ? 1000 : 2000
  // [fault, timeoutMs, repetitions, suspicion]: quick mode repeats only the cells the targets are
  // about. The black hole at 100 runs with suspicion off too: its first success is then timeoutMs
  // plus B's answer, the figure the target is about; with suspicion on, the silence threshold's.
  type Cell = [FaultKind, number, number, 'on' | 'off']
  const plan: Cell[] = ctx.quick
    ? [
        ...FAULTS.map((f): Cell => [f, 100, f === 'blackhole' ? 3 : 1, 'on']),
        ['blackhole', 100, 3, 'off'],
        ['blackhole', 50, 1, 'on'],
        ['blackhole', 250, 1, 'on'],
      ]
    : [
        ...FAULTS.flatMap((f) => [50, 100, 250].map((t): Cell => [f, t, f === 'blackhole' && t === 100 ? 5 : 3, 'on'])),
        ['blackhole', 100, 5, 'off'],
      ]
  const rows: FailoverRow[] = []
  for (const [fault, timeoutMs, reps, suspicion] of plan) {
    const figures: FaultFigures[] = []
    let movedOn = 0
    for (let r = 0; r < reps; r++) {
      await env.heal()
      const ours = await oursOverProxies(env, path, { timeoutMs, ...(suspicion === 'off' ? { silence: false } : {}) })
      try {
        const run = await faultRun({
          env,
          op: (i) => ours.store.findById(`k${i % KEYS}`),
          tagOf: ours.tags.of,
          fault,
          rate,
          healthyMs,
          afterMs,
          drainMs: 3000,
        })
        figures.push(analyse(run))
        movedOn += ours.store.stats().reroutes
      } finally {
        ours.dispose()
      }
    }
    rows.push({ fault, timeoutMs, suspicion, ...combine(figures), opsMovedOn: movedOn })
    ctx.log(`failover: ${fault} at timeoutMs ${timeoutMs}, suspicion ${suspicion} done`)
  }
  await env.heal()

  // The picture: black hole, heal, failback.
  const hold = 2000
  const ours = await oursOverProxies(env, path, {
    timeoutMs: 100,
    hold: { holdsMs: [hold] },
    probe: { backoff: { initialMs: 250, maxMs: 1000 } },
  })
  let run: FaultRun
  let failbackAbs: number | null = null
  const sub = ours.store.events$.subscribe((e) => {
    if (e.type === 'failback' && failbackAbs === null) failbackAbs = performance.now()
  })
  try {
    run = await faultRun({
      env,
      op: (i) => ours.store.findById(`k${i % KEYS}`),
      tagOf: ours.tags.of,
      fault: 'blackhole',
      rate: 300,
      healthyMs: 1000,
      afterMs: 5000,
      healAfterMs: 2000,
      drainMs: 3000,
    })
  } finally {
    sub.unsubscribe()
    ours.dispose()
  }
  const failbackAt: number | null = failbackAbs === null ? null : (failbackAbs as number) - run.t0
  const marks = [
    { t: run.faultAt, label: 'black hole on A' },
    { t: run.healAt, label: 'heal' },
    ...(failbackAt !== null ? [{ t: failbackAt as number, label: 'failback' }] : []),
  ]
  const svg = timelineSvg(
    'findById latency across a black hole on A (timeoutMs 100, hold 2 s): colour = serving cluster',
    run.records.map((r) => ({
      t: r.start,
      latencyMs: Number.isNaN(r.end) ? run.endedAt - r.start : r.end - r.start,
      series: r.ok ? (r.servedBy ?? '?') : undefined,
    })),
    marks,
  )
  const pictures: Picture[] = [{ file: 'failover-timeline.svg', svg }]

  const bh = rows.find((r) => r.fault === 'blackhole' && r.timeoutMs === 100 && r.suspicion === 'on')
  const bhOff = rows.find((r) => r.fault === 'blackhole' && r.timeoutMs === 100 && r.suspicion === 'off')
  const notes = [
    `open-loop findById at ${rate}/s plus 8 started in the same tick as the fault; fault after ${healthyMs} ms healthy; ${afterMs} ms after it; both connections (and gateways) warmed by 100 findById each.`,
    'firstSuccessMs = fault -> first answer from B (median over repetitions; firstSuccessMaxMs the worst). inFlight* = operations not ended when the fault hit (summed count, median p99, worst max);',
    'inFlightDoneAfterFaultMs = when the last of them ended, after the fault (worst repetition). p99AfterSwitch = operations started after the first answer from B, vs healthy p99 before the fault.',
  ]
  if (bh !== undefined) {
    const okFirst = bh.firstSuccessMs !== null && bh.firstSuccessMs <= 110 && (bh.firstSuccessMaxMs ?? Infinity) <= 110
    const okRatio = bh.ratioAfterSwitchToHealthy !== null && bh.ratioAfterSwitchToHealthy <= 1.5
    notes.push(
      `target black hole @100: first success <= 110 ms: median ${bh.firstSuccessMs?.toFixed(1) ?? 'none'} ms, worst ${bh.firstSuccessMaxMs?.toFixed(1) ?? 'none'} ms of ${bh.repetitions} ${okFirst ? 'met' : 'MISSED'}; ` +
        `p99 after switch <= 1.5x healthy: ${bh.ratioAfterSwitchToHealthy?.toFixed(2) ?? '-'}x ${okRatio ? 'met' : 'MISSED'}; caller errors 0: ${bh.callerErrors + bh.unfinished} ${bh.callerErrors + bh.unfinished === 0 ? 'met' : 'MISSED'}`,
    )
  }
  for (const row of [bh, bhOff]) {
    if (row === undefined) continue
    const first = row.firstSuccessMs ?? Infinity
    notes.push(
      `black hole @100, suspicion ${row.suspicion}: first success median ${row.firstSuccessMs?.toFixed(1) ?? 'none'} ms, worst ${row.firstSuccessMaxMs?.toFixed(1) ?? 'none'} ms; ` +
        `target timeoutMs + 5 = 105 ms (median): ${first <= 105 ? 'met' : 'MISSED'}`,
    )
  }
  for (const f of ['refuse', 'reset', 'SIGKILL'] as const) {
    for (const r of rows.filter((x) => x.fault === f)) {
      notes.push(
        `target ${f} @${r.timeoutMs}: in-flight done <= 10 ms after the fault: ${r.inFlightDoneAfterFaultMs.toFixed(1)} ms ${r.inFlightDoneAfterFaultMs <= 10 ? 'met' : 'MISSED'}`,
      )
    }
  }
  return {
    title: '2. failover latency per fault (FailoverStore, open-loop findById)',
    rows: rows.map((r) => ({ ...r })),
    json: {
      ratePerSec: rate,
      healthyMs,
      afterFaultMs: afterMs,
      rows,
      timeline: { failoverAtMs: run.faultAt, healAtMs: run.healAt, failbackAtMs: failbackAt, svg: 'failover-timeline.svg' },
    },
    pictures,
    notes,
  }
}
