/**
 * Property: for every public options type, an options object with one unknown key, or one known
 * key holding a value of the wrong type or out of range, is refused with InvalidOptionsError
 * before anything is sent or started: a real embedded gateway counts no request, fake cluster
 * stores log no call, no socket starts listening, nothing changes state.
 *
 * Each type is described by what each key holds (a kind); a kind gives good values (to surround
 * the bad one with a plausible object) and wrong ones.
 */
import fc from 'fast-check'
import pino from 'pino'
import { asyncScheduler, lastValueFrom, type Observable } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectFailover } from '../../lib/connect-failover.js'
import { connect, type Connection, type DocumentStore } from '../../lib/driver/index.js'
import { FailoverStore } from '../../lib/failover/index.js'
import { GatewayControlClient, startGateway, type OjaiGateway } from '../../lib/gateway/index.js'
import { InvalidOptionsError } from '../../lib/ojai/errors.js'
import { fakeStore, startClusters, type FakeStore } from '../../lib/testing/index.js'
import { rejection, thrown } from '../support/thrown.js'

type Kind = { readonly good: fc.Arbitrary<unknown>; readonly wrong: fc.Arbitrary<unknown> }

const notObjects = [fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 })]
const notNumbers = [fc.string(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 }), fc.array(fc.integer(), { maxLength: 2 })]

/** A time in ms (a deadline, a delay, a grace): never negative, never past 2^31-1, never NaN. */
const ms: Kind = {
  good: fc.integer({ min: 1, max: 10_000 }),
  wrong: fc.oneof(...notNumbers, fc.constantFrom(-1, Number.NaN, 2 ** 31, -Infinity)),
}
/** A count (a burst, a batch size, a limit): a whole number of at least 1. */
const count: Kind = { good: fc.integer({ min: 1, max: 100 }), wrong: fc.oneof(...notNumbers, fc.constantFrom(0, -1, 1.5, Number.NaN)) }
/** A share or a jitter in [0, 1]. */
const unit: Kind = {
  good: fc.double({ min: 0, max: 1, noNaN: true }),
  wrong: fc.oneof(...notNumbers, fc.constantFrom(-0.1, 1.5, Number.NaN)),
}
/** A rate: any number above 0. */
const rate: Kind = { good: fc.integer({ min: 1, max: 100 }), wrong: fc.oneof(...notNumbers, fc.constantFrom(0, -1, Number.NaN)) }
const bool: Kind = { good: fc.boolean(), wrong: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.object({ maxDepth: 1 })) }
const text: Kind = {
  good: fc.string({ minLength: 1, maxLength: 20 }),
  wrong: fc.oneof(fc.constant(''), fc.integer(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 })),
}
const strategy: Kind = {
  good: fc.constantFrom('primary-only', 'current-only', 'failover-if-unsent', 'failover'),
  wrong: fc.oneof(
    fc.string().filter((s) => !['primary-only', 'current-only', 'failover-if-unsent', 'failover'].includes(s)),
    fc.integer(),
    fc.constant(null),
  ),
}
/** A nested options object whose every key is optional. */
const object: Kind = { good: fc.constant({}), wrong: fc.oneof(...notObjects) }
const objectOrFalse: Kind = {
  good: fc.constantFrom({}, false),
  wrong: fc.oneof(fc.string(), fc.integer(), fc.constant(true), fc.constant(null), fc.constant([])),
}
const fn: Kind = { good: fc.constant(() => 0.5), wrong: fc.oneof(...notObjects, fc.object({ maxDepth: 1 })) }
const logger: Kind = { good: fc.constant(pino({ level: 'silent' })), wrong: fc.oneof(...notObjects, fc.constant({})) }
const scheduler: Kind = { good: fc.constant(asyncScheduler), wrong: fc.oneof(...notObjects, fc.constant({ now: () => 0 })) }
const msList: Kind = {
  good: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 3 }),
  wrong: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant([]), fc.constant(['1000'])),
}
const fields: Kind = {
  good: fc.constant(['a', 'b.c']),
  wrong: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(['']), fc.constant([1])),
}
const condition: Kind = { good: fc.constant({}), wrong: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([])) }
const pem: Kind = {
  good: fc.constant('PEM'),
  wrong: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 }), fc.constant([])),
}
const required = (kind: Kind, good: unknown): Kind => ({ good: fc.constant(good), wrong: fc.oneof(kind.wrong, fc.constant({})) })
const auth: Kind = required(object, { user: 'u', password: 'p' })

