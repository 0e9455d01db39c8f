/**
 * Turns the diagnostics channels of lib/failover/diagnostics.ts (and the stores' `events$` and
 * `health$`) into OpenTelemetry spans and metrics. See {@link enableOpenTelemetry}.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { createRequire } from 'node:module'
import {
  context,
  metrics,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Counter,
  type Histogram,
  type HrTime,
  type MeterProvider,
  type Span,
  type TextMapPropagator,
  type TracerProvider,
  type Tracer,
  type UpDownCounter,
} from '@opentelemetry/api'
import type { Subscription } from 'rxjs'
import { REQUEST_CHANNEL, type GrpcRequestMessage } from '../driver/request-headers.js'
import { CHANNELS, type AttemptRecord, type FailoverStoreInfo, type OperationRecord } from '../failover/diagnostics.js'
import type { FailoverStoreEvent } from '../failover/events.js'
import type { ClusterHealth } from '../failover/health.js'
import { didYouMean } from '../ojai/suggest.js'
import { InvalidOptionsError, OjaiError } from '../ojai/errors.js'
import { messageOf } from '../ojai/message-of.js'
import { ATTR, DB_SYSTEM_NAME, DURATION_BOUNDARIES, METRIC, SCOPE_NAME, SPAN_EVENT, STALL_BOUNDARIES } from './names.js'

/** @category OpenTelemetry */
export interface OpenTelemetryOptions {
  /** Where spans go. Default: the global tracer provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider
  /** Where metrics go. Default: the global meter provider (`metrics.getMeterProvider()`). */
  readonly meterProvider?: MeterProvider
  /**
   * Send the trace context of each attempt to its gateway in the gRPC metadata of the call
   * (`traceparent`, `tracestate` with the W3C propagator), so a gateway that traces can join the
   * trace. Default false: nothing is added to the calls.
   */
  readonly propagateTraceContext?: boolean
  /** The propagator used when `propagateTraceContext` is on. Default: the global one (`propagation`). */
  readonly propagator?: TextMapPropagator
}

/**
 * What {@link enableOpenTelemetry} returns.
 * @category OpenTelemetry
 */
export interface OpenTelemetryInstrumentation {
  /**
   * Stops listening: no new span, span event or metric point. Spans of operations still running
   * are never ended, so they are not exported.
   */
  disable(): void
}

interface OperationState {
  readonly record: OperationRecord
  readonly store: StoreState
  readonly span: Span
  readonly context: Context
  readonly startedAt: number
  readonly running: Set<AttemptState>
}

interface AttemptState {
  readonly record: AttemptRecord
  readonly span: Span
  readonly context: Context
  readonly startedAt: number
  readonly attributes: Attributes
}

/** What is known of one FailoverStore: its operations in flight and its clusters' health. */
interface StoreState {
  readonly info: FailoverStoreInfo
  readonly inFlight: Set<OperationState>
  health: readonly ClusterHealth[]
  active: string
  readonly subscriptions: Subscription[]
  /** Milliseconds on the store's clock: fractional and monotonic for the real clock. */
  now(): number
}

interface Instruments {
  readonly operationDuration: Histogram
  readonly attemptDuration: Histogram
  readonly inFlight: UpDownCounter
  readonly failovers: Counter
  readonly failbacks: Counter
  readonly hedges: Counter
  readonly retries: Counter
  readonly unsettledWrites: Counter
  readonly possiblyStaleReads: Counter
  readonly probes: Counter
  readonly stallDuration: Histogram
}

const HEALTH_STATES = ['up', 'silent', 'suspect', 'down'] as const

/** Real-clock milliseconds since the epoch, with the sub-millisecond precision of `performance.now()`. */
const realNow = (): number => performance.timeOrigin + performance.now()

/** Exact for whole milliseconds (virtual time); microseconds otherwise. */
function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000)
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)]
}

/** `host:port` (or `[v6]:port`) as semantic-convention attributes. */
function serverAttributes(target: string | undefined, into: Attributes): void {
  if (target === undefined) return
  const colon = target.lastIndexOf(':')
  const host = colon > 0 ? target.slice(0, colon) : target
  into[ATTR.serverAddress] = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  const port = colon > 0 ? Number(target.slice(colon + 1)) : NaN
  if (Number.isInteger(port)) into[ATTR.serverPort] = port
}

