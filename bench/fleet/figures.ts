/**
 * The figures of one scenario run, computed from its raw counts (simulate.ts). Pure functions of
 * the run: the spec checks them on small runs and on hand-made inputs.
 *
 * | figure | definition |
 * |---|---|
 * | steady load | mean requests per second sent to both clusters over the pre-fault steady window (all of it goes to the primary) |
 * | `primaryPeakOverSteady` | the primary's busiest second from 5 s after the first fault to the end, over the steady load: what a recovering primary receives, or what a down one still receives (probes) |
 * | `secondaryPeakOverSteady` | the secondary's busiest second over the whole run, over the steady load |
 * | `probesPerClientPerMin` | probes of the primary per client per minute while it is down (black-holed or refusing); from 2 min into an outage on, once the backoff has grown, when the outage lasts 3 min or more |
 * | `failbackSpreadMs` | after the primary's last recovery: last client's failback minus the first one's |
 * | `hedgeExtraRatio` | hedged requests over the reads that could hedge, fleet-wide |
 * | `goodput` | share of the operations issued during the incident that succeeded within the caller's budget (1 s) |
 * | `errorRatio` | share of the operations issued during the incident that ended in an error |
 *
 * A figure that does not apply (no recovery to spread over, no outage to probe) is `null`.
 */
import { DEFAULT_HOLDS_MS } from '../../lib/failover/index.js'
import { percentile } from '../../lib/chaos/percentiles.js'
import { downPeriods, incidentMs, PRIMARY, recoveries, SECONDARY, type Scenario } from './scenarios.js'
import type { ClientRecord, RunResult } from './simulate.js'

/** One entry of the JSON's `scenarios` (the shape outside checks read). */
export interface ScenarioFigures {
  readonly name: string
  readonly primaryPeakOverSteady: number
  readonly secondaryPeakOverSteady: number
  readonly probesPerClientPerMin: number | null
  readonly failbackSpreadMs: number | null
  readonly hedgeExtraRatio: number
  readonly goodput: number
  readonly errorRatio: number
}

/** Everything else an operator would ask about the same run. */
export interface ScenarioDetail {
  readonly name: string
  readonly description: string
  readonly clients: number
  readonly ratePerClient: number
  /** Requests per second the fleet sent before the fault. */
  readonly steadyPerSec: number
  /** The busiest steady second over the steady mean: what a ratio of 1 looks like here. */
  readonly steadyPeakOverMean: number
  readonly primaryPeakAtS: number
  readonly secondaryPeakAtS: number
  readonly failoversPerClient: number
  /** Suspicions of a silent cluster per client over the run (silence.ts). */
  readonly silencesPerClient: number
  readonly failbacksPerClient: number
  /** Share of clients that failed back after the primary's last recovery. */
  readonly failedBackShare: number | null
  /** Time from the primary's last recovery to a client's failback: median and 99th percentile over clients. */
  readonly failbackP50AfterHealMs: number | null
  readonly failbackP99AfterHealMs: number | null
  /** The first hold plus 60 s: the bound for the 99th percentile above. */
  readonly failbackBoundMs: number
  /** Time for the primary to go from 10 % to 90 % of the steady load after its last recovery. */
  readonly primaryRiseMs: number | null
  /** Probes window used for probesPerClientPerMin, minutes. */
  readonly probeWindowMin: number
  /** The most probes one client sent per minute in that window. */
  readonly probesMaxPerClientPerMin: number | null
  /** Probe events counted by the clients and pings counted by the primary (every probe starts with one). */
  readonly probesSeenByClients: number
  readonly pingsSeenByPrimary: number
  readonly hedges: number
  readonly hedgesDeniedByBudget: number
  readonly hedgeWins: number
  /** The most extra share the hedge budget allows over this run: ratio plus each client's burst. */
  readonly hedgeBudgetRatio: number | null
  /** Hedges over reads issued during the incident alone (the bursts are spent there). */
  readonly incidentHedgeRatio: number
  /** The secondary's busiest second of probe requests, over the steady load (it is probed once it is left behind). */
  readonly secondaryProbePeakOverSteady: number
  readonly operations: number
  readonly incidentOperations: number
  readonly errors: number
  readonly errorsByCode: Readonly<Record<string, number>>
  readonly unfinished: number
  readonly reroutes: number
  readonly incidentLatencyP50Ms: number
  readonly incidentLatencyP99Ms: number
  readonly incidentLatencyMaxMs: number
  readonly secondaryMaxQueue: number
  readonly cancelledInQueue: number
  readonly wallMs: number
  /** Timer actions the virtual clock ran. */
  readonly actions: number
  /** Peak V8 heap of the thread that ran the scenario (sampled every 10 s of virtual time). */
  readonly heapPeakMB: number
}

