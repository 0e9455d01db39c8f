/**
 * One scenario run: N real FailoverStores on one virtual clock, each with its own seeded jitter
 * source, against two modelled clusters, under an open-loop workload; returns the raw counts the
 * figures are computed from (figures.ts).
 *
 * The workload is open loop: operations are issued at the fleet's rate (N x `ratePerClient`), evenly
 * spread over each millisecond, and each goes to a client drawn at random. Each client then sees
 * random arrivals at `ratePerClient` (near Poisson), while the fleet's total is smooth, as the
 * total of many instances each with a much higher rate would be: a one-second bucket of a
 * cluster's load then moves only because of what the clients do, not from sampling noise of a
 * rate chosen low to keep the simulation fast. One pending timer drives the whole fleet.
 */
import { build, type Histogram } from 'hdr-histogram-js'
import { Subscriber } from 'rxjs'
import { seededRandom, type Random } from '../../lib/chaos/distribution.js'
import { DEFAULT_PROBE_ID, FailoverStore, type FailoverStoreEvent, type FailoverStoreOptions } from '../../lib/failover/index.js'
import { DEFAULT_STALL } from '../../lib/failover/timekeeper.js'
import { InvalidOptionsError, OjaiError } from '../../lib/ojai/errors.js'
import type { DocumentWithId } from '../../lib/ojai/values.js'
import { ModelCluster, type LatencyModel, type LoadSeries } from './cluster.js'
import { incidentMs, PRIMARY, SECONDARY, type Scenario } from './scenarios.js'
import { FleetScheduler } from './scheduler.js'

export interface FleetConfig {
  readonly clients: number
  /** Operations per client per virtual second (open loop, Poisson arrivals). */
  readonly ratePerClient: number
  /** Share of operations that are findById; the rest are insertOrReplace. */
  readonly readShare: number
  readonly seed: number
  /** Width of a load bucket, ms. */
  readonly bucketMs: number
  /**
   * `stall.tickMs` of every store: in virtual time no wake is ever late, so no stall is ever seen;
   * but silence (a cluster suspected within milliseconds) is checked on these beats, so the fleet
   * runs the production default.
   */
  readonly stallTickMs: number
  /** Latency of a healthy cluster. */
  readonly latency: LatencyModel
  /** A success within this many ms counts as goodput (an interactive caller's budget). */
  readonly budgetMs: number
  /** Virtual time run between two progress reports and memory samples, ms. */
  readonly chunkMs: number
  /** After the workload stops, time left for operations in flight to end, ms. */
  readonly drainMs: number
}

export const DEFAULT_CONFIG: FleetConfig = Object.freeze({
  clients: 1000,
  ratePerClient: 1,
  readShare: 0.9,
  seed: 15,
  bucketMs: 1000,
  stallTickMs: DEFAULT_STALL.tickMs,
  latency: Object.freeze({ medianMs: 2, sigma: 0.5 }),
  budgetMs: 1000,
  chunkMs: 10_000,
  drainMs: 10_000,
})

/** Per bucket of issue time: operations issued, reads among them, succeeded, succeeded within budget, failed; and hedges sent per bucket. */
export class OpSeries {
  readonly issued: number[] = []
  readonly reads: number[] = []
  readonly hedges: number[] = []
  readonly ok: number[] = []
  readonly okInBudget: number[] = []
  readonly errors: number[] = []

  static add(series: number[], bucket: number): void {
    while (series.length <= bucket) series.push(0)
    series[bucket] = (series[bucket] as number) + 1
  }
}

/** What one client (one FailoverStore) did, from its events: times in virtual ms. */
export interface ClientRecord {
  readonly failovers: number[]
  readonly failbacks: number[]
  /** Start time of every probe, per cluster probed (one per probe-ok / probe-failed event: its `at - elapsedMs`). */
  readonly probes: readonly [number[], number[]]
}

export interface Totals {
  operations: number
  reads: number
  /** Reads issued with hedging on (each deposits into its store's hedge budget). */
  hedgeEligibleReads: number
  ok: number
  errors: number
  unfinished: number
  hedges: number
  hedgesDeniedByBudget: number
  hedgeWins: number
  probesOk: number
  probesFailed: number
  failovers: number
  failbacks: number
  reroutes: number
  gaveUp: number
  /** Times a client found a cluster silent (suspicion within milliseconds, silence.ts). */
  silences: number
  /** Writes not sent (an earlier write of the document may still land) and reads tried again on the same cluster. */
  fencedWrites: number
  sameClusterRetries: number
}

export interface RunPerf {
  readonly wallMs: number
  readonly actions: number
  /** Peak V8 heap of this thread, sampled after every chunk. */
  readonly heapPeakBytes: number
}

export interface RunResult {
  readonly scenario: Scenario
  readonly config: FleetConfig
  readonly load: readonly [LoadSeries, LoadSeries]
  readonly ops: OpSeries
  readonly errorsByCode: Readonly<Record<string, number>>
  /** Latency of successes among operations issued during the incident, ms. */
  readonly incidentLatency: Histogram
  readonly clients: readonly ClientRecord[]
  readonly totals: Totals
  readonly queues: readonly { readonly maxQueue: number; readonly cancelledInQueue: number; readonly pings: number }[]
  readonly perf: RunPerf
}

