/**
 * One fault experiment, shared by the failover, baseline and picture runs: an open-loop findById
 * workload (a fixed rate, so a stalled cluster shows up as latency rather than as fewer requests),
 * a healthy phase, a fault on cluster A at a known instant, optionally a heal, and an analysis of
 * every operation against the fault time.
 */
import type { GatewayNode } from '../lib/chaos/cluster.js'
import { sleep } from './context.js'
import type { GatewayEnv } from './env.js'
import { openLoop, type OpFactory, type OpRecord } from './load.js'
import { latencyFigures, median } from './stats.js'

export const FAULTS = ['blackhole', 'refuse', 'reset', 'SIGSTOP', 'SIGKILL'] as const
export type FaultKind = (typeof FAULTS)[number]

/** Applies a fault to a node: network faults on its client proxy, process faults as signals. */
export async function applyFault(node: GatewayNode, fault: FaultKind): Promise<void> {
  switch (fault) {
    case 'blackhole':
      return node.clientProxy.blackhole()
    case 'refuse':
      return node.clientProxy.refuse()
    case 'reset':
      return node.clientProxy.reset()
    case 'SIGSTOP':
      return node.pause()
    case 'SIGKILL':
      // The harness makes the proxy refuse first, as the host of a dead process does.
      return node.kill()
  }
}

export interface FaultRunOptions {
  readonly env: GatewayEnv
  readonly op: OpFactory
  readonly tagOf: (value: unknown) => string | undefined
  readonly fault: FaultKind | null
  readonly rate: number
  /** Healthy phase before the fault. */
  readonly healthyMs: number
  /** Run time after the fault. */
  readonly afterMs: number
  /** Heal this long after the fault (undefined: the fault lasts until the end of the run). */
  readonly healAfterMs?: number
  /** Bound on operations still running at the end. */
  readonly drainMs: number
  /**
   * Operations started in the same tick as the fault, so that some are surely in flight when it
   * hits (at a few hundred per second on loopback, only one or two would be). Default 8.
   */
  readonly burstAtFault?: number
}

export interface FaultRun {
  /** performance.now() at the run's start. */
  readonly t0: number
  readonly records: readonly OpRecord[]
  /** Run clock (ms) when the fault was applied; NaN without a fault. */
  readonly faultAt: number
  readonly healAt: number
  /** Run clock when the run ended (for operations that never did). */
  readonly endedAt: number
  readonly unfinished: number
  readonly skipped: number
}

export async function faultRun(o: FaultRunOptions): Promise<FaultRun> {
  const run = openLoop(o.op, { rate: o.rate, durationMs: o.healthyMs + o.afterMs, drainMs: o.drainMs, tagOf: o.tagOf })
  let faultAt = Number.NaN
  let healAt = Number.NaN
  const script = (async () => {
    if (o.fault === null) return
    await sleep(o.healthyMs)
    run.burst(o.burstAtFault ?? 8)
    faultAt = run.now()
    await applyFault(o.env.a, o.fault)
    if (o.healAfterMs !== undefined) {
      await sleep(Math.max(0, faultAt + o.healAfterMs - run.now()))
      healAt = run.now()
      await o.env.heal()
    }
  })()
  const [{ unfinished, skipped }] = await Promise.all([run.done, script])
  return { t0: run.t0, records: run.records, faultAt, healAt, endedAt: run.now(), unfinished, skipped }
}

export interface FaultFigures {
  /** ms from the fault to the first successful answer from another cluster than A; null if none. */
  readonly firstSuccessMs: number | null
  /** Operations started before the fault that had not ended when it hit. */
  readonly inFlightAtFault: number
  readonly inFlightP99Ms: number
  readonly inFlightMaxMs: number
  /** Latest end of an in-flight operation, ms after the fault. */
  readonly inFlightDoneAfterFaultMs: number
  readonly healthyP99Ms: number
  /** Operations started after the first success: p99 and its ratio to the healthy p99. */
  readonly p99AfterSwitchMs: number | null
  readonly ratioAfterSwitchToHealthy: number | null
  /** Every operation started after the fault (unfinished ones counted at the run's end: a lower bound). */
  readonly p99AfterFaultMs: number
  readonly callerErrors: number
  /** Operations still running when the bound ended the run (cancelled). */
  readonly unfinished: number
  readonly ops: number
}

