/**
 * FailoverStore options, their defaults and their validation. The defaults and the reasons for
 * them are documented on {@link FailoverStoreOptions}.
 */
import type { Observable, SchedulerLike } from 'rxjs'
import { asyncScheduler } from 'rxjs'
import type { Logger } from 'pino'
import { checkGraceMs, DEFAULT_CLOSE_GRACE_MS } from '../graceful-close.js'
import { FAILOVER_STRATEGIES } from '../call-options.js'
import {
  boolean,
  checkKeys,
  checkOptions,
  func,
  integerIn,
  MAX_TIMER_MS,
  mustBe,
  numberIn,
  oneOf,
  rule,
  shown,
  withMethods,
  type Rule,
  type Rules,
} from '../ojai/check-options.js'
import { InvalidOptionsError } from '../ojai/errors.js'
import type { Document, DocumentId, DocumentShape } from '../ojai/values.js'
import type { Store } from '../store.js'
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js'
import { DEFAULT_HEDGE_BUDGET, type HedgeBudgetOptions } from './hedge-budget.js'
import { OPERATION_NAMES, type PolicyOptions } from './policy.js'
import { DEFAULT_DECAY_AFTER_MS, DEFAULT_HOLD_JITTER, DEFAULT_HOLDS_MS, type StickyHoldOptions } from './sticky-hold.js'
import { DEFAULT_FAILBACK_RAMP, type FailbackRampOptions } from './cluster-state.js'
import { DEFAULT_SESSION, type SessionOptions } from './session.js'
import { DEFAULT_SILENCE, type SilenceOptions } from './silence.js'
import { DEFAULT_STALL, type StallOptions } from './timekeeper.js'

/**
 * One replicated cluster. The first in the list is the primary. `T`: its store's document type.
 * @category Failover
 */
export interface ClusterConfig<T extends DocumentShape<T> = Document> {
  /** Shown in events, logs, stats and error messages, e.g. `cluster1`. Must be unique. */
  readonly name: string
  readonly store: Store<T>
  /**
   * Cheap liveness check used by failback probes before the probe read, e.g. the driver's
   * `DocumentStore.ping()`. Must complete (or emit) on success and error on failure.
   */
  readonly ping?: () => Observable<unknown>
  /**
   * Releases what this cluster's store holds (e.g. the driver `Connection` it came from). Called
   * once by `FailoverStore.close()`, after in-flight operations have ended (finished or cut off);
   * the close awaits what it returns when that is a promise. Without it the store
   * is left open: whoever created it closes it. `connectFailover` sets it for the connections it
   * opens.
   */
  readonly close?: () => unknown
}

/**
 * Per-percentile hedge delay: hedge when the active cluster is slower than its own usual tail.
 * @category Failover
 */
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

/** @category Failover */
export interface HedgeOptions {
  /** Fixed delay (ms) or a running latency percentile. Default `{ percentile: 95 }`. */
  readonly delayMs?: number | PercentileDelay
  /** Caps hedges at a share of eligible requests. Default 5 %, burst 10. */
  readonly budget?: HedgeBudgetOptions
}

/** @category Failover */
export interface ProbeOptions {
  /** Key read by the probe's cheap `findById` (a missing key is fine). Default `'__ojai_failover_probe__'`. */
  readonly id?: DocumentId
  /** Bound on one probe (ping + read). Default: `timeoutMs`, i.e. healthy = answers within the interactive budget. */
  readonly timeoutMs?: number
  /** Delays between failed probes. Default 1 s, x2, max 35 s, jitter 0.2. */
  readonly backoff?: BackoffOptions
}

