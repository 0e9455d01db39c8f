/**
 * Runs scenarios against a {@link ClusterHarness}: one fresh table and one fresh FailoverStore per
 * scenario, the workload through it while the timeline plays, then convergence and the checker.
 */
import { firstValueFrom, timeout, type Subscription } from 'rxjs'
import { connect, type Connection } from '../driver/index.js'
import { FailoverStore } from '../failover/failover-store.js'
import type { FailoverStoreOptions } from '../failover/options.js'
import { OjaiError } from '../ojai/errors.js'
import { AnsweringClusters } from './answering-clusters.js'
import { caughtUpPing } from './caught-up-ping.js'
import { check, divergentKeys, type CheckResult, type ClusterState } from './checker.js'
import type { ClusterHarness, GatewayNode } from './cluster.js'
import { seededRandom } from './distribution.js'
import { History } from './history.js'
import { DEFAULT_SETTLE_MS } from '../failover/options.js'
import type { Pace, Scenario, ScenarioContext } from './scenarios.js'
import { counterKey, readClusterState, Workload, type WorkloadMix } from './workload.js'

/**
 * One row of the report (the `--json` contract keys, plus details). The counts mean what they
 * mean in the checker's {@link CheckResult}; `convergenceMs` is the time from the end of the
 * workload until every replica holds the same data (null if never); `anomalies` keeps a few of
 * each kind, for diagnosis.
 */
export interface ScenarioReport extends Pick<
  CheckResult,
  | 'ops'
  | 'lostWrites'
  | 'lostIncrements'
  | 'overtakenWrites'
  | 'duplicateApplies'
  | 'avoidableStaleOwnReads'
  | 'unavoidableStaleOwnReads'
  | 'callerErrors'
  | 'hangs'
  | 'convergenceMs'
  | 'failovers'
  | 'failbacks'
  | 'phases'
  | 'anomalies'
> {
  readonly name: string
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  /** True when every check held. */
  readonly holds: boolean
  /** What did not hold, in words. */
  readonly violations: readonly string[]
  readonly durationMs: number
}

export interface RunOptions {
  readonly pace: Pace
  /** Merged over the pace's FailoverStore options (e.g. a deliberately broken policy). */
  readonly failover?: FailoverStoreOptions
  /** Workload random seed. Default 1. */
  readonly seed?: number
  /** Progress lines. Default: none. */
  readonly log?: (line: string) => void
  /** Ends sleeps early and stops the run between steps. */
  readonly signal?: AbortSignal
  /** Operation weights for the workload. Default: the scenario's, else {@link DEFAULT_MIX}. */
  readonly mix?: Partial<WorkloadMix>
  /**
   * Failback probes also require the other gateways to have shipped everything to the cluster
   * (see caught-up-ping.ts). Default false: the FailoverStore's own probe (Ping, then a read).
   */
  readonly failbackWhenCaughtUp?: boolean
}

const HANG_MARGIN_MS = 1000
let tableCounter = 0

/** Sleeps `ms`, or less when `signal` aborts; never rejects. */
export function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted === true) return Promise.resolve()
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer)
      resolve()
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

function mergeFailover(base: FailoverStoreOptions, over: FailoverStoreOptions | undefined): FailoverStoreOptions {
  if (over === undefined) return base
  return { ...base, ...over, policy: { ...base.policy, ...over.policy } }
}

/** Brings every cluster back: dead gateways restarted, paused ones resumed, proxies passing. */
export async function healHarness(harness: ClusterHarness): Promise<void> {
  for (const node of harness.nodes) if (node.state === 'stopped') await node.start()
  await harness.healAll()
}

/** Creates the table on every gateway directly (replication may have created it on a peer already). */
export async function createTableEverywhere(nodes: readonly GatewayNode[], path: string): Promise<void> {
  for (const node of nodes) {
    const connection = connect(node.directConnectionString)
    try {
      await firstValueFrom(connection.createStore(path).pipe(timeout(10_000)))
    } catch (error) {
      if (!(error instanceof OjaiError && error.code === 'TABLE_EXISTS')) throw error
    } finally {
      connection.close()
    }
  }
}

