/**
 * FailoverStore options and their defaults.
 *
 * ## Why 500 ms and 2 000 ms
 * - `timeoutMs` 500: a healthy gateway answers a point read or write in single-digit ms and its
 *   p99.9 stays well under 100 ms, so 500 ms is far outside normal tails (few false failovers),
 *   yet leaves half of a typical 1 s interactive budget for the answer from the secondary. The
 *   2017 prototype's code used 700 ms (its javadoc said 500 ms); we take the tighter value because
 *   a spurious failover is cheap here (reads are idempotent, unsafe writes are not repeated).
 * - `secondaryTimeoutMs` 2 000 (4x): the prototype used 15x (10.5 s), far beyond what an
 *   interactive caller waits. The retry goes to a cluster that may not have been used yet, so
 *   the bound must cover opening its connection (TCP + TLS + basic-auth exchange, well under
 *   1 s on a LAN) plus the operation; 2 s does, and the worst case stays at 2.5 s for two
 *   clusters instead of 11.2 s. Once the switch is made, later operations go straight to the new
 *   active cluster under the ordinary `timeoutMs`.
 */
import type { Observable, SchedulerLike } from 'rxjs'
import { asyncScheduler } from 'rxjs'
import type { Logger } from 'pino'
import { InvalidOptionsError } from '../ojai/errors.js'
import type { DocumentId } from '../ojai/values.js'
import type { Store } from '../store.js'
import type { BackoffOptions } from './backoff.js'
import type { HedgeBudgetOptions } from './hedge-budget.js'
import { isStrategy, type PolicyOptions } from './policy.js'
import type { StickyHoldOptions } from './sticky-hold.js'

/** One replicated cluster. The first in the list is the primary. */
export interface ClusterConfig {
  /** Shown in events, logs, stats and error messages, e.g. `cluster1`. Must be unique. */
  readonly name: string
  readonly store: Store
  /**
   * Cheap liveness check used by failback probes before the probe read, e.g. the driver's
   * `DocumentStore.ping()`. Must complete (or emit) on success and error on failure.
   */
  readonly ping?: () => Observable<unknown>
  /**
   * Releases what this cluster's store holds (e.g. the driver `Connection` it came from). Called
   * once by `FailoverStore.close()`, after in-flight operations have ended. Without it the store
   * is left open: whoever created it closes it. `connectFailover` sets it for the connections it
   * opens.
   */
  readonly close?: () => void
}

/** Per-percentile hedge delay: hedge when the active cluster is slower than its own usual tail. */
export interface PercentileDelay {
  /** e.g. 95: hedge after the active cluster's p95 findById latency. */
  readonly percentile: number
  /** Lower bound of the delay, ms. Default 5. */
  readonly minMs?: number
  /** Samples needed before the percentile is trusted; until then `fallbackMs` is used. Default 100. */
  readonly minSamples?: number
  /** Delay used before `minSamples`, ms. Default 100. */
  readonly fallbackMs?: number
}

export interface HedgeOptions {
  /** Fixed delay (ms) or a running latency percentile. Default `{ percentile: 95 }`. */
  readonly delayMs?: number | PercentileDelay
  /** Caps hedges at a share of eligible requests. Default 5 %, burst 10. */
  readonly budget?: HedgeBudgetOptions
}

export interface ProbeOptions {
  /** Key read by the probe's cheap `findById` (a missing key is fine). Default `'__ojai_failover_probe__'`. */
  readonly id?: DocumentId
  /** Bound on one probe (ping + read). Default: `timeoutMs`, i.e. healthy = answers within the interactive budget. */
  readonly timeoutMs?: number
  /** Delays between failed probes. Default 1 s, x2, max 30 s, jitter 0.2. */
  readonly backoff?: BackoffOptions
}

export interface FailoverStoreOptions {
  /** Time the active cluster has to answer before the operation moves on. Default 500 ms (see module doc). */
  readonly timeoutMs?: number
  /** Time each further cluster has once an operation moved on. Default 2 000 ms (see module doc). */
  readonly secondaryTimeoutMs?: number
  /** Strategies: global (`all`) and per class. Default idempotent -> failover, others -> failover-if-unsent. */
  readonly policy?: PolicyOptions
  /** Escalating hold after a failover before probing the primary. Default 20 s, 60 s, 120 s; decay 5 min. */
  readonly hold?: StickyHoldOptions
  /** Failback probes. */
  readonly probe?: ProbeOptions
  /**
   * Hedged reads (findById only) on by default when given; `CallOptions.hedge` overrides per
   * call. Default: off.
   */
  readonly hedge?: HedgeOptions | false
  /** Scheduler for every timer (timeouts, holds, probes, hedges). Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike
  /** Receives debug logs of every event. Default: none. */
  readonly logger?: Logger
  /** Random source for probe jitter, in [0, 1). Default `Math.random`. */
  readonly random?: () => number
}