export interface RunHooks {
  /** Called after every chunk of virtual time with the time reached. */
  progress?(virtualMs: number): void
}

const DOC: DocumentWithId = Object.freeze({ _id: 'k', v: 1 }) as DocumentWithId

/** A seed per client, well apart from its neighbours' (a multiplicative hash of the index). */
export function clientSeed(base: number, index: number): number {
  return (Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(base, 0x85ebca6b)) >>> 0
}

class Recorder {
  readonly ops = new OpSeries()
  readonly errorsByCode: Record<string, number> = {}
  readonly incidentLatency = build({
    numberOfSignificantValueDigits: 2,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000,
    autoResize: false,
    useWebAssembly: false,
  })
  inFlight = 0
  ok = 0
  errors = 0
  /** Set when the run is over: what close() ends afterwards is not an outcome of the scenario. */
  sealed = false

  constructor(
    private readonly budgetMs: number,
    private readonly incident: readonly [number, number],
  ) {}

  succeeded(op: Op, now: number): void {
    if (this.sealed) return
    this.inFlight--
    this.ok++
    const latency = now - op.start
    OpSeries.add(this.ops.ok, op.bucket)
    if (latency <= this.budgetMs) OpSeries.add(this.ops.okInBudget, op.bucket)
    if (op.start >= this.incident[0] && op.start < this.incident[1]) this.incidentLatency.recordValue(Math.max(1, Math.round(latency)))
  }

  failed(op: Op, error: unknown): void {
    if (this.sealed) return
    this.inFlight--
    this.errors++
    OpSeries.add(this.ops.errors, op.bucket)
    const code = error instanceof OjaiError ? error.code : error instanceof Error ? error.name : 'unknown'
    this.errorsByCode[code] = (this.errorsByCode[code] ?? 0) + 1
  }
}

/** One operation's caller. A Subscriber, so subscribing wraps nothing around it. */
class Op extends Subscriber<unknown> {
  constructor(
    private readonly recorder: Recorder,
    private readonly scheduler: FleetScheduler,
    readonly start: number,
    readonly bucket: number,
  ) {
    super()
  }
  protected override _next(): void {}
  protected override _error(error: unknown): void {
    this.unsubscribe()
    this.recorder.failed(this, error)
  }
  protected override _complete(): void {
    this.unsubscribe()
    this.recorder.succeeded(this, this.scheduler.now())
  }
}

interface Generator {
  readonly stores: readonly FailoverStore[]
  readonly scheduler: FleetScheduler
  readonly recorder: Recorder
  readonly random: Random
  /** Operations per ms, fleet-wide. */
  readonly perMs: number
  readonly readShare: number
  readonly bucketMs: number
  readonly stopAt: number
  readonly hedging: boolean
  readonly totals: Totals
  /** Operations due and not issued yet (fractional). */
  owed: number
}

/** Issues the operations due by now, each to a client drawn at random, and sleeps until the next one is due. */
function arrive(this: { schedule(state?: Generator, delay?: number): unknown }, g: Generator | undefined): void {
  if (g === undefined) return
  const now = g.scheduler.now()
  if (now >= g.stopAt) return
  g.owed += g.perMs
  const bucket = Math.floor(now / g.bucketMs)
  for (; g.owed >= 1; g.owed--) issue(g, now, bucket)
  // Next due after ceil((1 - owed) / perMs) ms; every ms that passes adds perMs.
  const wait = Math.max(1, Math.ceil((1 - g.owed) / g.perMs))
  g.owed += g.perMs * (wait - 1)
  this.schedule(g, wait)
}

function issue(g: Generator, now: number, bucket: number): void {
  const store = g.stores[Math.floor(g.random() * g.stores.length)] as FailoverStore
  const op = new Op(g.recorder, g.scheduler, now, bucket)
  OpSeries.add(g.recorder.ops.issued, bucket)
  g.recorder.inFlight++
  g.totals.operations++
  if (g.random() < g.readShare) {
    g.totals.reads++
    OpSeries.add(g.recorder.ops.reads, bucket)
    if (g.hedging) g.totals.hedgeEligibleReads++
    store.findById('k').subscribe(op)
  } else store.insertOrReplace(DOC).subscribe(op)
}

function setFault(this: unknown, change: { cluster: ModelCluster; fault: ModelCluster['fault'] } | undefined): void {
  if (change !== undefined) change.cluster.fault = change.fault
}

