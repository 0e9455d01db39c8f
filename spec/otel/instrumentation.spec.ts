/**
 * ojai-failover/otel with the real OpenTelemetry SDK (in-memory span exporter, a metric reader
 * collected on demand) over fake stores in virtual time: each case gives exactly the expected span
 * tree (names, times, attributes, events), and the metric points it adds.
 */
import { channel } from 'node:diagnostics_channel'
import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api'
import { asyncScheduler, toArray } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest'
import { CHANNELS } from '../../lib/failover/diagnostics.js'
import {
  DocumentExistsError,
  InvalidOptionsError,
  UnavailableError,
  type FailoverStore,
  type FailoverStoreOptions,
} from '../../lib/index.js'
import { DURATION_BOUNDARIES, enableOpenTelemetry, STALL_BOUNDARIES, type OpenTelemetryOptions } from '../../lib/otel/index.js'
import { fakeStore, marble, testFailoverStore, type FakeScript } from '../../lib/testing/index.js'
import { marbles as stallMarbles } from '../failover/stall-scheduler.js'
import { telemetry, useContextManager, type SpanNode, type Telemetry } from './telemetry.js'

const PATH = '/apps/users'
const ada = { _id: 'u1', name: 'Ada' }
const OK = { code: SpanStatusCode.UNSET }
const CLIENT = SpanKind.CLIENT

let t: Telemetry | undefined
let stopContext: () => void

beforeAll(() => {
  stopContext = useContextManager()
})
afterAll(() => stopContext())
afterEach(async () => {
  await t?.close()
})

/** Two fake clusters in virtual time; `body` runs inside the scheduler and flushes at the end. */
function virtual(primary: FakeScript, secondary: FakeScript, options: FailoverStoreOptions, body: (store: FailoverStore) => void): void {
  new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ flush }) => {
    const store = testFailoverStore(
      { primary: fakeStore({ path: PATH, ...primary }), secondary: fakeStore({ path: PATH, ...secondary }) },
      options,
    )
    body(store)
    flush()
  })
}

/** Runs `fn` at virtual time `at` (inside TestScheduler.run, the asyncScheduler is virtual). */
const asyncSchedulerAt = (at: number, fn: () => void) => asyncScheduler.schedule(fn, at)

const db = (operation: string): Attributes => ({
  'db.system.name': 'hpe.maprdb',
  'db.collection.name': PATH,
  'db.operation.name': operation,
})

function operationSpan(
  operation: string,
  start: number,
  end: number,
  attributes: Attributes,
  children: SpanNode[],
  events: SpanNode['events'] = [],
  status: SpanNode['status'] = OK,
): SpanNode {
  return {
    name: `${operation} ${PATH}`,
    kind: CLIENT,
    start,
    end,
    status,
    attributes: { ...db(operation), 'ojai.failover.strategy': 'failover', ...attributes },
    events,
    children,
  }
}

function attemptSpan(
  operation: string,
  cluster: string,
  kind: string,
  number: number,
  start: number,
  end: number,
  attributes: Attributes,
  status: SpanNode['status'] = OK,
): SpanNode {
  return {
    name: `attempt ${cluster}`,
    kind: CLIENT,
    start,
    end,
    status,
    attributes: { ...db(operation), 'ojai.cluster.name': cluster, 'ojai.attempt.kind': kind, 'ojai.attempt.number': number, ...attributes },
    events: [],
    children: [],
  }
}

/** A histogram point: one value `seconds`, in the bucket the documented boundaries give it. */
function one(seconds: number, boundaries: readonly number[] = DURATION_BOUNDARIES): { count: number; sum: number; buckets: number[] } {
  const buckets: number[] = Array.from({ length: boundaries.length + 1 }, () => 0)
  const i = boundaries.findIndex((b) => seconds <= b)
  buckets[i < 0 ? boundaries.length : i] = 1
  return { count: 1, sum: seconds, buckets }
}