/** `error.type`: the library's error code, or the class name of anything else. */
function errorType(error: unknown): string {
  if (error instanceof OjaiError) return error.code
  if (error instanceof Error) return error.name
  return '_OTHER'
}

function recordError(span: Span, attributes: Attributes, error: unknown): void {
  attributes[ATTR.errorType] = errorType(error)
  if (error instanceof OjaiError) attributes[ATTR.dbResponseStatusCode] = error.code
  span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) })
}

/**
 * Starts turning every FailoverStore's operations into OpenTelemetry spans and metrics (see the
 * README, "Observability with OpenTelemetry", for the span tree, attributes and metrics):
 *
 * ```ts
 * import { enableOpenTelemetry } from 'ojai-failover/otel'
 * const otel = enableOpenTelemetry()          // the global providers, as set by the OTel SDK
 * // … operations of any FailoverStore are traced …
 * otel.disable()
 * ```
 *
 * - one span per operation (`findById /apps/users`, kind CLIENT), parented by the caller's active
 *   context when the operation is subscribed;
 * - one child span per attempt (`attempt cluster1`), with its cluster, kind and outcome;
 * - span events on the operation for the client's stalls, for suspicion of a cluster it waits on,
 *   and for switches of the active cluster while it runs;
 * - health probes get no spans (they run in the background, one root trace each would be noise):
 *   they are counted in `ojai.client.probes`.
 *
 * Call it once per process (each call adds its own listeners). Stores created before or after
 * the call are traced alike, from their next operation on.
 * @category OpenTelemetry
 */
export function enableOpenTelemetry(options: OpenTelemetryOptions = {}): OpenTelemetryInstrumentation {
  return new Instrumentation(checked(options))
}

const OPTION_KEYS = ['tracerProvider', 'meterProvider', 'propagateTraceContext', 'propagator']

/** The options, or an InvalidOptionsError saying what to fix (before anything subscribes). */
function checked(options: OpenTelemetryOptions): OpenTelemetryOptions {
  const fail = (message: string): never => {
    throw new InvalidOptionsError(`enableOpenTelemetry: ${message}`)
  }
  if (options === null || typeof options !== 'object') fail(`options must be an object, got ${options === null ? 'null' : typeof options}`)
  for (const key of Object.keys(options))
    if (!OPTION_KEYS.includes(key)) fail(`unknown option ${JSON.stringify(key)}${didYouMean(key, OPTION_KEYS)}`)
  const needs = (key: keyof OpenTelemetryOptions, method: string, what: string): void => {
    const value = options[key] as Record<string, unknown> | undefined
    if (value !== undefined && typeof value?.[method] !== 'function')
      fail(`${key} must be ${what} (with ${method}()), got ${value === null ? 'null' : typeof value}`)
  }
  needs('tracerProvider', 'getTracer', 'a TracerProvider')
  needs('meterProvider', 'getMeter', 'a MeterProvider')
  needs('propagator', 'inject', 'a TextMapPropagator')
  if (options.propagateTraceContext !== undefined && typeof options.propagateTraceContext !== 'boolean')
    fail(`propagateTraceContext must be true or false, got ${typeof options.propagateTraceContext}`)
  return options
}

class Instrumentation implements OpenTelemetryInstrumentation {
  private readonly tracer: Tracer
  private readonly instruments: Instruments
  private readonly operations = new WeakMap<OperationRecord, OperationState>()
  private readonly attempts = new WeakMap<AttemptRecord, AttemptState>()
  private readonly stores = new Map<FailoverStoreInfo, StoreState>()
  private readonly propagator: TextMapPropagator | undefined
  /** The attempt whose store call is being started right now (its gRPC call picks up its context). */
  private starting: AttemptState | null = null
  private readonly handlers: [string, (message: unknown) => void][]
  private disabled = false