/** An options object with one thing wrong: an unknown key, or a known key with a wrong value. */
function oneThingWrong(keys: Readonly<Record<string, Kind>>): fc.Arbitrary<{ options: Record<string, unknown>; wrong: string }> {
  const names = Object.keys(keys)
  const base = fc.record(Object.fromEntries(names.map((k) => [k, (keys[k] as Kind).good])), { requiredKeys: [] })
  const unknownKey = fc
    .tuple(
      base,
      fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !names.includes(k) && k !== '__proto__'),
      fc.anything(),
    )
    .map(([b, k, v]) => ({ options: { ...b, [k]: v }, wrong: k }))
  const wrongValue = fc
    .constantFrom(...names)
    .chain((k) => fc.tuple(base, fc.constant(k), (keys[k] as Kind).wrong))
    .map(([b, k, v]) => ({ options: { ...b, [k]: v }, wrong: k }))
  return fc.oneof(unknownKey, wrongValue)
}

const CALL = { timeoutMs: ms, strategy, hedge: bool }
const FIND_BY_ID = { ...CALL, fields, condition }
const FIND = { ...CALL, idleMs: ms, allowRestart: bool }

const FAILOVER_STORE = {
  timeoutMs: ms,
  secondaryTimeoutMs: ms,
  policy: object,
  hold: object,
  failback: objectOrFalse,
  probe: object,
  hedge: objectOrFalse,
  settleMs: ms,
  closeGraceMs: ms,
  lingerMs: ms,
  retrySameCluster: bool,
  silence: objectOrFalse,
  stall: object,
  scheduler,
  logger,
  random: fn,
}
/** Nested FailoverStore options, each checked inside the object it belongs to. */
const FAILOVER_NESTED: readonly [string, (o: unknown) => unknown, Readonly<Record<string, Kind>>][] = [
  ['policy', (o) => ({ policy: o }), { all: strategy, idempotent: strategy, conditional: strategy, 'non-idempotent': strategy }],
  ['hold', (o) => ({ hold: o }), { holdsMs: msList, decayAfterMs: ms, jitter: unit }],
  ['failback', (o) => ({ failback: o }), { rampMs: ms, shares: { good: fc.constant([0.5, 1]), wrong: msList.wrong } }],
  ['probe', (o) => ({ probe: o }), { id: text, timeoutMs: ms, backoff: object }],
  [
    'probe.backoff',
    (o) => ({ probe: { backoff: o } }),
    {
      initialMs: { good: fc.constant(100), wrong: ms.wrong },
      multiplier: { good: fc.constant(2), wrong: fc.oneof(...notNumbers, fc.constantFrom(0, 101, Number.NaN)) },
      maxMs: { good: fc.constant(1000), wrong: ms.wrong },
      jitter: unit,
    },
  ],
  ['hedge', (o) => ({ hedge: o }), { delayMs: ms, budget: object }],
  [
    'hedge.budget',
    (o) => ({ hedge: { budget: o } }),
    { ratio: unit, burst: { good: count.good, wrong: fc.oneof(...notNumbers, fc.constantFrom(0, -1, Number.NaN, 2e6)) } },
  ],
  [
    'silence',
    (o) => ({ silence: o }),
    { floorMs: { good: fc.constant(15), wrong: ms.wrong }, ceilingMs: { good: fc.constant(1000), wrong: ms.wrong }, minSamples: count },
  ],
  ['stall', (o) => ({ stall: o }), { tickMs: { good: fc.constant(10), wrong: ms.wrong }, thresholdMs: ms }],
]