/**
 * Options of a {@link FailoverStore} (and of {@link connectFailover}). Every one is optional.
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
 * | `hold.jitter` | 0.1 | each hold shortened by up to 10 % at random: a fleet that failed over together does not probe in the same second |
 * | `failback` | 5 %, 25 %, 100 % over 30 s | a recovered cluster receives a growing share of operations, not a fleet's whole load in one second |
 * | `probe.timeoutMs` | `timeoutMs` | healthy = answers ping + read within the same budget as a user operation |
 * | `probe.backoff` | 1 s, x2, max 35 s, jitter 0.2 | quick to notice a short outage; during a long one the delay at the cap averages 31.5 s, under 2 probes per instance per minute (measured with the fleet simulation); jitter spreads many clients |
 * | `probe.id` | `'__ojai_failover_probe__'` | the cheap read of a probe; a missing document is a fine answer |
 * | `hedge` | off | hedging sends extra reads; opt in per store or per call |
 * | `hedge.delayMs` | p95 of the active cluster's findById latency, min 5 ms; 100 ms until 100 samples | hedge only reads slower than the cluster's own usual tail |
 * | `hedge.budget` | 5 % of eligible reads, burst 10 | an outage must not double the load on the other cluster |
 * | `settleMs` | 5 000 ms | a write that moved on waits this long for the attempt it left behind; long enough for a slow cluster's answer, short enough for a caller |
 * | `closeGraceMs` | 10 000 ms | how long `close()` lets operations in flight finish: longer than any single-answer operation runs with these defaults (500 + 2 000 + 5 000 ms), see DEFAULT_CLOSE_GRACE_MS |
 * | `lingerMs` | 60 000 ms | probes run while operations are in flight or ended less than this ago: a store in use keeps probing, an idle one (or a marble test) stops |
 * | `retrySameCluster` | `true` | a read reset on a cluster in good standing is tried there once more before it moves on: one reset connection should not move the store for a hold (steps/retry-same-cluster.ts) |
 * | `silence.floorMs` | 15 ms | a cluster heard from less than this long ago is never silent: twice a healthy gateway's p99 on a loaded machine; the client's own pauses never count (checked only on an on-time heartbeat) |
 * | `silence.ceilingMs` | 250 ms | with requests outstanding, a cluster unheard this long is suspect however slow it usually is: half of `timeoutMs` |
 * | `silence.minSamples` | 16 | answers learned before a cluster can be suspected: with fewer, nothing explains its latency yet |
 * | `stall.tickMs` | 10 ms | heartbeat while operation limits are armed; a stall is measured to within this |
 * | `stall.thresholdMs` | 20 ms | a heartbeat this late is a stall of this process, not charged to clusters; above a loaded machine's usual timer jitter |
 * | `scheduler` | `asyncScheduler` | every timer goes through it, so TestScheduler runs the specs in virtual time |
 *
 * Every option is validated at construction: an unknown key, a time limit that is not an integer
 * in [1, 2^31-1] ms (Node clamps longer timers to 1 ms), a backoff that would not grow, a jitter
 * outside [0, 1] or a budget that is not a finite number throws InvalidOptionsError naming the
 * option and its allowed range.
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
 * @category Failover
 */
export interface FailoverStoreOptions {
  /** Time the active cluster has to answer before the operation moves on. Default 500 ms (why: {@link FailoverStoreOptions}). */
  readonly timeoutMs?: number
  /**
   * Time each further cluster has once an operation moved on, and how long an attempt keeps
   * waiting on its cluster when there is nowhere better to go. Default 2 000 ms (why: {@link FailoverStoreOptions}).
   */
  readonly secondaryTimeoutMs?: number
  /** Strategies: global (`all`) and per class. Default idempotent -> failover, others -> failover-if-unsent. */
  readonly policy?: PolicyOptions
  /** Escalating hold after a failover before probing the cluster left behind. Default 20 s, 60 s, 120 s; decay 5 min; jitter 0.1. */
  readonly hold?: StickyHoldOptions
  /**
   * Ramped failback: after a failback, the share of documents moved back to the recovered cluster
   * grows in steps (default 5 %, 25 %, 100 % over 30 s), each document at one moment (by a hash of
   * its `_id`, session.ts); `false` moves them all at once.
   */
  readonly failback?: FailbackRampOptions | false
  /** Probes of clusters not serving. */
  readonly probe?: ProbeOptions
  /**
   * Hedged reads (findById only) on by default when given; `CallOptions.hedge` overrides per
   * call. Default: off.
   */
  readonly hedge?: HedgeOptions | false
  /**
   * How long a write that moved on waits for the attempt it left behind to settle before it ends
   * with UnsettledWriteError instead of an acknowledgment. Default 5 000 ms (why: {@link FailoverStoreOptions}).
   */
  readonly settleMs?: number
  /**
   * How long `close()` lets operations in flight finish before it cancels them (ClosedError);
   * `close({ graceMs })` overrides it per call, `0` cancels at once. Default 10 000 ms
   * (`DEFAULT_CLOSE_GRACE_MS`).
   */
  readonly closeGraceMs?: number
  /**
   * How long background probes keep running after the last operation ended. Default 60 000 ms:
   * a store in use keeps probing; an idle one (or a marble test) schedules nothing after it.
   */
  readonly lingerMs?: number
  /**
   * A read that fails with a transport error (a reset or closed connection, not provably unsent)
   * on a cluster that is up and not held is tried once more on that cluster, on a fresh
   * connection, before it moves on. Default `true`; `false` moves it on at once.
   */
  readonly retrySameCluster?: boolean
  /**
   * Suspicion of a silent cluster: one with requests outstanding that has answered none of them
   * for longer than its own latency explains (see silence.ts). New operations start elsewhere and
   * reads in flight move on at once; the active cluster still changes only on a timeout or an
   * error. Default floor 15 ms, ceiling 250 ms, after 16 answers; `false` turns it off.
   */
  readonly silence?: SilenceOptions | false
  /**
   * Session consistency (session.ts): for `windowMs` after this store's write of a document, its
   * reads go to the cluster that acknowledged it while that cluster is in good standing, and a
   * write that would move it to another cluster waits out the window first. Default window
   * 1 000 ms, 10 000 documents remembered; `false` turns the window off (a failback ramp still
   * moves each document at one moment).
   */
  readonly session?: SessionOptions | false
  /** Detection of this process's own stalls, which are not charged to clusters. Default tick 10 ms, threshold 20 ms. */
  readonly stall?: StallOptions
  /** Scheduler for every timer (timeouts, holds, probes, hedges). Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike
  /** Receives debug logs of every event. Default: none. */
  readonly logger?: Logger
  /** Random source, in [0, 1), for probe and hold jitter, the ramp's salt and a find's place in a ramp. Default `Math.random`. */
  readonly random?: () => number
}