const inFlightZero = (operation: string) => ({ name: 'ojai.client.operations.in_flight', attributes: db(operation), value: 0 })
const attemptPoint = (cluster: string, kind: string, outcome: string, seconds: number) => ({
  name: 'ojai.client.attempt.duration',
  attributes: { 'db.collection.name': PATH, 'ojai.cluster.name': cluster, 'ojai.attempt.kind': kind, 'ojai.attempt.outcome': outcome },
  value: one(seconds),
})
const operationPoint = (operation: string, cluster: string, seconds: number, errorType?: string) => ({
  name: 'db.client.operation.duration',
  attributes: { ...db(operation), 'ojai.cluster.name': cluster, ...(errorType === undefined ? {} : { 'error.type': errorType }) },
  value: one(seconds),
})
const SPAN_METRICS = [
  'db.client.operation.duration',
  'ojai.client.attempt.duration',
  'ojai.client.operations.in_flight',
  'ojai.client.failovers',
  'ojai.client.hedges',
  'ojai.client.retries',
  'ojai.client.unsettled_writes',
]

describe('enableOpenTelemetry options', () => {
  it('bad options are refused with InvalidOptionsError saying what to fix, before anything subscribes', () => {
    const bad: [unknown, RegExp][] = [
      [null, /options must be an object, got null/],
      [{ propagateTraceContexts: true }, /unknown option "propagateTraceContexts".*propagateTraceContext/],
      [{ tracerProvider: {} }, /tracerProvider must be a TracerProvider \(with getTracer\(\)\)/],
      [{ meterProvider: 3 }, /meterProvider must be a MeterProvider/],
      [{ propagator: 'w3c' }, /propagator must be a TextMapPropagator/],
      [{ propagateTraceContext: 'yes' }, /propagateTraceContext must be true or false, got string/],
    ]
    for (const [options, message] of bad) {
      expect(() => enableOpenTelemetry(options as OpenTelemetryOptions)).toThrow(InvalidOptionsError)
      expect(() => enableOpenTelemetry(options as OpenTelemetryOptions)).toThrow(message)
    }
    for (const name of Object.values(CHANNELS)) expect(channel(name).hasSubscribers).toBe(false)
  })
})