const CONNECT = {
  logger,
  deadlineMs: ms,
  findIdleMs: ms,
  findDeadlineMs: ms,
  connectTimeoutMs: ms,
  cancelBudget: object,
  channelOptions: object,
  tls: object,
  closeGraceMs: ms,
}

const GATEWAY = {
  port: { good: fc.constant(0), wrong: fc.oneof(...notNumbers, fc.constantFrom(-1, 65_536, 1.5)) },
  host: text,
  storage: { good: fc.constant('memory'), wrong: fc.oneof(fc.constant('disk'), fc.integer(), fc.constant(null), fc.constant({})) },
  auth,
  replicationAuth: auth,
  tls: required(object, { cert: 'PEM', key: 'PEM' }),
  replicateTo: { good: fc.constant([]), wrong: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(['gw2'])) },
  replicationLagMs: ms,
  replication: object,
  opLog: object,
  gatewayId: text,
  findLimits: object,
  maxMessageBytes: ms,
  closeGraceMs: ms,
  logger,
  clock: fn,
  random: fn,
}
const GATEWAY_NESTED: readonly [string, (o: unknown) => unknown, Readonly<Record<string, Kind>>][] = [
  [
    'auth',
    (o) => ({ auth: { user: 'u', password: 'p', ...(o as object) } }),
    { user: text, password: { good: fc.constant('p'), wrong: fc.oneof(fc.integer(), fc.constant(null), fc.boolean()) }, tokenTtlMs: ms },
  ],
  ['tls', (o) => ({ tls: { cert: 'PEM', key: 'PEM', ...(o as object) } }), { cert: pem, key: pem }],
  [
    'replication',
    (o) => ({ replication: o }),
    {
      batchSize: count,
      maxQueue: count,
      retryMinMs: ms,
      retryMaxMs: ms,
      heartbeatMs: ms,
      callTimeoutMs: ms,
      credentials: object,
      channelOptions: object,
      authorization: text,
    },
  ],
  ['opLog', (o) => ({ opLog: o }), { retentionMs: ms, maxOps: count }],
  [
    'findLimits',
    (o) => ({ findLimits: o }),
    { maxStreams: count, maxStreamsPerConnection: count, maxWaiting: count, maxBufferedBytes: count, maxSortBytes: count, sliceMs: ms },
  ],
]

const listening = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length

function refused(error: unknown, wrong: string): void {
  expect(error, `with ${JSON.stringify(wrong)} wrong`).toBeInstanceOf(InvalidOptionsError)
}

