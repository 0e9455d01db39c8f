/**
 * One demo run: two gateway processes behind fault proxies (lib/chaos's harness), a paced mixed
 * workload through a FailoverStore (lib/chaos's workload and history), the timeline of
 * timeline.ts, then a convergence check and the history checker (lib/chaos's checker).
 */
import { check, divergentKeys } from '../../lib/chaos/checker.js'
import { ClusterHarness, type GatewayLaunch, type GatewayNode } from '../../lib/chaos/cluster.js'
import { History } from '../../lib/chaos/history.js'
import { abortableSleep, awaitConvergence, createTableEverywhere, healHarness } from '../../lib/chaos/runner.js'
import { counterKey, Workload } from '../../lib/chaos/workload.js'
import { connect, DEFAULT_SETTLE_MS, FailoverStore, type Connection, type FailoverStoreOptions } from '../../lib/index.js'
import { Recorder } from './recorder.js'
import { bucketWidth, latencyBuckets, summarizePhases, type PhaseWindow } from './summary.js'
import { PHASES, phaseDurations, type TimelineContext } from './timeline.js'
import { describeFailover, recordTrace, traceFailovers, type FailoverTracing } from './trace.js'
import type { CheckOutcome, DemoEvent, DemoResult, PhaseSummary, SecondSample } from './types.js'
import { waterfallProblems, waterfallSvg } from './waterfall.js'

export interface DemoOptions {
  /** Length of the scripted timeline, ms (start-up and the final checks come on top). */
  readonly durationMs: number
  readonly onEvent?: (event: DemoEvent) => void
  readonly onSecond?: (sample: SecondSample) => void
  /** Progress lines outside the timeline (start-up, convergence). */
  readonly log?: (line: string) => void
  /** How to start a gateway. Default: the harness's (the CLI from source). */
  readonly launch?: GatewayLaunch
  /** Ends the timeline early (Ctrl-C); cleanup and checks still run. */
  readonly signal?: AbortSignal
  /**
   * Makes some of the primary's answers slow (`on`) or clears that. Default: gateway fault
   * controls when available (see main.ts).
   */
  readonly slowPrimary?: (node: GatewayNode, on: boolean) => Promise<void>
}

export const CLUSTERS = ['east', 'west'] as const
const CONCURRENCY = 8
/** Weights: insertOrReplace, insert (fresh key), counter update ($increment + $append), findById. */
const MIX = { writeIdempotent: 3, writeConditional: 1, increment: 1, read: 5 }
const THINK_MS = 0
const HANG_MARGIN_MS = 1000

/** The FailoverStore settings of the demo: library defaults, holds, probes and the failback ramp shortened to fit the run. */
export function demoFailoverOptions(durationMs: number): FailoverStoreOptions & { timeoutMs: number; secondaryTimeoutMs: number } {
  const hold = Math.min(5000, Math.max(500, Math.round(durationMs * 0.05)))
  return {
    timeoutMs: 500,
    secondaryTimeoutMs: 2000,
    hold: { holdsMs: [hold, 2 * hold] },
    probe: { backoff: { initialMs: 250, maxMs: 1000 } },
    failback: { rampMs: hold, shares: [0.05, 0.25, 1] },
    hedge: {},
    // Reads of a document this store wrote inside the session window are not hedged (the other
    // cluster may not have the write yet). The demo's clients share 16 registers, each rewritten
    // every 100 ms or so, so with the default 1 s window no read would be hedged in the slow phase;
    // its gateways replicate on loopback within milliseconds, so 100 ms still outlasts the lag.
    session: { windowMs: 100 },
    // Every class keeps the library's default policy: counters ($increment + $append) move to the
    // secondary only when the primary provably never got them (refused), so none is applied twice.
  }
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const log = options.log ?? (() => undefined)
  const startedAt = new Date().toISOString()
  log(`starting two gateways (${CLUSTERS.join(', ')}) with durable storage, replicating both ways, each behind a fault proxy...`)
  const harness = await ClusterHarness.start({ clusters: [...CLUSTERS], ...(options.launch ? { launch: options.launch } : {}) })
  const tracing = traceFailovers()
  try {
    return await runOn(harness, tracing, options, startedAt, log)
  } finally {
    await tracing.close()
    await harness.close()
  }
}