/**
 * The options of `pin` and `drain`.
 * @category Failover
 */
export interface MaintenanceOptions {
  /** Why, shown in `cluster$` (`routing.reason`), `events$` and logs, e.g. `'patching cluster1'`. At most 200 characters. */
  readonly reason?: string
}

const MAINTENANCE: Rules<MaintenanceOptions> = {
  reason: rule('a string of at most 200 characters', (v) => typeof v === 'string' && v.length <= 200),
}

/** Checks the options of `pin` / `drain`; returns the reason, if any. */
export function maintenanceReason(options: MaintenanceOptions | undefined): string | undefined {
  checkOptions('maintenance options', options, MAINTENANCE)
  return options?.reason
}

export interface ResolvedHedge {
  readonly enabled: boolean
  readonly delay: number | Required<PercentileDelay>
  readonly budget: Required<HedgeBudgetOptions>
}

export interface ResolvedOptions {
  readonly timeoutMs: number
  readonly secondaryTimeoutMs: number
  readonly policy: PolicyOptions
  readonly hold: Required<StickyHoldOptions>
  readonly failback: Required<FailbackRampOptions> | false
  readonly probeId: DocumentId
  readonly probeTimeoutMs: number
  readonly backoff: Required<BackoffOptions>
  readonly hedge: ResolvedHedge
  readonly settleMs: number
  readonly closeGraceMs: number
  readonly lingerMs: number
  readonly retrySameCluster: boolean
  readonly silence: Required<SilenceOptions> | false
  readonly session: Required<SessionOptions> | false
  readonly stall: Required<StallOptions>
  readonly scheduler: SchedulerLike
  readonly logger: Logger | undefined
  readonly random: () => number
}

/** @category Internals */
export const DEFAULT_TIMEOUT_MS = 500
/** @category Internals */
export const DEFAULT_SECONDARY_TIMEOUT_MS = 2_000
/** @category Internals */
export const DEFAULT_PROBE_ID = '__ojai_failover_probe__'
/** @category Internals */
export const DEFAULT_HEDGE_DELAY: Required<PercentileDelay> = Object.freeze({ percentile: 95, minMs: 5, minSamples: 100, fallbackMs: 100 })

/**
 * The most clusters a FailoverStore takes. Each cluster is one bit of the 32-bit masks that
 * track which clusters an operation tried, timed out on, or must avoid; 30 stays clear of the
 * sign bit. More would also only cost sockets: replication between clusters is a full mesh.
 * @category Internals
 */
export const MAX_CLUSTERS = 30

