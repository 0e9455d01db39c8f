/**
 * FailoverStore options and their defaults.
 *
 * ## Defaults and why
 *
 * | option | default | why |
 * |---|---|---|
 * | `timeoutMs` | 500 ms | far outside a healthy gateway's tail, half of a 1 s interactive budget (below) |
 * | `secondaryTimeoutMs` | 2 000 ms (4x) | covers opening the next cluster's connection plus the call (below) |
 * | `policy` | idempotent `failover`; conditional and non-idempotent `failover-if-unsent` | a write that may have been applied is never repeated elsewhere unless asked for (see policy.ts) |
 * | `hold.holdsMs` | 20 s, 60 s, 120 s (last repeats) | the 2017 prototype's escalation: a flapping primary is left alone longer each time |
 * | `hold.decayAfterMs` | 300 000 ms (5 min) | each quiet 5 min takes the escalation one step back (the prototype never did) |
 * | `probe.timeoutMs` | `timeoutMs` | healthy = answers ping + read within the same budget as a user operation |
 * | `probe.backoff` | 1 s, x2, max 30 s, jitter 0.2 | quick to notice a short outage, at most one probe per 30 s during a long one; jitter spreads many clients |
 * | `probe.id` | `'__ojai_failover_probe__'` | the cheap read of a probe; a missing document is a fine answer |
 * | `hedge` | off | hedging sends extra reads; opt in per store or per call |
 * | `hedge.delayMs` | p95 of the active cluster's findById latency, min 5 ms; 100 ms until 100 samples | hedge only reads slower than the cluster's own usual tail |
 * | `hedge.budget` | 5 % of eligible reads, burst 10 | an outage must not double the load on the other cluster |
 * | `scheduler` | `asyncScheduler` | every timer goes through it, so TestScheduler runs the specs in virtual time |
 *
 * `timeoutMs` 500: measured against the embedded gateway on loopback with the driver, on a shared
 * 2-core machine under a load average of about 6 (5 000 sequential calls each): findById p50
 * 0.5 ms, p99 8 ms, p99.9 18 ms, max 44 ms; insertOrReplace p99.9 38 ms, max 56 ms. A real
 * gateway adds a LAN round trip and the cluster's own latency, still well under 500 ms in normal
 * operation, so a timeout is rare unless something is wrong (few false failovers), and half of a
 * typical 1 s interactive budget is left for the answer from the next cluster. The 2017
 * prototype's code used 700 ms (its javadoc said 500 ms); we take the tighter value because a
 * spurious failover is cheap here: reads are idempotent and unsafe writes are not repeated.
 *
 * `secondaryTimeoutMs` 2 000: the prototype used 15x (10.5 s), far beyond what an interactive
 * caller waits. The retry goes to a cluster that may not have been used yet, so the bound must
 * cover opening its connection (TCP + TLS + basic-auth exchange, well under 1 s on a LAN) plus the
 * operation; 2 s does, and the worst case stays at 2.5 s for two clusters instead of 11.2 s. Once
 * the switch is made, later operations go straight to the new active cluster under `timeoutMs`.
 *
 * What `timeoutMs` bounds besides the first answer:
 * - a `find` stream: every gap between two documents (not the whole stream); a gap longer than
 *   that resumes the find on the next cluster after the last `_id` delivered;
 * - the first operation on a cluster also opens its connection, within the same limit: over a
 *   slow TLS + auth handshake, raise `timeoutMs` rather than take a failover at startup.
 * A refused connection does not wait for any timer: the driver reports it at once (measured
 * 11-51 ms on the first call, under 1 ms on later ones; lib/driver/README.md).
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