export interface ResolvedHedge {
  readonly enabled: boolean
  readonly delay: number | Required<PercentileDelay>
  readonly budget: HedgeBudgetOptions
}

export interface ResolvedOptions {
  readonly timeoutMs: number
  readonly secondaryTimeoutMs: number
  readonly policy: PolicyOptions
  readonly hold: StickyHoldOptions
  readonly probeId: DocumentId
  readonly probeTimeoutMs: number
  readonly backoff: BackoffOptions
  readonly hedge: ResolvedHedge
  readonly scheduler: SchedulerLike
  readonly logger: Logger | undefined
  readonly random: () => number
}

export const DEFAULT_TIMEOUT_MS = 500
export const DEFAULT_SECONDARY_TIMEOUT_MS = 2_000
export const DEFAULT_PROBE_ID = '__ojai_failover_probe__'
export const DEFAULT_HEDGE_DELAY: Required<PercentileDelay> = Object.freeze({ percentile: 95, minMs: 5, minSamples: 100, fallbackMs: 100 })

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new InvalidOptionsError(`${name} must be a positive number of milliseconds, got ${value}`)
  return value
}

export function validateClusters(clusters: readonly ClusterConfig[]): void {
  if (!Array.isArray(clusters) || clusters.length < 2) {
    throw new InvalidOptionsError(`a FailoverStore needs at least 2 clusters, got ${Array.isArray(clusters) ? clusters.length : typeof clusters}`)
  }
  if (clusters.length > 30) throw new InvalidOptionsError(`a FailoverStore supports at most 30 clusters, got ${clusters.length}`)
  const seen = new Set<string>()
  for (const c of clusters) {
    if (typeof c?.name !== 'string' || c.name === '') throw new InvalidOptionsError('every cluster needs a non-empty name')
    if (seen.has(c.name)) throw new InvalidOptionsError(`cluster names must be unique; ${JSON.stringify(c.name)} appears twice`)
    seen.add(c.name)
    if (typeof c.store !== 'object' || c.store === null) throw new InvalidOptionsError(`cluster ${c.name} has no store`)
    if (c.ping !== undefined && typeof c.ping !== 'function') throw new InvalidOptionsError(`cluster ${c.name}: ping must be a function`)
    if (c.close !== undefined && typeof c.close !== 'function') throw new InvalidOptionsError(`cluster ${c.name}: close must be a function`)
  }
}

export function resolveOptions(options: FailoverStoreOptions = {}): ResolvedOptions {
  const timeoutMs = positive('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  const secondaryTimeoutMs = positive('secondaryTimeoutMs', options.secondaryTimeoutMs ?? DEFAULT_SECONDARY_TIMEOUT_MS)
  const policy = options.policy ?? {}
  for (const [k, v] of Object.entries(policy)) {
    if (!['all', 'idempotent', 'conditional', 'non-idempotent'].includes(k)) throw new InvalidOptionsError(`unknown policy key ${JSON.stringify(k)}`)
    if (v !== undefined && !isStrategy(v)) throw new InvalidOptionsError(`policy.${k}: unknown strategy ${JSON.stringify(v)}`)
  }
  for (const h of options.hold?.holdsMs ?? []) positive('hold.holdsMs[]', h)
  if (options.hold?.holdsMs?.length === 0) throw new InvalidOptionsError('hold.holdsMs must not be empty')
  if (options.hold?.decayAfterMs !== undefined) positive('hold.decayAfterMs', options.hold.decayAfterMs)
  const h = options.hedge
  let delay: number | Required<PercentileDelay> = DEFAULT_HEDGE_DELAY
  const given = h ? h.delayMs : undefined
  if (typeof given === 'number') delay = positive('hedge.delayMs', given)
  else if (given !== undefined) {
    const p = given.percentile
    if (!(p > 0 && p < 100)) throw new InvalidOptionsError(`hedge.delayMs.percentile must be in (0, 100), got ${p}`)
    delay = { ...DEFAULT_HEDGE_DELAY, ...given }
  }
  const ratio = h ? h.budget?.ratio : undefined
  if (ratio !== undefined && !(ratio >= 0 && ratio <= 1)) throw new InvalidOptionsError(`hedge.budget.ratio must be in [0, 1], got ${ratio}`)
  return {
    timeoutMs,
    secondaryTimeoutMs,
    policy,
    hold: options.hold ?? {},
    probeId: options.probe?.id ?? DEFAULT_PROBE_ID,
    probeTimeoutMs: positive('probe.timeoutMs', options.probe?.timeoutMs ?? timeoutMs),
    backoff: options.probe?.backoff ?? {},
    hedge: { enabled: h !== undefined && h !== false, delay, budget: (h && h.budget) || {} },
    scheduler: options.scheduler ?? asyncScheduler,
    logger: options.logger,
    random: options.random ?? Math.random,
  }
}