/** @category Internals */
export const DEFAULT_SETTLE_MS = 5_000
/** @category Internals */
export const DEFAULT_LINGER_MS = 60_000

/** A number in [min, max]; integers only when `integer`. */
function inRange(name: string, value: unknown, min: number, max: number, integer = false): number {
  ;(integer ? integerIn(min, max) : numberIn(min, max))(value, name)
  return value as number
}

/** A time limit: an integer number of ms in [1, 2^31-1]. */
export function validateTimeout(name: string, value: unknown): number {
  return inRange(name, value, 1, MAX_TIMER_MS, true)
}

/**
 * An options object of known keys only (`undefined`: left out, every key has a default). `null`
 * is refused here, where the key is known: the `??` that fills in defaults would take it for
 * "left out".
 */
function known(name: string, value: object | undefined, keys: readonly string[], prefix = `${name}.`): void {
  if (value === undefined) return
  checkKeys(name, value, keys)
  for (const key of keys) if (value[key] === null) mustBe(`${prefix}${key}`, 'a value, or left out for its default', null)
}

const STRATEGY = oneOf(FAILOVER_STRATEGIES)
const POLICY: Rules<PolicyOptions> = { all: STRATEGY, idempotent: STRATEGY, conditional: STRATEGY, 'non-idempotent': STRATEGY }

/**
 * The keys of {@link FailoverStoreOptions}.
 * @category Internals
 */
export const FAILOVER_STORE_OPTIONS: readonly (keyof FailoverStoreOptions)[] = [
  'timeoutMs',
  'secondaryTimeoutMs',
  'policy',
  'hold',
  'failback',
  'probe',
  'hedge',
  'settleMs',
  'closeGraceMs',
  'lingerMs',
  'retrySameCluster',
  'silence',
  'session',
  'stall',
  'scheduler',
  'logger',
  'random',
]

export function validateClusters(clusters: readonly ClusterConfig[]): void {
  if (!Array.isArray(clusters) || clusters.length < 2) {
    throw new InvalidOptionsError(
      `a FailoverStore needs at least 2 clusters, got ${Array.isArray(clusters) ? clusters.length : typeof clusters}`,
    )
  }
  if (clusters.length > MAX_CLUSTERS)
    throw new InvalidOptionsError(`a FailoverStore supports at most ${MAX_CLUSTERS} clusters, got ${clusters.length}`)
  const seen = new Set<string>()
  for (const c of clusters) {
    if (typeof c?.name !== 'string' || c.name === '') throw new InvalidOptionsError('every cluster needs a non-empty name')
    if (seen.has(c.name)) throw new InvalidOptionsError(`cluster names must be unique; ${JSON.stringify(c.name)} appears twice`)
    seen.add(c.name)
    if (typeof c.store !== 'object' || c.store === null) throw new InvalidOptionsError(`cluster ${c.name} has no store`)
    const missing = OPERATION_NAMES.filter((m) => typeof (c.store as unknown as Record<string, unknown>)[m] !== 'function')
    if (missing.length > 0) {
      throw new InvalidOptionsError(
        `cluster ${c.name}: its store lacks ${missing.join(', ')}; a store is a DocumentStore (connection.store(path)), a FailoverStore, or an object with all ${OPERATION_NAMES.length} Store methods`,
      )
    }
    if (typeof c.store.path !== 'string')
      throw new InvalidOptionsError(`cluster ${c.name}: its store has no table path (path must be a string); got ${shown(c.store.path)}`)
    if (c.ping !== undefined && typeof c.ping !== 'function') throw new InvalidOptionsError(`cluster ${c.name}: ping must be a function`)
    if (c.close !== undefined && typeof c.close !== 'function') throw new InvalidOptionsError(`cluster ${c.name}: close must be a function`)
  }
}