/** Load per bucket over the steady load, for the chart. */
export interface LoadChart {
  readonly name: string
  readonly description: string
  readonly bucketMs: number
  readonly primary: readonly number[]
  readonly secondary: readonly number[]
  readonly primaryProbes: readonly number[]
  readonly secondaryProbes: readonly number[]
  readonly marks: readonly { readonly t: number; readonly label: string }[]
}

export interface ScenarioOutcome {
  readonly figures: ScenarioFigures
  readonly detail: ScenarioDetail
  readonly chart: LoadChart
}

/** An outage at least this long is measured from {@link GROWN_AFTER_MS} on. */
const LONG_OUTAGE_MS = 180_000
/** The backoff has reached its cap by then: a 20 s hold, then 1 + 2 + 4 + 8 + 16 s. */
export const GROWN_AFTER_MS = 120_000
const PEAK_FROM_FAULT_MS = 5_000

function sum(values: readonly number[], from = 0, to = values.length): number {
  let total = 0
  for (let i = Math.max(0, from); i < Math.min(values.length, to); i++) total += values[i] as number
  return total
}

/** Index and value of the largest entry in [from, to); [-1, 0] when empty. */
export function peak(values: readonly number[], from = 0, to = values.length): [number, number] {
  let at = -1
  let best = 0
  for (let i = Math.max(0, from); i < Math.min(values.length, to); i++) {
    if ((values[i] as number) > best || at < 0) {
      best = values[i] as number
      at = i
    }
  }
  return [at, best]
}

/** Both clusters' load per bucket. */
function total(a: readonly number[], b: readonly number[]): number[] {
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => (a[i] ?? 0) + (b[i] ?? 0))
}

/** Each client's first failback at or after `from`, sorted; clients that never failed back are left out. */
export function failbackTimes(clients: readonly ClientRecord[], from: number): number[] {
  const times: number[] = []
  for (const c of clients) {
    const t = c.failbacks.find((at) => at >= from)
    if (t !== undefined) times.push(t)
  }
  return times.sort((a, b) => a - b)
}

/** Probes of the primary per client per minute in its down periods (see the module doc), and the busiest client's rate. */
export function probeRate(
  scenario: Scenario,
  clients: readonly ClientRecord[],
): { perClientPerMin: number | null; maxPerClientPerMin: number | null; windowMin: number } {
  const windows = downPeriods(scenario, PRIMARY).map(([from, to]): [number, number] =>
    to - from >= LONG_OUTAGE_MS ? [from + GROWN_AFTER_MS, to] : [from, to],
  )
  const minutes = windows.reduce((m, [from, to]) => m + (to - from) / 60_000, 0)
  if (minutes === 0 || clients.length === 0) return { perClientPerMin: null, maxPerClientPerMin: null, windowMin: 0 }
  let all = 0
  let most = 0
  for (const c of clients) {
    let n = 0
    for (const at of c.probes[PRIMARY]) if (windows.some(([from, to]) => at >= from && at < to)) n++
    all += n
    most = Math.max(most, n)
  }
  return { perClientPerMin: all / clients.length / minutes, maxPerClientPerMin: most / minutes, windowMin: minutes }
}