async function runOn(
  harness: ClusterHarness,
  tracing: FailoverTracing,
  options: DemoOptions,
  startedAt: string,
  log: (line: string) => void,
): Promise<DemoResult> {
  const [primary, secondary] = harness.nodes as [GatewayNode, GatewayNode]
  for (const node of harness.nodes) log(`  ${node.name}: gateway pid ${node.pid}, clients connect to ${node.connectionString}`)
  const path = `/demo/users-${Date.now().toString(36)}`
  await createTableEverywhere(harness.nodes, path)

  const counterKeys = 8
  const seed = connect(primary.directConnectionString)
  try {
    await new Workload({ store: seed.store(path), history: new History(), counterKeys }).seed()
  } finally {
    seed.close()
  }
  const seeded = await awaitConvergence(harness.nodes, path, 15_000, (states) =>
    [...states.values()].every((s) => Array.from({ length: counterKeys }, (_, k) => s.has(counterKey(k))).every(Boolean)),
  )
  if (seeded.convergenceMs === null) throw new Error('the seed documents did not replicate within 15 s')

  const failoverOptions = demoFailoverOptions(options.durationMs)
  const connections: Connection[] = []
  const store = new FailoverStore(
    harness.nodes.map((node) => {
      const connection = connect(node.connectionString)
      connections.push(connection)
      const s = connection.store(path)
      return { name: node.name, store: s, ping: () => s.ping() }
    }),
    failoverOptions,
  )
  const history = new History()
  // The epoch time of the history's ms 0, to place the traced operation on the run's clock.
  const zeroEpochMs = performance.timeOrigin + performance.now() - history.time()
  const recorder = new Recorder({
    clock: () => history.time(),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.onSecond ? { onSecond: options.onSecond } : {}),
  })
  recorder.attach(store)
  store.events$.subscribe((e) => e.type === 'stall' && history.stalled(e.stalledMs))
  const slowPrimary = options.slowPrimary ?? (() => Promise.resolve())
  const ctx: TimelineContext = {
    primary,
    fault: (text) => recorder.note('fault', text),
    down: () => history.clusterDown(primary.name),
    up: () => history.clusterUp(primary.name),
    slowPrimary: (on) => slowPrimary(primary, on),
  }

  const workload = new Workload({
    store,
    history,
    concurrency: CONCURRENCY,
    thinkMs: THINK_MS,
    mix: MIX,
    counterKeys,
    activeCluster: () => store.cluster.name,
  })
  const durations = phaseDurations(options.durationMs)
  const windows: PhaseWindow[] = []
  const running = workload.start()
  const ticker = setInterval(() => recorder.tick(history.snapshot().operations), 1000)
  try {
    for (const [i, phase] of PHASES.entries()) {
      if (options.signal?.aborted === true) break
      const fromMs = history.time()
      history.phase(phase.name)
      recorder.startPhase(phase.name, phase.title, i + 1, PHASES.length)
      await phase.enter?.(ctx)
      await abortableSleep((durations[i] ?? 0) - (history.time() - fromMs), options.signal)
      await phase.leave?.(ctx)
      windows.push({ name: phase.name, title: phase.title, fromMs, toMs: history.time() })
    }
  } finally {
    clearInterval(ticker)
    // Whatever happened, leave every cluster running and healed before judging.
    await slowPrimary(primary, false).catch(() => undefined)
    await healHarness(harness)
  }
  const abandoned = await workload.stop(failoverOptions.timeoutMs + failoverOptions.secondaryTimeoutMs + HANG_MARGIN_MS)
  await running
  recorder.tick(history.snapshot().operations)
  const endMs = history.time()
  recorder.finish()
  await store.close()
  await Promise.all(connections.map((c) => c.close()))
  if (abandoned > 0) log(`${abandoned} operations never ended`)
  const traced = await tracing.pick()
  const trace = traced === undefined ? null : recordTrace(traced, zeroEpochMs)

  log('workload stopped; waiting for both replicas to hold the same documents...')
  const converged = await awaitConvergence(harness.nodes, path, 20_000)
  const snapshot = history.snapshot()
  const verdict = check(snapshot, converged.states, {
    primary: primary.name,
    timeoutMs: failoverOptions.timeoutMs,
    secondaryTimeoutMs: failoverOptions.secondaryTimeoutMs,
    hangMarginMs: HANG_MARGIN_MS,
    settleMs: failoverOptions.settleMs ?? DEFAULT_SETTLE_MS,
    convergenceMs: converged.convergenceMs,
  })
  const phases = summarizePhases(windows, snapshot.operations, recorder.spans, recorder.hedgeTimes, [...CLUSTERS])
  const documents = converged.states.get(primary.name)?.size ?? 0
  const lostIn = new Map<string, number>()
  const invokedAt = new Map(snapshot.operations.map((o) => [o.id, o.invokeMs]))
  for (const a of verdict.anomalies) {
    if (a.kind !== 'lost-write' && a.kind !== 'overtaken-write') continue
    const at = invokedAt.get(a.opId) ?? 0
    const name = windows.find((w) => at >= w.fromMs && at < w.toMs)?.name ?? 'after'
    lostIn.set(name, (lostIn.get(name) ?? 0) + 1)
  }
  const checks = judge(phases, {
    lostInPhases: [...lostIn].map(([name, n]) => `${name} ${n}`).join(', '),
    lostWrites: verdict.lostWrites + verdict.overtakenWrites,
    duplicateApplies: verdict.duplicateApplies,
    unexplained: verdict.unexplained,
    hangs: verdict.hangs,
    callerErrors: verdict.callerErrors,
    convergenceMs: converged.convergenceMs,
    divergent: divergentKeys(converged.states).size,
    documents,
    aborted: options.signal?.aborted === true,
    traced:
      traced === undefined || trace === null
        ? null
        : { description: describeFailover(traced), problems: waterfallProblems(waterfallSvg(trace, CLUSTERS), traced) },
  })
  const errorsByKind: Record<string, number> = {}
  for (const o of snapshot.operations) {
    if (o.outcome === undefined || o.outcome === 'ok') continue
    // The history keeps `CODE: message`; group by the code.
    const kind = `${o.type} ${(o.error ?? '').split(':')[0] ?? ''}`.trim()
    errorsByKind[kind] = (errorsByKind[kind] ?? 0) + 1
  }
  const bucketMs = bucketWidth(endMs)
  const sum = (f: (p: PhaseSummary) => number) => phases.reduce((n, p) => n + f(p), 0)
  return {
    startedAt,
    durationMs: Math.round(endMs),
    clusters: [...CLUSTERS],
    settings: {
      workload: `${CONCURRENCY} closed-loop clients, ${THINK_MS} ms think time; 30% insertOrReplace, 10% insert, 10% update ($increment + $append), 50% findById`,
      timeoutMs: failoverOptions.timeoutMs,
      secondaryTimeoutMs: failoverOptions.secondaryTimeoutMs,
      'hold.holdsMs': (failoverOptions.hold?.holdsMs ?? []).join(', '),
      failback:
        failoverOptions.failback === false || failoverOptions.failback === undefined
          ? 'all at once'
          : `ramp 5 %, 25 %, 100 % over ${failoverOptions.failback.rampMs} ms`,
      'probe.backoff': '250 ms initial, x2, 1000 ms max, 20% jitter',
      hedge: 'on: after the active cluster p95 findById latency, at most 5% of reads (burst 10)',
      policy: 'defaults: idempotent failover; conditional and non-idempotent failover-if-unsent',
      storage: 'LMDB (durable), asynchronous replication both ways',
      table: path,
      secondary: secondary.name,
    },
    phases,
    seconds: recorder.seconds,
    events: recorder.events,
    clusterTimeline: recorder.spans.map((s) => ({ ...s, fromMs: Math.round(s.fromMs), toMs: Math.round(s.toMs) })),
    latency: latencyBuckets(snapshot.operations, bucketMs),
    bucketMs,
    totals: {
      ops: sum((p) => p.ops),
      errors: sum((p) => p.errors),
      failovers: sum((p) => p.failovers),
      failbacks: sum((p) => p.failbacks),
      hedges: sum((p) => p.hedges),
      lostWrites: verdict.lostWrites,
      duplicateApplies: verdict.duplicateApplies,
      hangs: verdict.hangs,
      documents,
      convergenceMs: converged.convergenceMs,
    },
    errorsByKind,
    checks,
    trace,
    anomalies: verdict.anomalies.slice(0, 20),
    ok: checks.every((c) => c.ok),
  }
}