export function resolveOptions(options: FailoverStoreOptions = {}): ResolvedOptions {
  known('FailoverStore options', options, FAILOVER_STORE_OPTIONS, '')
  const timeoutMs = validateTimeout('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  const secondaryTimeoutMs = validateTimeout('secondaryTimeoutMs', options.secondaryTimeoutMs ?? DEFAULT_SECONDARY_TIMEOUT_MS)
  const policy = options.policy ?? {}
  checkOptions('policy', policy, POLICY, 'policy.')
  return {
    timeoutMs,
    secondaryTimeoutMs,
    policy,
    hold: resolveHold(options.hold),
    failback: resolveFailback(options.failback),
    ...resolveProbe(options.probe, timeoutMs),
    hedge: resolveHedge(options.hedge),
    settleMs: validateTimeout('settleMs', options.settleMs ?? DEFAULT_SETTLE_MS),
    closeGraceMs: checkGraceMs('closeGraceMs', options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS),
    lingerMs: inRange('lingerMs', options.lingerMs ?? DEFAULT_LINGER_MS, 0, MAX_TIMER_MS, true),
    retrySameCluster: resolveBoolean('retrySameCluster', options.retrySameCluster, true),
    silence: resolveSilence(options.silence),
    session: resolveSession(options.session),
    stall: resolveStall(options.stall),
    scheduler: resolveScheduler(options.scheduler),
    logger: resolveLogger(options.logger),
    random: resolveRandom(options.random),
  }
}

function resolveHold(hold: StickyHoldOptions | undefined): Required<StickyHoldOptions> {
  known('hold', hold, ['holdsMs', 'decayAfterMs', 'jitter'])
  const holdsMs = hold?.holdsMs ?? DEFAULT_HOLDS_MS
  if (!Array.isArray(holdsMs) || holdsMs.length === 0) mustBe('hold.holdsMs', 'a non-empty array of ms', holdsMs)
  holdsMs.forEach((h, i) => validateTimeout(`hold.holdsMs[${i}]`, h))
  return {
    holdsMs,
    decayAfterMs: validateTimeout('hold.decayAfterMs', hold?.decayAfterMs ?? DEFAULT_DECAY_AFTER_MS),
    jitter: inRange('hold.jitter', hold?.jitter ?? DEFAULT_HOLD_JITTER, 0, 1),
  }
}

function resolveFailback(failback: FailbackRampOptions | false | undefined): Required<FailbackRampOptions> | false {
  if (failback === false) return false
  known('failback', failback, ['rampMs', 'shares'])
  const shares = failback?.shares ?? DEFAULT_FAILBACK_RAMP.shares
  if (
    !Array.isArray(shares) ||
    shares.length === 0 ||
    shares[shares.length - 1] !== 1 ||
    shares.some((x, i) => !(typeof x === 'number' && x > 0 && x <= 1 && (i === 0 || x >= (shares[i - 1] as number))))
  ) {
    mustBe('failback.shares', 'an ascending array of shares in (0, 1] ending with 1', shares)
  }
  return { rampMs: validateTimeout('failback.rampMs', failback?.rampMs ?? DEFAULT_FAILBACK_RAMP.rampMs), shares }
}

function resolveProbe(probe: ProbeOptions | undefined, timeoutMs: number): Pick<ResolvedOptions, 'probeId' | 'probeTimeoutMs' | 'backoff'> {
  known('probe', probe, ['id', 'timeoutMs', 'backoff'])
  const id = probe?.id ?? DEFAULT_PROBE_ID
  if (!((typeof id === 'string' && id !== '') || (id instanceof Uint8Array && id.length > 0)))
    mustBe('probe.id', 'a non-empty string or binary key', id)
  const b = probe?.backoff
  known('probe.backoff', b, ['initialMs', 'multiplier', 'maxMs', 'jitter'])
  const initialMs = validateTimeout('probe.backoff.initialMs', b?.initialMs ?? DEFAULT_BACKOFF.initialMs)
  return {
    probeId: id,
    probeTimeoutMs: validateTimeout('probe.timeoutMs', probe?.timeoutMs ?? timeoutMs),
    backoff: {
      initialMs,
      multiplier: inRange('probe.backoff.multiplier', b?.multiplier ?? DEFAULT_BACKOFF.multiplier, 1, 100),
      maxMs: inRange(
        'probe.backoff.maxMs (at least initialMs)',
        b?.maxMs ?? Math.max(initialMs, DEFAULT_BACKOFF.maxMs),
        initialMs,
        MAX_TIMER_MS,
        true,
      ),
      jitter: inRange('probe.backoff.jitter', b?.jitter ?? DEFAULT_BACKOFF.jitter, 0, 1),
    },
  }
}

function resolveHedge(h: HedgeOptions | false | undefined): ResolvedHedge {
  if (h === undefined || h === false) return { enabled: false, delay: DEFAULT_HEDGE_DELAY, budget: DEFAULT_HEDGE_BUDGET }
  known('hedge', h, ['delayMs', 'budget'])
  const given = h.delayMs
  let delay: number | Required<PercentileDelay> = DEFAULT_HEDGE_DELAY
  if (typeof given === 'number') delay = validateTimeout('hedge.delayMs', given)
  else if (given !== undefined) {
    known('hedge.delayMs', given, ['percentile', 'minMs', 'minSamples', 'fallbackMs'])
    const p = given.percentile
    if (typeof p !== 'number' || !(p > 0 && p < 100)) mustBe('hedge.delayMs.percentile', 'a number in (0, 100)', p)
    delay = {
      percentile: p,
      minMs: validateTimeout('hedge.delayMs.minMs', given.minMs ?? DEFAULT_HEDGE_DELAY.minMs),
      minSamples: inRange('hedge.delayMs.minSamples', given.minSamples ?? DEFAULT_HEDGE_DELAY.minSamples, 1, 1_000_000, true),
      fallbackMs: validateTimeout('hedge.delayMs.fallbackMs', given.fallbackMs ?? DEFAULT_HEDGE_DELAY.fallbackMs),
    }
  }
  known('hedge.budget', h.budget, ['ratio', 'burst'])
  const budget = {
    ratio: inRange('hedge.budget.ratio', h.budget?.ratio ?? DEFAULT_HEDGE_BUDGET.ratio, 0, 1),
    burst: inRange('hedge.budget.burst', h.budget?.burst ?? DEFAULT_HEDGE_BUDGET.burst, 1, 1_000_000),
  }
  return { enabled: true, delay, budget }
}

function resolveBoolean(name: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value !== undefined) boolean(value, name)
  return value ?? fallback
}