describe('every options type: one unknown key or one wrong value is a typed error, before anything is sent or started', () => {
  let gateway: OjaiGateway
  let connection: Connection
  let store: DocumentStore
  const requests = () => gateway.stats().totalRequests

  beforeAll(async () => {
    gateway = await startGateway({ port: 0 })
    connection = connect(`${gateway.address}?ssl=false`)
    store = connection.store('/property')
  })
  afterAll(async () => {
    await connection.close()
    await gateway.close()
  })

  it('ConnectOptions (and their tls and cancelBudget): connect throws, nothing is sent', () => {
    const tls = oneThingWrong({ ca: pem, targetNameOverride: text }).map(({ options, wrong }) => ({ options: { tls: options }, wrong }))
    const budget = oneThingWrong({ burst: count, perSecond: rate }).map(({ options, wrong }) => ({
      options: { cancelBudget: options },
      wrong,
    }))
    fc.assert(
      fc.property(fc.oneof(oneThingWrong(CONNECT), tls, budget), ({ options, wrong }) => {
        const before = requests()
        refused(
          thrown(() => connect(`${gateway.address}?ssl=false`, options).close()),
          wrong,
        )
        expect(requests()).toBe(before)
      }),
    )
  })

  it.each<[string, Readonly<Record<string, Kind>>, (o: object) => Observable<unknown>]>([
    ['CallOptions (insert)', CALL, (o: object) => store.insert({ _id: 'k' }, o)],
    ['FindByIdOptions', FIND_BY_ID, (o: object) => store.findById('k', o)],
    ['FindOptions', FIND, (o: object) => store.find({}, o)],
  ])('%s on a DocumentStore: the call errors, the gateway counts no request', async (_name, keys, call) => {
    await fc.assert(
      fc.asyncProperty(oneThingWrong(keys), async ({ options, wrong }) => {
        const before = requests()
        refused(await rejection(() => lastValueFrom(call(options), { defaultValue: undefined })), wrong)
        expect(requests()).toBe(before)
      }),
    )
  })

  describe('on a FailoverStore over fakes', () => {
    const fakes = (): FakeStore[] => [
      fakeStore({ findById: () => null, find: () => [], insert: '(x|)' }),
      fakeStore({ findById: () => null, find: () => [], insert: '(x|)' }),
    ]
    const over = (stores: FakeStore[], options?: object) =>
      new FailoverStore(
        stores.map((s, i) => ({ name: `c${i}`, store: s })),
        options,
      )

    it.each<[string, Readonly<Record<string, Kind>>, (s: FailoverStore, o: object) => Observable<unknown>]>([
      ['CallOptions (insert)', CALL, (s: FailoverStore, o: object) => s.insert({ _id: 'k' }, o)],
      ['FindByIdOptions', FIND_BY_ID, (s: FailoverStore, o: object) => s.findById('k', o)],
      ['FindOptions', FIND, (s: FailoverStore, o: object) => s.find({}, o)],
    ])('%s: the operation errors, no cluster is called', async (_name, keys, call) => {
      const stores = fakes()
      const store = over(stores)
      try {
        await fc.assert(
          fc.asyncProperty(oneThingWrong(keys), async ({ options, wrong }) => {
            refused(await rejection(() => lastValueFrom(call(store, options), { defaultValue: undefined })), wrong)
            expect(stores.map((s) => s.calls.length)).toEqual([0, 0])
          }),
        )
      } finally {
        await store.close()
      }
    })

    it('FailoverStoreOptions and every nested options object: construction throws, no cluster is called', () => {
      const nested = FAILOVER_NESTED.map(([, wrap, keys]) =>
        oneThingWrong(keys).map(({ options, wrong }) => ({ options: wrap(options) as Record<string, unknown>, wrong })),
      )
      fc.assert(
        fc.property(fc.oneof(oneThingWrong(FAILOVER_STORE), ...nested), ({ options, wrong }) => {
          const stores = fakes()
          refused(
            thrown(() => void over(stores, options).close()),
            wrong,
          )
          expect(stores.map((s) => s.calls.length)).toEqual([0, 0])
        }),
      )
    })

    it('MaintenanceOptions and CloseOptions: pin, drain and close refuse them, nothing changes', async () => {
      const stores = fakes()
      const store = over(stores)
      try {
        const reason: Kind = {
          good: fc.string({ maxLength: 200 }),
          wrong: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 }), fc.constant('x'.repeat(201))),
        }
        fc.assert(
          fc.property(oneThingWrong({ reason }), ({ options, wrong }) => {
            const before = store.cluster
            refused(
              thrown(() => store.pin('c1', options)),
              wrong,
            )
            refused(
              thrown(() => store.drain('c1', options)),
              wrong,
            )
            expect(store.cluster).toEqual(before)
          }),
        )
        await fc.assert(
          fc.asyncProperty(
            oneThingWrong({ graceMs: { good: fc.integer({ min: 0, max: 100 }), wrong: ms.wrong } }),
            async ({ options, wrong }) => {
              refused(await rejection(() => store.close(options)), wrong)
              expect(store.closed).toBe(false)
            },
          ),
        )
        expect(stores.map((s) => s.calls.length)).toEqual([0, 0])
      } finally {
        await store.close()
      }
    })
  })

  it('ConnectFailoverOptions (the FailoverStore options and the connect options of its connections): connectFailover throws, nothing is sent', () => {
    const base = { clusters: [`${gateway.address}?ssl=false`, `${gateway.address}?ssl=false`], table: '/property' }
    const connectOptions = oneThingWrong(CONNECT).map(({ options, wrong }) => ({
      options: { connectOptions: options } as Record<string, unknown>,
      wrong,
    }))
    fc.assert(
      fc.property(fc.oneof(oneThingWrong({ ...FAILOVER_STORE, connectOptions: object }), connectOptions), ({ options, wrong }) => {
        const before = requests()
        refused(
          thrown(() => void connectFailover({ ...base, ...options }).close()),
          wrong,
        )
        expect(requests()).toBe(before)
      }),
      { numRuns: 50 },
    )
  })

  it('FakeStoreOptions: fakeStore throws when the fake is made', () => {
    fc.assert(
      fc.property(oneThingWrong({ scheduler }), ({ options, wrong }) =>
        refused(
          thrown(() => fakeStore({}, options)),
          wrong,
        ),
      ),
    )
  })

  it('GatewayOptions and every nested options object: startGateway rejects, nothing listens', async () => {
    const nested = GATEWAY_NESTED.map(([, wrap, keys]) =>
      oneThingWrong(keys).map(({ options, wrong }) => ({ options: wrap(options) as Record<string, unknown>, wrong })),
    )
    await fc.assert(
      fc.asyncProperty(fc.oneof(oneThingWrong(GATEWAY), ...nested), async ({ options, wrong }) => {
        const before = listening()
        refused(await rejection(() => startGateway({ port: 0, ...options })), wrong)
        expect(listening()).toBe(before)
      }),
      { numRuns: 60 },
    )
  })

  it('ControlClientOptions: the GatewayControlClient constructor throws, so no client exists to send anything', () => {
    const keys = {
      credentials: object,
      channelOptions: object,
      user: text,
      password: { good: fc.constant('p'), wrong: fc.oneof(fc.integer(), fc.constant(null), fc.boolean()) },
      timeoutMs: ms,
    }
    fc.assert(
      fc.property(oneThingWrong(keys), ({ options, wrong }) =>
        refused(
          thrown(() => new GatewayControlClient(gateway.address, options).close()),
          wrong,
        ),
      ),
    )
  })

  it('StartClustersOptions and the gateway options they pass on: startClusters rejects, no gateway starts', async () => {
    const { port: _port, replicateTo: _replicateTo, storage: _storage, auth: _auth, ...passedOn } = GATEWAY
    const clusters = {
      names: { good: fc.constant(['a', 'b']), wrong: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(['a', 'b c'])) },
      storage: { good: fc.constant('memory'), wrong: fc.oneof(fc.constant('disk'), fc.integer(), fc.constant(null), fc.constant({})) },
      auth,
      gateway: object,
      waitTimeoutMs: ms,
    }
    const gatewayOptions = oneThingWrong(passedOn).map(({ options, wrong }) => ({
      options: { gateway: options } as Record<string, unknown>,
      wrong,
    }))
    const fromFunction = oneThingWrong(passedOn).map(({ options, wrong }) => ({
      options: { gateway: () => options } as Record<string, unknown>,
      wrong,
    }))
    await fc.assert(
      fc.asyncProperty(fc.oneof(oneThingWrong(clusters), gatewayOptions, fromFunction), async ({ options, wrong }) => {
        const before = listening()
        refused(await rejection(() => startClusters(2, options)), wrong)
        expect(listening()).toBe(before)
      }),
      { numRuns: 60 },
    )
  })
})