/** Time from the first bucket at or above 10 % of `steady` to the first at or above 90 %, from bucket `from`. */
export function riseMs(series: readonly number[], steady: number, from: number, bucketMs: number): number | null {
  let low = -1
  for (let i = from; i < series.length; i++) {
    const v = series[i] as number
    if (low < 0 && v >= 0.1 * steady) low = i
    if (low >= 0 && v >= 0.9 * steady) return (i - low) * bucketMs
  }
  return null
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b
}

export function figuresOf(run: RunResult): ScenarioOutcome {
  const { scenario, config, load, ops, totals, clients } = run
  const bucketMs = config.bucketMs
  const bucket = (ms: number) => Math.floor(ms / bucketMs)
  const [steadyFrom, steadyTo] = scenario.steadyMs.map(bucket) as [number, number]
  const sent = total(load[PRIMARY].sent, load[SECONDARY].sent)
  const steady = sum(sent, steadyFrom, steadyTo) / Math.max(1, steadyTo - steadyFrom)
  const [, steadyPeak] = peak(sent, steadyFrom, steadyTo)
  const firstFault = Math.min(...scenario.faults.map((f) => f.atMs))
  const end = bucket(scenario.durationMs)
  const [pAt, pPeak] = peak(load[PRIMARY].sent, bucket(firstFault + PEAK_FROM_FAULT_MS), end)
  const [sAt, sPeak] = peak(load[SECONDARY].sent, 0, end)

  const healedAt = recoveries(scenario, PRIMARY).at(-1)
  const backs = healedAt === undefined ? [] : failbackTimes(clients, healedAt)
  const afterHeal = backs.map((t) => t - (healedAt as number))
  const probes = probeRate(scenario, clients)
  const [incFrom, incTo] = incidentMs(scenario).map(bucket) as [number, number]
  const incidentOps = sum(ops.issued, incFrom, incTo)
  const hedge = scenario.options?.hedge
  const budget =
    hedge === undefined || hedge === false ? undefined : { ratio: hedge.budget?.ratio ?? 0.05, burst: hedge.budget?.burst ?? 10 }
  const holds = scenario.options?.hold?.holdsMs ?? DEFAULT_HOLDS_MS
  const lat = run.incidentLatency
  const mb = (bytes: number) => bytes / 2 ** 20

  const figures: ScenarioFigures = {
    name: scenario.name,
    primaryPeakOverSteady: ratio(pPeak, steady),
    secondaryPeakOverSteady: ratio(sPeak, steady),
    probesPerClientPerMin: probes.perClientPerMin,
    failbackSpreadMs: backs.length === 0 ? null : (backs.at(-1) as number) - (backs[0] as number),
    hedgeExtraRatio: ratio(totals.hedges, totals.hedgeEligibleReads),
    goodput: ratio(sum(ops.okInBudget, incFrom, incTo), incidentOps),
    errorRatio: ratio(sum(ops.errors, incFrom, incTo), incidentOps),
  }
  const detail: ScenarioDetail = {
    name: scenario.name,
    description: scenario.description,
    clients: clients.length,
    ratePerClient: config.ratePerClient,
    steadyPerSec: (steady * 1000) / bucketMs,
    steadyPeakOverMean: ratio(steadyPeak, steady),
    primaryPeakAtS: (pAt * bucketMs) / 1000,
    secondaryPeakAtS: (sAt * bucketMs) / 1000,
    failoversPerClient: ratio(totals.failovers, clients.length),
    silencesPerClient: ratio(totals.silences, clients.length),
    failbacksPerClient: ratio(totals.failbacks, clients.length),
    failedBackShare: healedAt === undefined ? null : ratio(backs.length, clients.length),
    failbackP50AfterHealMs: afterHeal.length === 0 ? null : percentile(afterHeal, 50),
    failbackP99AfterHealMs: afterHeal.length === 0 ? null : percentile(afterHeal, 99),
    failbackBoundMs: (holds[0] ?? 0) + 60_000,
    primaryRiseMs: healedAt === undefined ? null : riseMs(load[PRIMARY].sent, steady, bucket(healedAt), bucketMs),
    probeWindowMin: probes.windowMin,
    probesMaxPerClientPerMin: probes.maxPerClientPerMin,
    probesSeenByClients: clients.reduce((n, c) => n + c.probes[PRIMARY].length, 0),
    pingsSeenByPrimary: run.queues[PRIMARY]?.pings ?? 0,
    hedges: totals.hedges,
    hedgesDeniedByBudget: totals.hedgesDeniedByBudget,
    hedgeWins: totals.hedgeWins,
    hedgeBudgetRatio: budget === undefined ? null : budget.ratio + ratio(budget.burst * clients.length, totals.hedgeEligibleReads),
    incidentHedgeRatio: ratio(sum(ops.hedges, incFrom, incTo), sum(ops.reads, incFrom, incTo)),
    secondaryProbePeakOverSteady: ratio(peak(load[SECONDARY].probes, 0, end)[1], steady),
    operations: totals.operations,
    incidentOperations: incidentOps,
    errors: totals.errors,
    errorsByCode: run.errorsByCode,
    unfinished: totals.unfinished,
    reroutes: totals.reroutes,
    incidentLatencyP50Ms: lat.totalCount === 0 ? Number.NaN : lat.getValueAtPercentile(50),
    incidentLatencyP99Ms: lat.totalCount === 0 ? Number.NaN : lat.getValueAtPercentile(99),
    incidentLatencyMaxMs: lat.totalCount === 0 ? Number.NaN : lat.maxValue,
    secondaryMaxQueue: run.queues[SECONDARY]?.maxQueue ?? 0,
    cancelledInQueue: run.queues.reduce((n, q) => n + q.cancelledInQueue, 0),
    wallMs: run.perf.wallMs,
    actions: run.perf.actions,
    heapPeakMB: mb(run.perf.heapPeakBytes),
  }
  const over = (series: readonly number[]) => Array.from({ length: end }, (_, i) => ratio(series[i] ?? 0, steady))
  const chart: LoadChart = {
    name: scenario.name,
    description: scenario.description,
    bucketMs,
    primary: over(load[PRIMARY].sent),
    secondary: over(load[SECONDARY].sent),
    primaryProbes: over(load[PRIMARY].probes),
    secondaryProbes: over(load[SECONDARY].probes),
    marks: faultMarks(scenario),
  }
  return { figures, detail, chart }
}

/** One mark per change of a cluster's fault. */
function faultMarks(scenario: Scenario): { t: number; label: string }[] {
  return scenario.faults.map((f) => ({
    t: f.atMs,
    label: `${f.cluster === PRIMARY ? 'primary' : 'secondary'} ${f.fault.kind === 'none' ? 'healthy' : f.fault.kind === 'slow' ? `slow x${f.fault.factor}` : f.fault.kind}`,
  }))
}

/** Four significant digits: ratios like 0.0004 keep their information (NaN and Infinity become null). */
export function tidy(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? Number(value.toPrecision(4)) : null
  if (Array.isArray(value)) return value.map(tidy)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tidy(v)]))
  return value
}

/** The document `--json` writes: `{ clients, scenarios: [ScenarioFigures…] }`, numbers tidied. */
export function fleetDocument(clients: number, outcomes: readonly ScenarioOutcome[]): { clients: number; scenarios: ScenarioFigures[] } {
  return tidy({ clients, scenarios: outcomes.map((o) => o.figures) }) as { clients: number; scenarios: ScenarioFigures[] }
}