/** Figures of a run against its fault time; `skipMs` of the start are ignored as connection warm-up. */
export function analyse(run: FaultRun, skipMs = 200): FaultFigures {
  const { records, faultAt, endedAt } = run
  const latency = (r: OpRecord) => (Number.isNaN(r.end) ? endedAt - r.start : r.end - r.start)
  const healthy = records.filter((r) => r.start >= skipMs && r.ok && r.end < faultAt).map(latency)
  const inFlight = records.filter((r) => r.start < faultAt && !(r.end < faultAt))
  const inFlightLat = latencyFigures(inFlight.map(latency))
  const doneAfter = inFlight.map((r) => (Number.isNaN(r.end) ? endedAt : r.end) - faultAt)
  const firstOther = records
    .filter((r) => r.ok && r.end >= faultAt && r.servedBy !== undefined && r.servedBy !== 'A')
    .reduce((m, r) => Math.min(m, r.end), Infinity)
  const firstSuccessMs = Number.isFinite(firstOther) ? firstOther - faultAt : null
  const healthyP99 = latencyFigures(healthy).p99Ms
  const afterSwitch = firstSuccessMs === null ? [] : records.filter((r) => r.start >= faultAt + firstSuccessMs).map(latency)
  const p99AfterSwitch = afterSwitch.length > 0 ? latencyFigures(afterSwitch).p99Ms : null
  return {
    firstSuccessMs,
    inFlightAtFault: inFlight.length,
    inFlightP99Ms: inFlightLat.p99Ms,
    inFlightMaxMs: inFlightLat.maxMs,
    inFlightDoneAfterFaultMs: doneAfter.length > 0 ? Math.max(...doneAfter) : Number.NaN,
    healthyP99Ms: healthyP99,
    p99AfterSwitchMs: p99AfterSwitch,
    ratioAfterSwitchToHealthy: p99AfterSwitch === null ? null : p99AfterSwitch / healthyP99,
    p99AfterFaultMs: latencyFigures(records.filter((r) => r.start >= faultAt).map(latency)).p99Ms,
    callerErrors: records.filter((r) => !r.ok && !Number.isNaN(r.end)).length,
    unfinished: run.unfinished,
    ops: records.length,
  }
}

/**
 * Several repetitions of one cell as one row: medians of the latency figures, worst case of the
 * "how late did the last in-flight operation end" figures, sums of errors.
 */
export function combine(
  runs: readonly FaultFigures[],
): FaultFigures & { readonly repetitions: number; readonly firstSuccessMaxMs: number | null } {
  const med = (pick: (f: FaultFigures) => number | null) => {
    const v = runs.map(pick).filter((x): x is number => x !== null && Number.isFinite(x))
    return v.length === 0 ? null : median(v)
  }
  const worst = (pick: (f: FaultFigures) => number | null) => {
    const v = runs.map(pick).filter((x): x is number => x !== null && Number.isFinite(x))
    return v.length === 0 ? Number.NaN : Math.max(...v)
  }
  const firstAll = runs.map((r) => r.firstSuccessMs)
  return {
    repetitions: runs.length,
    firstSuccessMs: med((f) => f.firstSuccessMs),
    firstSuccessMaxMs: firstAll.some((x) => x === null) ? null : worst((f) => f.firstSuccessMs),
    inFlightAtFault: runs.reduce((s, r) => s + r.inFlightAtFault, 0),
    inFlightP99Ms: med((f) => f.inFlightP99Ms) ?? Number.NaN,
    inFlightMaxMs: worst((f) => f.inFlightMaxMs),
    inFlightDoneAfterFaultMs: worst((f) => f.inFlightDoneAfterFaultMs),
    healthyP99Ms: med((f) => f.healthyP99Ms) ?? Number.NaN,
    p99AfterSwitchMs: med((f) => f.p99AfterSwitchMs),
    ratioAfterSwitchToHealthy: med((f) => f.ratioAfterSwitchToHealthy),
    p99AfterFaultMs: med((f) => f.p99AfterFaultMs) ?? Number.NaN,
    callerErrors: runs.reduce((s, r) => s + r.callerErrors, 0),
    unfinished: runs.reduce((s, r) => s + r.unfinished, 0),
    ops: runs.reduce((s, r) => s + r.ops, 0),
  }
}