/** Runs `scenario` with `config`; everything it creates is closed before it returns. */
export function simulate(scenario: Scenario, config: FleetConfig, hooks: RunHooks = {}): RunResult {
  const began = performance.now()
  const scheduler = new FleetScheduler()
  const offered = config.clients * config.ratePerClient
  const [capP, capS] = scenario.capacity ?? [1.5, 1.5]
  const clusterRandom = seededRandom(clientSeed(config.seed, -1))
  const common = { latency: config.latency, scheduler, random: clusterRandom, bucketMs: config.bucketMs, probeId: DEFAULT_PROBE_ID }
  const clusters = [
    new ModelCluster({ ...common, name: 'primary', capacityPerSec: capP * offered }),
    new ModelCluster({ ...common, name: 'secondary', capacityPerSec: capS * offered }),
  ] as const
  const configs = clusters.map((c) => ({ name: c.name, store: c, ping: () => c.ping() }))
  const hedging = scenario.options?.hedge !== undefined && scenario.options.hedge !== false

  const recorder = new Recorder(config.budgetMs, incidentMs(scenario))
  const stores: FailoverStore[] = []
  const records: ClientRecord[] = []
  for (let i = 0; i < config.clients; i++) {
    const options: FailoverStoreOptions = {
      ...scenario.options,
      scheduler,
      random: seededRandom(clientSeed(config.seed, i)),
      stall: { tickMs: config.stallTickMs },
    }
    const store = new FailoverStore(configs, options)
    const record: ClientRecord = { failovers: [], failbacks: [], probes: [[], []] }
    store.events$.subscribe((e: FailoverStoreEvent) => {
      switch (e.type) {
        case 'failover':
          record.failovers.push(e.at)
          break
        case 'failback':
          record.failbacks.push(e.at)
          break
        case 'hedge':
          OpSeries.add(recorder.ops.hedges, Math.floor(e.at / config.bucketMs))
          break
        case 'probe-ok':
        case 'probe-failed':
          record.probes[e.cluster === clusters[PRIMARY].name ? PRIMARY : SECONDARY].push(e.at - e.elapsedMs)
          break
        default:
      }
    })
    stores.push(store)
    records.push(record)
  }

  for (const f of scenario.faults) scheduler.schedule(setFault, f.atMs, { cluster: clusters[f.cluster], fault: f.fault })

  const totals: Totals = {
    operations: 0,
    reads: 0,
    hedgeEligibleReads: 0,
    ok: 0,
    errors: 0,
    unfinished: 0,
    hedges: 0,
    hedgesDeniedByBudget: 0,
    hedgeWins: 0,
    probesOk: 0,
    probesFailed: 0,
    failovers: 0,
    failbacks: 0,
    reroutes: 0,
    gaveUp: 0,
    silences: 0,
    fencedWrites: 0,
    sameClusterRetries: 0,
  }
  const random = seededRandom(clientSeed(config.seed, -2))
  const generator: Generator = {
    stores,
    scheduler,
    recorder,
    random,
    perMs: offered / 1000,
    readShare: config.readShare,
    bucketMs: config.bucketMs,
    stopAt: scenario.durationMs,
    hedging,
    totals,
    owed: 0,
  }
  scheduler.schedule(arrive, 1, generator)

  let heapPeak = 0
  const end = scenario.durationMs + config.drainMs
  for (let t = 0; t < end;) {
    t = Math.min(end, t + config.chunkMs)
    scheduler.runUntil(t)
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)
    hooks.progress?.(t)
  }

  for (const store of stores) {
    const s = store.stats()

    totals.hedges += s.hedges
    totals.hedgesDeniedByBudget += s.hedgesDeniedByBudget
    totals.hedgeWins += s.hedgeWins
    totals.probesOk += s.probesOk
    totals.probesFailed += s.probesFailed
    totals.failovers += s.failovers
    totals.failbacks += s.failbacks
    totals.reroutes += s.reroutes
    totals.gaveUp += s.gaveUp
    totals.silences += s.silences
    totals.fencedWrites += s.fencedWrites
    totals.sameClusterRetries += s.sameClusterRetries
  }
  totals.ok = recorder.ok
  totals.errors = recorder.errors
  totals.unfinished = recorder.inFlight
  recorder.sealed = true
  // Ends what is left in flight (counted above as unfinished) and every store's timers.
  for (const store of stores) void store.close({ graceMs: 0 })

  return {
    scenario,
    config,
    load: [clusters[PRIMARY].load, clusters[SECONDARY].load],
    ops: recorder.ops,
    errorsByCode: recorder.errorsByCode,
    incidentLatency: recorder.incidentLatency,
    clients: records,
    totals,
    queues: clusters.map((c) => ({ maxQueue: c.maxQueue, cancelledInQueue: c.cancelledInQueue, pings: c.pings })),
    perf: { wallMs: performance.now() - began, actions: scheduler.executed, heapPeakBytes: heapPeak },
  }
}

/** Does this build of the library accept `options` (false when it rejects a key as unknown)? */
export function accepts(options: FailoverStoreOptions): boolean {
  const scheduler = new FleetScheduler()
  const cluster = (name: string) => ({
    name,
    store: new ModelCluster({ name, capacityPerSec: 1, latency: { medianMs: 1, sigma: 0 }, scheduler, random: Math.random, probeId: 'p' }),
  })
  try {
    void new FailoverStore([cluster('a'), cluster('b')], { ...options, scheduler }).close({ graceMs: 0 })
    return true
  } catch (error) {
    if (error instanceof InvalidOptionsError) return false
    throw error
  }
}