function resolveSession(session: SessionOptions | false | undefined): Required<SessionOptions> | false {
  if (session === false) return false
  known('session', session, ['windowMs', 'maxDocuments'])
  return {
    windowMs: validateTimeout('session.windowMs', session?.windowMs ?? DEFAULT_SESSION.windowMs),
    maxDocuments: inRange('session.maxDocuments', session?.maxDocuments ?? DEFAULT_SESSION.maxDocuments, 1, 1_000_000, true),
  }
}

function resolveSilence(silence: SilenceOptions | false | undefined): Required<SilenceOptions> | false {
  if (silence === false) return false
  known('silence', silence, ['floorMs', 'ceilingMs', 'minSamples'])
  const floorMs = validateTimeout('silence.floorMs', silence?.floorMs ?? DEFAULT_SILENCE.floorMs)
  return {
    floorMs,
    ceilingMs: inRange(
      'silence.ceilingMs (at least floorMs)',
      silence?.ceilingMs ?? Math.max(floorMs, DEFAULT_SILENCE.ceilingMs),
      floorMs,
      MAX_TIMER_MS,
      true,
    ),
    minSamples: inRange('silence.minSamples', silence?.minSamples ?? DEFAULT_SILENCE.minSamples, 1, 1_000_000, true),
  }
}

function resolveStall(stall: StallOptions | undefined): Required<StallOptions> {
  known('stall', stall, ['tickMs', 'thresholdMs'])
  return {
    tickMs: inRange('stall.tickMs', stall?.tickMs ?? DEFAULT_STALL.tickMs, 1, 10_000, true),
    thresholdMs: inRange('stall.thresholdMs', stall?.thresholdMs ?? DEFAULT_STALL.thresholdMs, 1, MAX_TIMER_MS, true),
  }
}

/**
 * The rule of a `scheduler` option, here and in the testing kit.
 * @category Internals
 */
export const SCHEDULER: Rule = withMethods('an RxJS SchedulerLike (with now() and schedule())', ['now', 'schedule'])

function resolveScheduler(scheduler: SchedulerLike | undefined): SchedulerLike {
  if (scheduler === undefined) return asyncScheduler
  SCHEDULER(scheduler, 'scheduler')
  return scheduler
}

const LOGGER = withMethods('a pino Logger', ['debug'])
const RANDOM = func('a function returning a number in [0, 1)')

function resolveLogger(logger: Logger | undefined): Logger | undefined {
  if (logger !== undefined) LOGGER(logger, 'logger')
  return logger
}

function resolveRandom(random: (() => number) | undefined): () => number {
  if (random !== undefined) RANDOM(random, 'random')
  return random ?? Math.random
}