  constructor(options: OpenTelemetryOptions) {
    const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }
    this.tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE_NAME, version)
    const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE_NAME, version)
    const duration = { unit: 's', advice: { explicitBucketBoundaries: [...DURATION_BOUNDARIES] } }
    this.instruments = {
      operationDuration: meter.createHistogram(METRIC.operationDuration, {
        description: 'Duration of FailoverStore operations, from subscribe to their end, failovers included.',
        ...duration,
      }),
      attemptDuration: meter.createHistogram(METRIC.attemptDuration, {
        description: 'Duration of one attempt of an operation on one cluster.',
        ...duration,
      }),
      inFlight: meter.createUpDownCounter(METRIC.inFlight, {
        description: 'Operations subscribed and not yet ended.',
        unit: '{operation}',
      }),
      failovers: meter.createCounter(METRIC.failovers, {
        description: 'Switches of the active cluster away from a failing one.',
        unit: '{switch}',
      }),
      failbacks: meter.createCounter(METRIC.failbacks, {
        description: 'Switches of the active cluster back to one of higher priority.',
        unit: '{switch}',
      }),
      hedges: meter.createCounter(METRIC.hedges, {
        description: 'Hedge attempts started (a read also sent to a second cluster).',
        unit: '{attempt}',
      }),
      retries: meter.createCounter(METRIC.retries, {
        description: 'Attempts that moved an operation to another cluster (failover) or tried one again (retry).',
        unit: '{attempt}',
      }),
      unsettledWrites: meter.createCounter(METRIC.unsettledWrites, {
        description: 'Writes that ended with UnsettledWriteError.',
        unit: '{operation}',
      }),
      possiblyStaleReads: meter.createCounter(METRIC.possiblyStaleReads, {
        description:
          'Reads of a document this store just wrote, answered by a cluster other than the one that acknowledged the write (which was down): the answer may predate the write.',
        unit: '{operation}',
      }),
      probes: meter.createCounter(METRIC.probes, { description: 'Health probes of clusters, by outcome.', unit: '{probe}' }),
      stallDuration: meter.createHistogram(METRIC.stallDuration, {
        description: "Stalls of the client's own process, as a store's clock saw them.",
        unit: 's',
        advice: { explicitBucketBoundaries: [...STALL_BOUNDARIES] },
      }),
    }
    const health = meter.createObservableGauge(METRIC.clusterHealth, {
      description: "1 for each cluster's current health state (up, silent, suspect, down), 0 for the others.",
      unit: '1',
    })
    const active = meter.createObservableGauge(METRIC.clusterActive, {
      description: '1 for the active cluster of each store, 0 for the others.',
      unit: '1',
    })
    meter.addBatchObservableCallback(
      (result) => {
        for (const store of this.stores.values()) {
          for (const h of store.health) {
            for (const state of HEALTH_STATES)
              result.observe(health, h.state === state ? 1 : 0, {
                [ATTR.dbCollectionName]: store.info.path,
                [ATTR.cluster]: h.name,
                [ATTR.clusterState]: state,
              })
            result.observe(active, h.name === store.active ? 1 : 0, { [ATTR.dbCollectionName]: store.info.path, [ATTR.cluster]: h.name })
          }
        }
      },
      [health, active],
    )
    this.propagator = options.propagateTraceContext === true ? (options.propagator ?? propagation) : undefined
    this.handlers = [
      [CHANNELS.operationStart, (m) => this.operationStarted(m as OperationRecord)],
      [CHANNELS.operationEnd, (m) => this.operationEnded(m as OperationRecord)],
      [CHANNELS.attemptStart, (m) => this.attemptStarted(m as AttemptRecord)],
      [CHANNELS.attemptEnd, (m) => this.attemptEnded(m as AttemptRecord)],
      [CHANNELS.attemptSettle, (m) => this.attemptSettled(m as AttemptRecord)],
    ]
    if (this.propagator !== undefined) this.handlers.push([REQUEST_CHANNEL, (m) => this.request(m as GrpcRequestMessage)])
    for (const [name, handler] of this.handlers) subscribe(name, handler)
  }

  disable(): void {
    if (this.disabled) return
    this.disabled = true
    for (const [name, handler] of this.handlers) unsubscribe(name, handler)
    for (const store of this.stores.values()) for (const s of store.subscriptions) s.unsubscribe()
    this.stores.clear()
  }

  private store(info: FailoverStoreInfo): StoreState {
    let store = this.stores.get(info)
    if (store !== undefined) return store
    const scheduler = info.scheduler
    store = {
      info,
      inFlight: new Set(),
      health: [],
      active: '',
      subscriptions: [],
      // The real clock, read with sub-millisecond precision; a virtual one (TestScheduler) as it is.
      now: Math.abs(scheduler.now() - Date.now()) < 1000 ? realNow : () => scheduler.now(),
    }
    const s = store
    this.stores.set(info, s)
    const forget = (): void => {
      this.stores.delete(info)
      for (const sub of s.subscriptions) sub.unsubscribe()
    }
    s.subscriptions.push(
      info.health$.subscribe({ next: (view) => this.healthChanged(s, view), complete: forget }),
      info.cluster$.subscribe((status) => (s.active = status.name)),
      info.events$.subscribe((event) => this.event(s, event)),
    )
    return s
  }

  private operationStarted(record: OperationRecord): void {
    const store = this.store(record.store)
    const startedAt = store.now()
    const parent = context.active()
    const attributes: Attributes = {
      [ATTR.dbSystemName]: DB_SYSTEM_NAME,
      [ATTR.dbCollectionName]: record.store.path,
      [ATTR.dbOperationName]: record.operation,
      [ATTR.strategy]: record.strategy,
    }
    const span = this.tracer.startSpan(
      `${record.operation} ${record.store.path}`,
      { kind: SpanKind.CLIENT, attributes, startTime: hrTime(startedAt) },
      parent,
    )
    const state: OperationState = { record, store, span, context: trace.setSpan(parent, span), startedAt, running: new Set() }
    this.operations.set(record, state)
    store.inFlight.add(state)
    this.instruments.inFlight.add(1, this.operationAttributes(record))
  }

  private operationAttributes(record: OperationRecord): Attributes {
    return { [ATTR.dbSystemName]: DB_SYSTEM_NAME, [ATTR.dbCollectionName]: record.store.path, [ATTR.dbOperationName]: record.operation }
  }

  private operationEnded(record: OperationRecord): void {
    const state = this.operations.get(record)
    if (state === undefined) return
    this.operations.delete(record)
    state.store.inFlight.delete(state)
    const endedAt = state.store.now()
    const clusters = record.store.clusters
    const span = state.span
    const attributes: Attributes = {
      [ATTR.attempts]: record.attempts,
      [ATTR.clustersContacted]: record.contacted.map((c) => clusters[c]?.name ?? String(c)),
      [ATTR.operationOutcome]: record.outcome,
    }
    if (record.operation === 'find') attributes[ATTR.dbResponseReturnedRows] = record.delivered
    const metric = this.operationAttributes(record)
    const answered = clusters[record.answeredOn]
    const last = clusters[record.contacted[record.contacted.length - 1] ?? -1]
    const cluster = answered ?? last
    if (answered !== undefined) {
      attributes[ATTR.cluster] = answered.name
      serverAttributes(answered.target, attributes)
    }
    if (cluster !== undefined) metric[ATTR.cluster] = cluster.name
    if (record.outcome === 'error') {
      recordError(span, attributes, record.error)
      metric[ATTR.errorType] = attributes[ATTR.errorType]
      if (record.error instanceof OjaiError && record.error.code === 'UNSETTLED_WRITE')
        this.instruments.unsettledWrites.add(1, this.operationAttributes(record))
    }
    span.setAttributes(attributes)
    span.end(hrTime(endedAt))
    this.instruments.inFlight.add(-1, this.operationAttributes(record))
    this.instruments.operationDuration.record((endedAt - state.startedAt) / 1000, metric)
  }

  private attemptStarted(record: AttemptRecord): void {
    const op = this.operations.get(record.operation)
    if (op === undefined) return
    const startedAt = op.store.now()
    const cluster = record.operation.store.clusters[record.cluster]
    const name = cluster?.name ?? String(record.cluster)
    const attributes: Attributes = {
      [ATTR.dbSystemName]: DB_SYSTEM_NAME,
      [ATTR.dbCollectionName]: record.operation.store.path,
      [ATTR.dbOperationName]: record.operation.operation,
      [ATTR.cluster]: name,
      [ATTR.attemptKind]: record.kind,
      [ATTR.attemptNumber]: record.number,
    }
    serverAttributes(cluster?.target, attributes)
    if (record.resumedAfter !== undefined) attributes[ATTR.resumedAfter] = record.resumedAfter
    const span = this.tracer.startSpan(`attempt ${name}`, { kind: SpanKind.CLIENT, attributes, startTime: hrTime(startedAt) }, op.context)
    const metric: Attributes = {
      [ATTR.dbCollectionName]: record.operation.store.path,
      [ATTR.cluster]: name,
      [ATTR.attemptKind]: record.kind,
    }
    const state: AttemptState = { record, span, context: trace.setSpan(op.context, span), startedAt, attributes: metric }
    this.attempts.set(record, state)
    op.running.add(state)
    if (record.kind === 'hedge') this.instruments.hedges.add(1, metric)
    else if (record.kind !== 'first') this.instruments.retries.add(1, metric)
    this.starting = state
  }

  private attemptEnded(record: AttemptRecord): void {
    const state = this.attempts.get(record)
    if (state === undefined) return
    if (this.starting === state) this.starting = null
    this.operations.get(record.operation)?.running.delete(state)
    const attributes: Attributes = { [ATTR.attemptOutcome]: record.outcome }
    if (record.error !== undefined) recordError(state.span, attributes, record.error)
    state.span.setAttributes(attributes)
    if (record.outcome !== 'left-running') this.endAttempt(state)
  }

  private attemptSettled(record: AttemptRecord): void {
    const state = this.attempts.get(record)
    if (state === undefined || record.settled === undefined) return
    state.span.setAttribute(ATTR.attemptSettled, record.settled)
    this.endAttempt(state)
  }

  private endAttempt(state: AttemptState): void {
    const record = state.record
    this.attempts.delete(record)
    const store = this.stores.get(record.operation.store)
    const endedAt = store === undefined ? realNow() : store.now()
    state.span.end(hrTime(endedAt))
    this.instruments.attemptDuration.record((endedAt - state.startedAt) / 1000, {
      ...state.attributes,
      [ATTR.attemptOutcome]: record.outcome,
    })
  }

  /** The driver is starting a gRPC call: give it the trace context of the attempt that made it. */
  private request(message: GrpcRequestMessage): void {
    const attempt = this.starting
    this.starting = null
    this.propagator?.inject(attempt?.context ?? context.active(), message.headers, {
      set: (carrier, key, value) => {
        carrier[key] = value
      },
    })
  }

  private healthChanged(store: StoreState, view: readonly ClusterHealth[]): void {
    const before = store.health
    store.health = view
    if (before.length === 0) return
    for (let c = 0; c < view.length; c++) {
      const h = view[c] as ClusterHealth
      if (h.state === 'up' || before[c]?.state === h.state) continue
      const at = hrTime(store.now())
      for (const op of store.inFlight) {
        if (op.record.contacted.includes(c))
          op.span.addEvent(SPAN_EVENT.suspicion, { [ATTR.cluster]: h.name, [ATTR.clusterState]: h.state, [ATTR.reason]: h.why }, at)
      }
    }
  }

  private event(store: StoreState, event: FailoverStoreEvent): void {
    const path = store.info.path
    switch (event.type) {
      case 'stall': {
        this.instruments.stallDuration.record(event.stalledMs / 1000, { [ATTR.dbCollectionName]: path })
        const at = hrTime(store.now())
        for (const op of store.inFlight) op.span.addEvent(SPAN_EVENT.stall, { [ATTR.stallMs]: event.stalledMs }, at)
        return
      }
      case 'failover':
      case 'failback':
      case 'pinned':
      case 'drained': {
        const attributes: Attributes = { [ATTR.switchKind]: event.type, [ATTR.switchFrom]: event.cluster, [ATTR.switchTo]: event.to }
        if (event.type === 'failover') attributes[ATTR.reason] = event.reason
        if (event.type === 'failover' || event.type === 'failback') {
          const counter = event.type === 'failover' ? this.instruments.failovers : this.instruments.failbacks
          counter.add(1, { [ATTR.dbCollectionName]: path, [ATTR.switchFrom]: event.cluster, [ATTR.switchTo]: event.to })
        }
        if (event.cluster === event.to) return
        const at = hrTime(store.now())
        for (const op of store.inFlight) op.span.addEvent(SPAN_EVENT.switch, attributes, at)
        return
      }
      case 'possibly-stale':
        this.instruments.possiblyStaleReads.add(1, {
          [ATTR.dbCollectionName]: path,
          [ATTR.cluster]: event.cluster,
          [ATTR.acknowledgedBy]: event.acknowledgedBy,
        })
        return
      case 'probe-ok':
      case 'probe-failed':
        this.instruments.probes.add(1, {
          [ATTR.dbCollectionName]: path,
          [ATTR.cluster]: event.cluster,
          [ATTR.probeOutcome]: event.type === 'probe-ok' ? 'ok' : 'failed',
        })
        return
      default:
        return
    }
  }
}