/** Reads every cluster directly (bypassing the proxies). */
async function readAll(nodes: readonly GatewayNode[], path: string): Promise<Map<string, ClusterState>> {
  const states = new Map<string, ClusterState>()
  for (const node of nodes) {
    const connection = connect(node.directConnectionString)
    try {
      states.set(node.name, await readClusterState(connection.store(path), 10_000))
    } finally {
      connection.close()
    }
  }
  return states
}

/**
 * Polls until every cluster holds the same documents (and `ready` accepts them), or the bound.
 * Resolves the time it took (null when it never happened) and the last states read.
 */
export async function awaitConvergence(
  nodes: readonly GatewayNode[],
  path: string,
  timeoutMs: number,
  ready: (states: Map<string, ClusterState>) => boolean = () => true,
): Promise<{ convergenceMs: number | null; states: Map<string, ClusterState> }> {
  const start = Date.now()
  for (;;) {
    let states: Map<string, ClusterState> | undefined
    try {
      states = await readAll(nodes, path)
    } catch {
      // a gateway still starting or replaying: try again within the bound
    }
    if (states !== undefined && divergentKeys(states).size === 0 && ready(states)) return { convergenceMs: Date.now() - start, states }
    if (Date.now() - start >= timeoutMs) return { convergenceMs: null, states: states ?? new Map() }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export async function runScenario(harness: ClusterHarness, scenario: Scenario, options: RunOptions): Promise<ScenarioReport> {
  const started = Date.now()
  const { pace } = options
  const log = options.log ?? (() => undefined)
  const [primary, secondary] = harness.nodes
  if (primary === undefined || secondary === undefined) throw new Error('a scenario needs at least two clusters')
  const failoverOptions = mergeFailover(pace.failover, options.failover)
  const timeoutMs = failoverOptions.timeoutMs ?? 500
  const secondaryTimeoutMs = failoverOptions.secondaryTimeoutMs ?? 2000

  await healHarness(harness)
  const path = `/chaos/${scenario.name}-${process.pid}-${Date.now().toString(36)}-${++tableCounter}`
  await createTableEverywhere(harness.nodes, path)

  const history = new History()
  const ctx: ScenarioContext = {
    harness,
    primary,
    secondary,
    pace,
    timeoutMs,
    sleep: (ms) => abortableSleep(ms, options.signal),
    phase: (name) => {
      history.phase(name)
      log(`${scenario.name}: ${name}`)
    },
    down: (node) => history.clusterDown(node.name),
    up: (node) => history.clusterUp(node.name),
  }

  // Counters are seeded on the primary before any fault and replicated everywhere before the run.
  const counterKeys = 8
  const seedConnection = connect(primary.directConnectionString)
  try {
    const seeder = new Workload({ store: seedConnection.store(path), history: new History(), counterKeys })
    await seeder.seed()
  } finally {
    seedConnection.close()
  }
  const seeded = await awaitConvergence(harness.nodes, path, pace.convergenceTimeoutMs, (states) =>
    [...states.values()].every((s) => Array.from({ length: counterKeys }, (_, k) => s.has(counterKey(k))).every(Boolean)),
  )
  if (seeded.convergenceMs === null)
    throw new Error(`${scenario.name}: seeded counters did not replicate within ${pace.convergenceTimeoutMs} ms`)

  const connections: Connection[] = []
  let store: FailoverStore | undefined
  let switches: Subscription | undefined
  let workload: Workload | undefined
  let answers: AnsweringClusters | undefined
  let result: CheckResult
  let convergenceMs: number | null
  try {
    await scenario.before?.(ctx)
    const clusters = harness.nodes.map((node) => {
      const connection = connect(node.connectionString)
      connections.push(connection)
      const s = connection.store(path)
      const ping = () => s.ping()
      return { name: node.name, store: s, ping: options.failbackWhenCaughtUp === true ? caughtUpPing(harness, node, ping) : ping }
    })
    store = new FailoverStore(clusters, failoverOptions)
    answers = new AnsweringClusters()
    const failoverStore = store
    let current = failoverStore.cluster.name
    switches = failoverStore.cluster$.subscribe((status) => {
      if (status.name !== current) history.switched(current, status.name)
      current = status.name
    })
    switches.add(failoverStore.events$.subscribe((e) => e.type === 'stall' && history.stalled(e.stalledMs)))
    const { mix: scenarioMix, ...shape } = scenario.workload ?? {}
    const mix = options.mix ?? scenarioMix
    workload = new Workload({
      store: failoverStore,
      history,
      concurrency: pace.concurrency,
      counterKeys,
      random: seededRandom(options.seed ?? 1),
      ...shape,
      ...(mix === undefined ? {} : { mix }),
      activeCluster: () => failoverStore.cluster.name,
      answers,
    })
    const running = workload.start()
    await scenario.run(ctx)
    const aborted = (): boolean => options.signal?.aborted === true
    if (workload.operations < pace.minOps && !aborted()) {
      ctx.phase('extra')
      const until = Date.now() + pace.maxExtraMs
      while (workload.operations < pace.minOps && Date.now() < until && !aborted()) await abortableSleep(50, options.signal)
    }
    const abandoned = await workload.stop(timeoutMs + secondaryTimeoutMs + HANG_MARGIN_MS)
    await running
    if (abandoned > 0) log(`${scenario.name}: ${abandoned} operations never ended`)
    switches.unsubscribe()
    await store.close({ graceMs: 0 })
    await Promise.all(connections.splice(0).map((c) => c.close({ graceMs: 0 })))

    await healHarness(harness)
    const converged = await awaitConvergence(harness.nodes, path, pace.convergenceTimeoutMs)
    convergenceMs = converged.convergenceMs
    result = check(history.snapshot(), converged.states, {
      primary: primary.name,
      timeoutMs,
      secondaryTimeoutMs,
      hangMarginMs: HANG_MARGIN_MS,
      settleMs: failoverOptions.settleMs ?? DEFAULT_SETTLE_MS,
      convergenceMs,
    })
  } finally {
    switches?.unsubscribe()
    answers?.close()
    if (workload !== undefined) await workload.stop(0)
    await store?.close({ graceMs: 0 })
    await Promise.all(connections.map((c) => c.close({ graceMs: 0 })))
  }

  const violations: string[] = []
  if (result.lostWrites > 0) violations.push(`${result.lostWrites} lost writes`)
  if (result.overtakenWrites > 0) violations.push(`${result.overtakenWrites} writes overtaken by an earlier write`)
  if (result.duplicateApplies > 0) violations.push(`${result.duplicateApplies} duplicate applies`)
  if (result.callerErrors > 0) violations.push(`${result.callerErrors} caller errors`)
  if (result.hangs > 0) violations.push(`${result.hangs} hangs`)
  if (result.unexplained > 0) violations.push(`${result.unexplained} unexplained values`)
  if (!result.converged) violations.push('replicas did not converge')
  violations.push(...(scenario.expect?.(result) ?? []))
  return {
    name: scenario.name,
    ops: result.ops,
    lostWrites: result.lostWrites,
    lostIncrements: result.lostIncrements,
    overtakenWrites: result.overtakenWrites,
    duplicateApplies: result.duplicateApplies,
    avoidableStaleOwnReads: result.avoidableStaleOwnReads,
    unavoidableStaleOwnReads: result.unavoidableStaleOwnReads,
    callerErrors: result.callerErrors,
    hangs: result.hangs,
    convergenceMs,
    failovers: result.failovers,
    failbacks: result.failbacks,
    p50Ms: round(result.latency.p50Ms),
    p99Ms: round(result.latency.p99Ms),
    maxMs: round(result.latency.maxMs),
    holds: violations.length === 0,
    violations,
    durationMs: Date.now() - started,
    phases: result.phases.map((p) => ({ ...p, p50Ms: round(p.p50Ms), p99Ms: round(p.p99Ms), maxMs: round(p.maxMs) })),
    anomalies: firstOfEachKind(result.anomalies, 5),
  }
}

function firstOfEachKind(anomalies: CheckResult['anomalies'], perKind: number): CheckResult['anomalies'] {
  const seen = new Map<string, number>()
  return anomalies.filter((a) => {
    const n = seen.get(a.kind) ?? 0
    seen.set(a.kind, n + 1)
    return n < perKind
  })
}

function round(ms: number): number {
  return Number.isFinite(ms) ? Math.round(ms * 10) / 10 : 0
}