interface Verdict {
  readonly lostWrites: number
  /** Where the lost writes (the first ones the checker lists) were issued, e.g. `killed 12, restarted 38`. */
  readonly lostInPhases?: string
  readonly duplicateApplies: number
  readonly unexplained: number
  readonly hangs: number
  readonly callerErrors: number
  readonly convergenceMs: number | null
  readonly divergent: number
  readonly documents: number
  readonly aborted: boolean
  /**
   * The operation trace that showed a failover, as OpenTelemetry recorded it: what it shows, and
   * what is wrong with the report's waterfall of it (nothing, normally). Null when none was traced.
   */
  readonly traced: { readonly description: string; readonly problems: readonly string[] } | null
}

/** The run's checks: data safety first, then that each phase showed what it is there to show. */
export function judge(phases: readonly PhaseSummary[], v: Verdict): CheckOutcome[] {
  const phase = (name: string) => phases.find((p) => p.name === name)
  const after = (from: string, until: string | undefined, pick: (p: PhaseSummary) => number): number => {
    const start = phases.findIndex((p) => p.name === from)
    const end = until === undefined ? phases.length : phases.findIndex((p) => p.name === until)
    if (start < 0) return 0
    return phases.slice(start, end < 0 ? phases.length : end).reduce((n, p) => n + pick(p), 0)
  }
  const checks: CheckOutcome[] = [
    {
      name: 'no acknowledged write lost',
      ok: v.lostWrites === 0 && v.unexplained === 0,
      detail: `${v.lostWrites} lost or overtaken${v.lostInPhases ? ` (first ones issued in: ${v.lostInPhases})` : ''}, ${v.unexplained} unexplained values`,
    },
    { name: 'no increment applied twice', ok: v.duplicateApplies === 0, detail: `${v.duplicateApplies} duplicate applies` },
    {
      name: 'no operation hung',
      ok: v.hangs === 0,
      detail: `${v.hangs} operations ran past timeoutMs + secondaryTimeoutMs + 1 s, + settleMs for writes (not counting stalls of the client)`,
    },
    {
      name: 'reads and idempotent writes never failed while a cluster could serve',
      ok: v.callerErrors === 0,
      detail: `${v.callerErrors} such errors (not counted: an UNSETTLED_WRITE, applied with an earlier attempt still pending, and a PENDING_WRITE, not sent while an earlier write of its document may still land)`,
    },
    {
      name: 'replicas converged',
      ok: v.convergenceMs !== null && v.divergent === 0,
      detail:
        v.convergenceMs === null
          ? `${v.divergent} documents still differ after 20 s`
          : `both gateways hold the same ${v.documents} documents (${v.convergenceMs} ms after the workload stopped)`,
    },
  ]
  if (v.aborted) {
    checks.push({ name: 'timeline completed', ok: false, detail: 'interrupted' })
    return checks
  }
  const blackhole = phase('blackhole')
  const killed = phase('killed')
  const slow = phase('slow')
  checks.push(
    {
      name: 'failover when the primary was black-holed',
      ok: (blackhole?.failovers ?? 0) >= 1,
      detail: `${blackhole?.failovers ?? 0} failovers in the blackhole phase`,
    },
    {
      name: 'failback once the network healed',
      ok: after('healed', 'killed', (p) => p.failbacks) >= 1,
      detail: `${after('healed', 'killed', (p) => p.failbacks)} failbacks before the kill`,
    },
    {
      name: 'failover when the primary was killed',
      ok: (killed?.failovers ?? 0) >= 1,
      detail: `${killed?.failovers ?? 0} failovers in the killed phase`,
    },
    {
      name: 'one failover traced by OpenTelemetry, its waterfall drawn from the recorded spans',
      ok: v.traced !== null && v.traced.problems.length === 0,
      detail:
        v.traced === null
          ? 'no traced operation failed over'
          : v.traced.problems.length > 0
            ? v.traced.problems.slice(0, 3).join('; ')
            : v.traced.description,
    },
    {
      name: 'failback once the primary restarted',
      ok: after('restarted', undefined, (p) => p.failbacks) >= 1,
      detail: `${after('restarted', undefined, (p) => p.failbacks)} failbacks after the restart`,
    },
    {
      name: 'reads hedged while the primary was slow',
      ok: (slow?.hedges ?? 0) >= 1,
      detail: `${slow?.hedges ?? 0} hedged reads in the slow phase`,
    },
    {
      name: 'the workload ran in every phase',
      ok: phases.every((p) => p.ops > 0),
      detail: phases.map((p) => `${p.name} ${p.ops}`).join(', '),
    },
  )
  return checks
}