describe('ojai-failover/otel over fake stores in virtual time', () => {
  it('a plain read: one operation span, one attempt; cluster health and the active cluster as gauges', async () => {
    t = telemetry()
    virtual({ findById: marble('---(a|)', { a: ada }) }, {}, {}, (store) => store.findById('u1').subscribe())
    expect(t.spans()).toEqual([
      operationSpan(
        'findById',
        0,
        3,
        { 'ojai.attempts': 1, 'ojai.clusters_contacted': ['primary'], 'ojai.operation.outcome': 'ok', 'ojai.cluster.name': 'primary' },
        [attemptSpan('findById', 'primary', 'first', 1, 0, 3, { 'ojai.attempt.outcome': 'answered' })],
      ),
    ])
    expect(await t.points(...SPAN_METRICS)).toEqual([
      operationPoint('findById', 'primary', 0.003),
      attemptPoint('primary', 'first', 'answered', 0.003),
      inFlightZero('findById'),
    ])
    const gauge = (cluster: string, state: string, value: number) => ({
      name: 'ojai.client.cluster.health',
      attributes: { 'db.collection.name': PATH, 'ojai.cluster.name': cluster, 'ojai.cluster.state': state },
      value,
    })
    const active = (cluster: string, value: number) => ({
      name: 'ojai.client.cluster.active',
      attributes: { 'db.collection.name': PATH, 'ojai.cluster.name': cluster },
      value,
    })
    expect(await t.points('ojai.client.cluster.health', 'ojai.client.cluster.active')).toEqual([
      active('primary', 1),
      active('secondary', 0),
      gauge('primary', 'down', 0),
      gauge('primary', 'silent', 0),
      gauge('primary', 'suspect', 0),
      gauge('primary', 'up', 1),
      gauge('secondary', 'down', 0),
      gauge('secondary', 'silent', 0),
      gauge('secondary', 'suspect', 0),
      gauge('secondary', 'up', 1),
    ])
    expect(await t.boundaries('db.client.operation.duration')).toEqual(DURATION_BOUNDARIES)
  })

  it("a failover after a timeout, under the caller's span: suspicion and switch events, a timed-out attempt and a failover attempt", async () => {
    t = telemetry()
    const caller = t.tracerProvider.getTracer('app').startSpan('GET /users/u1', { startTime: [0, 0] })
    virtual({ findById: '-' }, { findById: marble('--(a|)', { a: ada }) }, {}, (store) => {
      context.with(trace.setSpan(context.active(), caller), () => store.findById('u1').subscribe())
    })
    caller.end([0, 600_000_000])
    const [root] = t.spans()
    expect(root?.name).toBe('GET /users/u1')
    expect(root?.children).toEqual([
      operationSpan(
        'findById',
        0,
        502,
        {
          'ojai.attempts': 2,
          'ojai.clusters_contacted': ['primary', 'secondary'],
          'ojai.operation.outcome': 'ok',
          'ojai.cluster.name': 'secondary',
        },
        [
          attemptSpan(
            'findById',
            'primary',
            'first',
            1,
            0,
            500,
            { 'ojai.attempt.outcome': 'timed-out', 'error.type': 'TIMEOUT', 'db.response.status_code': 'TIMEOUT' },
            { code: SpanStatusCode.ERROR, message: 'findById on primary: no answer within 500 ms' },
          ),
          attemptSpan('findById', 'secondary', 'failover', 2, 500, 502, { 'ojai.attempt.outcome': 'answered' }),
        ],
        [
          {
            name: 'ojai.suspicion',
            at: 500,
            attributes: { 'ojai.cluster.name': 'primary', 'ojai.cluster.state': 'suspect', 'ojai.reason': 'TIMEOUT' },
          },
          {
            name: 'ojai.switch',
            at: 500,
            attributes: {
              'ojai.switch.kind': 'failover',
              'ojai.switch.from': 'primary',
              'ojai.switch.to': 'secondary',
              'ojai.reason': 'TIMEOUT',
            },
          },
        ],
      ),
    ])
    expect(await t.points(...SPAN_METRICS)).toEqual([
      operationPoint('findById', 'secondary', 0.502),
      attemptPoint('primary', 'first', 'timed-out', 0.5),
      attemptPoint('secondary', 'failover', 'answered', 0.002),
      {
        name: 'ojai.client.failovers',
        attributes: { 'db.collection.name': PATH, 'ojai.switch.from': 'primary', 'ojai.switch.to': 'secondary' },
        value: 1,
      },
      inFlightZero('findById'),
      {
        name: 'ojai.client.retries',
        attributes: { 'db.collection.name': PATH, 'ojai.cluster.name': 'secondary', 'ojai.attempt.kind': 'failover' },
        value: 1,
      },
    ])
  })

  it('a hedged read won by the second cluster: the first attempt cancelled, the hedge answered', async () => {
    t = telemetry()
    virtual({ findById: '-' }, { findById: marble('--(a|)', { a: ada }) }, { hedge: { delayMs: 100 } }, (store) =>
      store.findById('u1').subscribe(),
    )
    expect(t.spans()).toEqual([
      operationSpan(
        'findById',
        0,
        102,
        {
          'ojai.attempts': 2,
          'ojai.clusters_contacted': ['primary', 'secondary'],
          'ojai.operation.outcome': 'ok',
          'ojai.cluster.name': 'secondary',
        },
        [
          attemptSpan('findById', 'primary', 'first', 1, 0, 102, { 'ojai.attempt.outcome': 'cancelled' }),
          attemptSpan('findById', 'secondary', 'hedge', 2, 100, 102, { 'ojai.attempt.outcome': 'answered' }),
        ],
      ),
    ])
    expect(await t.points(...SPAN_METRICS)).toEqual([
      operationPoint('findById', 'secondary', 0.102),
      attemptPoint('primary', 'first', 'cancelled', 0.102),
      attemptPoint('secondary', 'hedge', 'answered', 0.002),
      {
        name: 'ojai.client.hedges',
        attributes: { 'db.collection.name': PATH, 'ojai.cluster.name': 'secondary', 'ojai.attempt.kind': 'hedge' },
        value: 1,
      },
      inFlightZero('findById'),
    ])
  })

  it('a find resumed mid-stream on the other cluster: the resume point on the failover attempt, every document counted', async () => {
    t = telemetry()
    const docs: unknown[] = []
    const a = { _id: 'a' }
    const b = { _id: 'b' }
    const c = { _id: 'c' }
    virtual({ find: marble('a-b-#', { a, b }) }, { find: marble('-c|', { c }) }, {}, (store) =>
      store
        .find()
        .pipe(toArray())
        .subscribe((all) => docs.push(...all)),
    )
    expect(docs).toEqual([a, b, c])
    expect(t.spans()).toEqual([
      operationSpan(
        'find',
        0,
        6,
        {
          'ojai.attempts': 2,
          'ojai.clusters_contacted': ['primary', 'secondary'],
          'ojai.operation.outcome': 'ok',
          'ojai.cluster.name': 'secondary',
          'db.response.returned_rows': 3,
        },
        [
          attemptSpan(
            'find',
            'primary',
            'first',
            1,
            0,
            4,
            { 'ojai.attempt.outcome': 'unknown', 'error.type': 'UNAVAILABLE', 'db.response.status_code': 'UNAVAILABLE' },
            { code: SpanStatusCode.ERROR, message: expect.any(String) as string },
          ),
          attemptSpan('find', 'secondary', 'failover', 2, 4, 6, { 'ojai.attempt.outcome': 'answered', 'ojai.find.resumed_after': 2 }),
        ],
        [
          {
            name: 'ojai.suspicion',
            at: 4,
            attributes: { 'ojai.cluster.name': 'primary', 'ojai.cluster.state': 'down', 'ojai.reason': 'UNAVAILABLE' },
          },
          {
            name: 'ojai.switch',
            at: 4,
            attributes: {
              'ojai.switch.kind': 'failover',
              'ojai.switch.from': 'primary',
              'ojai.switch.to': 'secondary',
              'ojai.reason': 'UNAVAILABLE',
            },
          },
        ],
      ),
    ])
    expect(await t.points('db.client.operation.duration', 'ojai.client.attempt.duration')).toEqual([
      operationPoint('find', 'secondary', 0.006),
      attemptPoint('primary', 'first', 'unknown', 0.004),
      attemptPoint('secondary', 'failover', 'answered', 0.002),
    ])
  })

  it('a write left running to settle that never answers: the attempt span stays open until the write ends unsettled (settleMs after the answer)', async () => {
    t = telemetry()
    const errors: unknown[] = []
    virtual({ insertOrReplace: '-' }, { insertOrReplace: '-(x|)' }, {}, (store) =>
      store.insertOrReplace({ _id: 'u1', name: 'Ada' }).subscribe({ error: (e: unknown) => errors.push(e) }),
    )
    expect(errors).toHaveLength(1)
    const message = (errors[0] as Error).message
    expect(t.spans()).toEqual([
      operationSpan(
        'insertOrReplace',
        0,
        5501,
        {
          'ojai.attempts': 2,
          'ojai.clusters_contacted': ['primary', 'secondary'],
          'ojai.operation.outcome': 'error',
          'ojai.cluster.name': 'secondary',
          'error.type': 'UNSETTLED_WRITE',
          'db.response.status_code': 'UNSETTLED_WRITE',
        },
        [
          attemptSpan(
            'insertOrReplace',
            'primary',
            'first',
            1,
            0,
            5501,
            {
              'ojai.attempt.outcome': 'left-running',
              'ojai.attempt.settled': 'cancelled',
              'error.type': 'TIMEOUT',
              'db.response.status_code': 'TIMEOUT',
            },
            { code: SpanStatusCode.ERROR, message: 'insertOrReplace on primary: no answer within 500 ms' },
          ),
          attemptSpan('insertOrReplace', 'secondary', 'failover', 2, 500, 501, { 'ojai.attempt.outcome': 'answered' }),
        ],
        [
          {
            name: 'ojai.suspicion',
            at: 500,
            attributes: { 'ojai.cluster.name': 'primary', 'ojai.cluster.state': 'suspect', 'ojai.reason': 'TIMEOUT' },
          },
          {
            name: 'ojai.switch',
            at: 500,
            attributes: {
              'ojai.switch.kind': 'failover',
              'ojai.switch.from': 'primary',
              'ojai.switch.to': 'secondary',
              'ojai.reason': 'TIMEOUT',
            },
          },
        ],
        { code: SpanStatusCode.ERROR, message },
      ),
    ])
    const points = await t.points('ojai.client.unsettled_writes', 'ojai.client.attempt.duration', 'db.client.operation.duration')
    expect(points).toEqual([
      operationPoint('insertOrReplace', 'secondary', 5.501, 'UNSETTLED_WRITE'),
      attemptPoint('primary', 'first', 'left-running', 5.501),
      attemptPoint('secondary', 'failover', 'answered', 0.001),
      { name: 'ojai.client.unsettled_writes', attributes: db('insertOrReplace'), value: 1 },
    ])
  })

  it('a write left running that answers later: acknowledged then, its attempt settled as answered', async () => {
    t = telemetry()
    virtual({ insertOrReplace: '800ms (x|)' }, { insertOrReplace: '-(x|)' }, {}, (store) =>
      store.insertOrReplace({ _id: 'u1', name: 'Ada' }).subscribe(),
    )
    const [op] = t.spans()
    expect(op).toMatchObject({ start: 0, end: 800, status: OK, attributes: { 'ojai.operation.outcome': 'ok' } })
    expect(
      op?.children.map((a) => [a.name, a.start, a.end, a.attributes['ojai.attempt.outcome'], a.attributes['ojai.attempt.settled']]),
    ).toEqual([
      ['attempt primary', 0, 800, 'left-running', 'answered'],
      ['attempt secondary', 500, 501, 'answered', undefined],
    ])
    expect(await t.points('ojai.client.unsettled_writes')).toEqual([])
  })

  it('a semantic error: an answer, not a fault; one attempt, no failover, the OJAI error code on both spans', async () => {
    t = telemetry()
    const exists = new DocumentExistsError('u1 exists')
    virtual({ insert: marble('-#', {}, exists) }, { insert: '-(x|)' }, {}, (store) =>
      store.insert({ _id: 'u1', name: 'Ada' }).subscribe({ error: () => undefined }),
    )
    const failed = { code: SpanStatusCode.ERROR, message: 'u1 exists' }
    const code = { 'error.type': 'DOCUMENT_EXISTS', 'db.response.status_code': 'DOCUMENT_EXISTS' }
    expect(t.spans()).toEqual([
      {
        ...operationSpan(
          'insert',
          0,
          1,
          {
            'ojai.attempts': 1,
            'ojai.clusters_contacted': ['primary'],
            'ojai.operation.outcome': 'error',
            'ojai.cluster.name': 'primary',
            ...code,
          },
          [attemptSpan('insert', 'primary', 'first', 1, 0, 1, { 'ojai.attempt.outcome': 'answered', ...code }, failed)],
          [],
          failed,
        ),
        attributes: {
          ...db('insert'),
          'ojai.failover.strategy': 'failover-if-unsent',
          'ojai.attempts': 1,
          'ojai.clusters_contacted': ['primary'],
          'ojai.operation.outcome': 'error',
          'ojai.cluster.name': 'primary',
          ...code,
        },
      },
    ])
    expect(await t.points(...SPAN_METRICS)).toEqual([
      operationPoint('insert', 'primary', 0.001, 'DOCUMENT_EXISTS'),
      attemptPoint('primary', 'first', 'answered', 0.001),
      inFlightZero('insert'),
    ])
  })

  it('a read of a document this store just wrote, answered elsewhere because the cluster that acknowledged it failed: the possibly-stale counter', async () => {
    t = telemetry()
    const reset = new UnavailableError('connection refused', { unsent: true })
    virtual(
      { insertOrReplace: '(x|)', findById: marble('#', {}, reset) },
      { findById: marble('-(a|)', { a: { _id: 'u1', name: 'Ada' } }) },
      {},
      (store) => {
        store.insertOrReplace({ _id: 'u1', name: 'Ada' }).subscribe()
        asyncSchedulerAt(5, () => store.findById('u1').subscribe())
      },
    )
    expect(await t.points('ojai.client.possibly_stale_reads')).toEqual([
      {
        name: 'ojai.client.possibly_stale_reads',
        attributes: { 'db.collection.name': PATH, 'ojai.cluster.name': 'secondary', 'ojai.write.acknowledged_by': 'primary' },
        value: 1,
      },
    ])
  })

  it('a gave-up operation: the primary failed, was retried once (same cluster) and the secondary failed too: FailoverError on the operation span', async () => {
    t = telemetry()
    virtual({ findById: '-#' }, { findById: '-#' }, {}, (store) => store.findById('u1').subscribe({ error: () => undefined }))
    const [op] = t.spans()
    expect(op?.attributes).toEqual({
      ...db('findById'),
      'ojai.failover.strategy': 'failover',
      'ojai.attempts': 3,
      'ojai.clusters_contacted': ['primary', 'secondary'],
      'ojai.operation.outcome': 'error',
      'error.type': 'FAILOVER',
      'db.response.status_code': 'FAILOVER',
    })
    expect([op?.start, op?.end, op?.status.code]).toEqual([0, 3, SpanStatusCode.ERROR])
    expect(
      op?.children.map((a) => [
        a.name,
        a.attributes['ojai.attempt.kind'],
        a.attributes['ojai.attempt.outcome'],
        a.attributes['error.type'],
        a.start,
        a.end,
      ]),
    ).toEqual([
      ['attempt primary', 'first', 'unknown', 'UNAVAILABLE', 0, 1],
      ['attempt primary', 'retry', 'unknown', 'UNAVAILABLE', 1, 2],
      ['attempt secondary', 'failover', 'unknown', 'UNAVAILABLE', 2, 3],
    ])
    expect(await t.points('db.client.operation.duration')).toEqual([operationPoint('findById', 'secondary', 0.003, 'FAILOVER')])
  })

  it('a stall of the client: a span event on each operation in flight, and the stall histogram', async () => {
    t = telemetry()
    // A 250 ms stall of "this process" from 30 on (the clock jumps; the store's heartbeat sees it late).
    stallMarbles((m) => {
      m.scheduler.stallAt(30, 250)
      const store = testFailoverStore(
        { primary: fakeStore({ path: PATH, findById: '-' }), secondary: fakeStore({ path: PATH, findById: '-' }) },
        { scheduler: m.scheduler, timeoutMs: 400, secondaryTimeoutMs: 400 },
      )
      store.findById('u1').subscribe({ error: () => undefined })
      m.flush()
    })()
    const [op] = t.spans()
    const stalls = op?.events.filter((e) => e.name === 'ojai.stall') ?? []
    expect(stalls).toHaveLength(1)
    const stalledMs = stalls[0]?.attributes['ojai.stall.duration_ms'] as number
    expect(stalledMs).toBeGreaterThanOrEqual(240)
    expect(await t.points('ojai.client.stall.duration')).toEqual([
      { name: 'ojai.client.stall.duration', attributes: { 'db.collection.name': PATH }, value: one(stalledMs / 1000, STALL_BOUNDARIES) },
    ])
    expect(await t.boundaries('ojai.client.stall.duration')).toEqual(STALL_BOUNDARIES)
  })

  it('the caller lets go before the answer: the operation cancelled, its attempt cancelled, no error', async () => {
    t = telemetry()
    new TestScheduler((x, y) => expect(x).toEqual(y)).run(({ flush }) => {
      const store = testFailoverStore({ primary: fakeStore({ path: PATH, findById: '-' }), secondary: fakeStore({ path: PATH }) })
      const subscription = store.findById('u1').subscribe()
      asyncSchedulerAt(100, () => subscription.unsubscribe())
      flush()
    })
    expect(t.spans()).toEqual([
      operationSpan(
        'findById',
        0,
        100,
        { 'ojai.attempts': 1, 'ojai.clusters_contacted': ['primary'], 'ojai.operation.outcome': 'cancelled' },
        [attemptSpan('findById', 'primary', 'first', 1, 0, 100, { 'ojai.attempt.outcome': 'cancelled' })],
      ),
    ])
    expect(await t.points('db.client.operation.duration')).toEqual([{ ...operationPoint('findById', 'primary', 0.1) }])
  })

  it('disabled: nothing listens on the channels any more, and no span is made', async () => {
    t = telemetry()
    t.instrumentation.disable()
    for (const name of Object.values(CHANNELS)) expect(channel(name).hasSubscribers).toBe(false)
    virtual({ findById: marble('-(a|)', { a: ada }) }, {}, {}, (store) => store.findById('u1').subscribe())
    expect(t.spans()).toEqual([])
    expect(await t.points(...SPAN_METRICS)).toEqual([])
  })
})
