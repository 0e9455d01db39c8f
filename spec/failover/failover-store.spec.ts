import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { marbles } from 'rxjs-marbles'
import { take } from 'rxjs'
import type { TimeoutError } from '../../lib/ojai/errors.js'
import { ClosedError, DocumentExistsError } from '../../lib/ojai/errors.js'
import { FailoverError, FailoverStore } from '../../lib/failover/index.js'
import { captureError, CLOSE_AT, doc, names, outcome, refused, setup, T, unavailable } from './helpers.js'
import { VirtualStore } from './virtual-store.js'
import { fakeStore } from '../../lib/testing/index.js'
import type { Logger } from 'pino'

// Timelines use timeoutMs = 10 (T) and secondaryTimeoutMs = 30 (T2); one dash is 1 ms.

describe('FailoverStore: one operation', () => {
  it(
    'primary answers before the timeout: its answer, secondary never subscribed',
    marbles((m) => {
      const { store, stores } = setup(m)
      const p = m.cold('---(a|)', { a: doc('p') })
      const s = m.cold('(b|)', { b: doc('s') })
      stores[0]!.on('findById', p)
      stores[1]!.on('findById', s)
      m.expect(store.findById('k')).toBeObservable('---(a|)', { a: doc('p') })
      m.expect(p).toHaveSubscriptions('^--!')
      m.expect(s).toHaveSubscriptions([])
    }),
  )

  it(
    'primary silent: unsubscribed at timeoutMs, secondary subscribed at that same frame',
    marbles((m) => {
      const { store, stores } = setup(m)
      const p = m.cold('-')
      const s = m.cold('--(b|)', { b: doc('s') })
      stores[0]!.on('findById', p)
      stores[1]!.on('findById', s)
      m.expect(store.findById('k')).toBeObservable('10ms --(b|)', { b: doc('s') })
      m.expect(p).toHaveSubscriptions('^ 9ms !')
      m.expect(s).toHaveSubscriptions('10ms ^-!')
    }),
  )

  it(
    'semantic error from the secondary after a failover is passed through as it is',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('insert', m.cold('-#', undefined, refused()))
      stores[1]!.on('insert', m.cold('--#', undefined, new DocumentExistsError('exists')))
      m.expect(outcome(store.insert(doc('k')))).toBeObservable('---(e|)', { e: 'error:DOCUMENT_EXISTS' })
    }),
  )

  it(
    'both silent: FailoverError at timeoutMs + secondaryTimeoutMs naming each cluster',
    marbles((m) => {
      const { store, stores } = setup(m)
      const p = m.cold('-')
      const s = m.cold('-')
      stores[0]!.on('findById', p)
      stores[1]!.on('findById', s)
      m.expect(outcome(store.findById('k'))).toBeObservable('40ms (e|)', { e: 'error:FAILOVER' })
      const box = captureError(store.findById('k')) // a second, identical operation, for the error's details
      m.expect(s).toHaveSubscriptions(['10ms ^ 29ms !', '10ms ^ 29ms !'])
      m.flush()
      const error = box.error as FailoverError
      expect(error).toBeInstanceOf(FailoverError)
      expect(error.causes.map((c) => c.cluster)).toEqual(['c1', 'c2'])
      expect(error.causes.map((c) => (c.error as TimeoutError).timeoutMs)).toEqual([10, 30])
      expect(error.message).toMatch(/c1 \(TIMEOUT: .*10 ms\).*c2 \(TIMEOUT: .*30 ms\)/)
    }),
  )

  it(
    'active cluster only slow, the other refuses: the slow one gets a second try (idempotent), bounded by secondaryTimeoutMs',
    marbles((m) => {
      const { store, stores } = setup(m)
      const slow = m.cold('-')
      const answering = m.cold('--(a|)', { a: doc('p') })
      const attempts = [slow, answering]
      stores[0]!.on('findById', () => attempts.shift() ?? m.cold('#'))
      stores[1]!.on('findById', m.cold('-#', undefined, refused()))
      m.expect(store.findById('k')).toBeObservable('10ms ---(a|)', { a: doc('p') })
      m.expect(slow).toHaveSubscriptions('^ 9ms !')
      m.expect(answering).toHaveSubscriptions('11ms ^-!')
    }),
  )

  it(
    'second try happens once: slow again, FailoverError at timeoutMs + refusal + secondaryTimeoutMs',
    marbles((m) => {
      const { store, stores } = setup(m)
      const p = m.cold('-')
      stores[0]!.on('findById', p)
      stores[1]!.on('findById', m.cold('-#', undefined, refused()))
      m.expect(outcome(store.findById('k'))).toBeObservable('41ms (e|)', { e: 'error:FAILOVER' })
      m.expect(p).toHaveSubscriptions(['^ 9ms !', '11ms ^ 29ms !'])
    }),
  )

  it(
    'a write that may have been applied is not repeated (conditional, failover-if-unsent): it waits on its cluster up to secondaryTimeoutMs',
    marbles((m) => {
      const { store, stores } = setup(m)
      const p = m.cold('-')
      const s = m.cold('-#', undefined, refused())
      stores[0]!.on('insert', p)
      stores[1]!.on('insert', s)
      m.expect(outcome(store.insert(doc('k')))).toBeObservable('30ms (e|)', { e: 'error:TIMEOUT' })
      m.expect(p).toHaveSubscriptions('^ 29ms !')
      m.expect(s).toHaveSubscriptions([])
    }),
  )

  it(
    'three clusters: tried in order, the third answers',
    marbles((m) => {
      const { store, stores } = setup(m, { count: 3 })
      const [c1, c2, c3] = [m.cold('-'), m.cold('-'), m.cold('--(c|)', { c: doc('3') })]
      stores[0]!.on('findById', c1)
      stores[1]!.on('findById', c2)
      stores[2]!.on('findById', c3)
      m.expect(store.findById('k')).toBeObservable('40ms --(c|)', { c: doc('3') })
      m.expect(c1).toHaveSubscriptions('^ 9ms !')
      m.expect(c2).toHaveSubscriptions('10ms ^ 29ms !')
      m.expect(c3).toHaveSubscriptions('40ms ^-!')
      m.expect(names(store)).toBeObservable(`a 9ms b 29ms c ${CLOSE_AT - 41}ms |`, { a: 'c1', b: 'c2', c: 'c3' })
    }),
  )

  it(
    'three clusters all failing: FailoverError lists the three causes in order',
    marbles((m) => {
      const { store, stores } = setup(m, { count: 3 })
      stores[0]!.on('delete', m.cold('-#', undefined, unavailable()))
      stores[1]!.on('delete', m.cold('-#', undefined, refused()))
      stores[2]!.on('delete', m.cold('-'))
      const box = captureError(store.delete('k'))
      m.flush()
      const error = box.error as FailoverError
      expect(error.code).toBe('FAILOVER')
      expect(error.causes.map((c) => `${c.cluster}:${(c.error as { code: string }).code}`)).toEqual([
        'c1:UNAVAILABLE',
        'c2:UNAVAILABLE',
        'c3:TIMEOUT',
      ])
    }),
  )

  it(
    'caller unsubscribes: the attempt is cancelled, no timeout fires, no switch',
    marbles((m) => {
      const { store, stores } = setup(m)
      const p = m.cold('-')
      stores[0]!.on('findById', p)
      m.expect(store.findById('k'), '^----!').toBeObservable('-')
      m.expect(p).toHaveSubscriptions('^----!')
      m.flush()
      expect(store.stats().activeTimers).toBe(0)
      expect(store.stats().failovers).toBe(0)
    }),
  )

  it(
    'per-call timeoutMs bounds the first attempt',
    marbles((m) => {
      const { store, stores } = setup(m)
      const s = m.cold('(b|)', { b: doc('s') })
      stores[0]!.on('findById', m.cold('-'))
      stores[1]!.on('findById', s)
      m.expect(store.findById('k', { timeoutMs: 3 })).toBeObservable('---(b|)', { b: doc('s') })
    }),
  )

  it(
    'failover-only call options are not forwarded to the cluster store',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('findById', m.cold('(a|)', { a: null }))
      store.findById('k', { timeoutMs: 3, strategy: 'failover', hedge: false, fields: ['a'] }).subscribe()
      store.findById('k', { timeoutMs: 3 }).subscribe()
      m.flush()
      expect(stores[0]!.calls.map((c) => c.args[1])).toEqual([{ fields: ['a'] }, undefined])
    }),
  )
})

describe('FailoverStore: across operations', () => {
  it(
    'after a switch, the next operations go straight to the secondary',
    marbles((m) => {
      const { store, stores } = setup(m)
      const p = m.cold('-')
      const s = m.cold('--(b|)', { b: doc('s') })
      stores[0]!.on('findById', p)
      stores[1]!.on('findById', s)
      m.expect(store.findById('k')).toBeObservable('10ms --(b|)', { b: doc('s') })
      m.expect(store.findById('k'), '20ms ^').toBeObservable('20ms --(b|)', { b: doc('s') })
      m.expect(store.findById('k'), '30ms ^').toBeObservable('30ms --(b|)', { b: doc('s') })
      m.expect(p).toHaveSubscriptions('^ 9ms !')
      m.expect(s).toHaveSubscriptions(['10ms ^-!', '20ms ^-!', '30ms ^-!'])
    }),
  )

  it(
    'N concurrent failures on the primary cause one switch',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('findById', m.cold('-'))
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      for (const at of [0, 1, 2, 3]) m.expect(store.findById('k'), `${at}ms ^`).toBeObservable(`${at + T}ms (b|)`, { b: doc('s') })
      m.expect(names(store)).toBeObservable(`a 9ms b ${CLOSE_AT - 11}ms |`, { a: 'c1', b: 'c2' })
      m.flush()
      expect(store.stats().failovers).toBe(1)
      expect(store.stats().reroutes).toBe(4)
    }),
  )

  it(
    'cluster$ says which cluster, since when and why',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('findById', m.cold('-'))
      stores[1]!.on('findById', m.cold('(b|)', { b: null }))
      store.findById('k').subscribe()
      m.expect(store.cluster$).toBeObservable(`a 9ms b ${CLOSE_AT - 11}ms |`, {
        a: { index: 0, name: 'c1', since: 0, reason: 'initial', routing: { kind: 'automatic' } },
        b: {
          index: 1,
          name: 'c2',
          since: 10,
          reason: 'failover',
          cause: 'TIMEOUT',
          holdUntil: 10 + 20_000,
          routing: { kind: 'automatic' },
        },
      })
    }),
  )

  it(
    'primary-only runs on the primary even after a switch; current-only on the active cluster',
    marbles((m) => {
      const { store, stores } = setup(m)
      const p = m.cold('-')
      const s = m.cold('(b|)', { b: undefined })
      stores[0]!.on('findById', m.cold('-'))
      stores[1]!.on('findById', m.cold('(b|)', { b: null }))
      stores[0]!.on('delete', p)
      stores[1]!.on('delete', s)
      store.findById('k').subscribe() // switches to c2 at 10
      // primary-only cannot move: it waits on the primary up to secondaryTimeoutMs
      m.expect(outcome(store.delete('k', { strategy: 'primary-only' })), '20ms ^').toBeObservable('50ms (e|)', { e: 'error:TIMEOUT' })
      m.expect(store.delete('k', { strategy: 'current-only' }), '50ms ^').toBeObservable('50ms (b|)', { b: undefined })
      m.expect(p).toHaveSubscriptions('20ms ^ 29ms !')
      m.expect(s).toHaveSubscriptions('50ms (^!)')
    }),
  )
})

describe('FailoverStore: write safety', () => {
  it(
    'non-idempotent increment timed out under failover-if-unsent: not repeated, TimeoutError after secondaryTimeoutMs',
    marbles((m) => {
      const { store, stores } = setup(m)
      const s = m.cold('(b|)', { b: undefined })
      stores[0]!.on('increment', m.cold('-'))
      stores[1]!.on('increment', s)
      m.expect(outcome(store.increment('k', 'n', 1))).toBeObservable('30ms (e|)', { e: 'error:TIMEOUT' })
      m.expect(s).toHaveSubscriptions([])
      m.flush()
      expect(stores[1]!.count('increment')).toBe(0)
    }),
  )

  it(
    'the same increment refused by the primary (unsent): repeated on the secondary at once',
    marbles((m) => {
      const { store, stores } = setup(m)
      const s = m.cold('-(b|)', { b: undefined })
      stores[0]!.on('increment', m.cold('-#', undefined, refused()))
      stores[1]!.on('increment', s)
      m.expect(store.increment('k', 'n', 1)).toBeObservable('--(b|)', { b: undefined })
      m.expect(s).toHaveSubscriptions('-^!')
    }),
  )

  it(
    'a timed-out unsafe write still moves later operations to the secondary',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('increment', m.cold('-'))
      stores[1]!.on('increment', m.cold('(b|)', { b: undefined }))
      store.increment('k', 'n', 1).subscribe({ error: () => undefined })
      m.expect(store.increment('k', 'n', 1), '20ms ^').toBeObservable('20ms (b|)', { b: undefined })
    }),
  )
})

describe('FailoverStore: lifecycle', () => {
  it(
    'construction touches no store (on-demand open)',
    marbles((m) => {
      const { stores } = setup(m)
      m.flush()
      expect(stores.map((s) => s.calls.length)).toEqual([0, 0])
    }),
  )

  it(
    'primary refusing connections at startup: the first operation is answered by the secondary at once',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('findById', m.cold('#', undefined, refused()))
      stores[1]!.on('findById', m.cold('-(b|)', { b: doc('s') }))
      m.expect(store.findById('k')).toBeObservable('-(b|)', { b: doc('s') })
    }),
  )

  it(
    'close({ graceMs: 0 }) mid-operation: ClosedError at close, attempt cancelled, streams complete, later calls fail',
    marbles((m) => {
      const { store, stores } = setup(m)
      const p = m.cold('-')
      stores[0]!.on('findById', p)
      m.scheduler.schedule(() => void store.close({ graceMs: 0 }), 5)
      m.expect(outcome(store.findById('k'))).toBeObservable('-----(e|)', { e: 'error:CLOSED' })
      m.expect(p).toHaveSubscriptions('^----!')
      m.expect(names(store)).toBeObservable('a----|', { a: 'c1' })
      m.expect(store.events$).toBeObservable('-----|')
      m.expect(outcome(store.findById('k')), '7ms ^').toBeObservable('7ms (e|)', { e: 'error:CLOSED' })
      let late: { error?: unknown } = {}
      m.scheduler.schedule(() => (late = captureError(store.findById('k'))), 8)
      m.flush()
      expect(late.error).toBeInstanceOf(ClosedError)
      expect(store.stats()).toMatchObject({ inFlight: 0, activeTimers: 0 })
      expect(store.closed).toBe(true)
    }),
  )

  it(
    'close() calls each cluster close once, after in-flight operations ended; stores without close are left open',
    marbles((m) => {
      const order: string[] = []
      const p = m.cold('-')
      const store = new FailoverStore(
        [
          { name: 'a', store: new VirtualStore({ findById: p }), close: () => order.push('close a') },
          { name: 'b', store: new VirtualStore() },
          { name: 'c', store: new VirtualStore(), close: () => order.push('close c') },
        ],
        { timeoutMs: T, scheduler: m.scheduler },
      )
      store.findById('k').subscribe({ error: (e: unknown) => order.push(`op ${(e as ClosedError).code}`) })
      m.scheduler.schedule(() => {
        const first = store.close({ graceMs: 0 })
        expect(store.close()).toBe(first)
      }, 5)
      m.expect(p).toHaveSubscriptions('^----!')
      m.flush()
      expect(order).toEqual(['op CLOSED', 'close a', 'close c'])
    }),
  )

  it('a cluster close that throws or rejects does not stop the others; the first failure rejects the close, after all were called', async () => {
    const closed: string[] = []
    const store = new FailoverStore([
      {
        name: 'a',
        store: new VirtualStore(),
        close: () => {
          throw new Error('boom')
        },
      },
      { name: 'b', store: new VirtualStore(), close: () => Promise.reject(new Error('bang')) },
      { name: 'c', store: new VirtualStore(), close: () => closed.push('c') },
    ])
    const closing = store.close()
    expect(closed).toEqual(['c'])
    expect(store.closed).toBe(true)
    await expect(closing).rejects.toThrow('boom')
    expect(store.close()).toBe(closing)
  })

  it('a cluster close that returns a promise is awaited', async () => {
    let release!: () => void
    const store = new FailoverStore([
      { name: 'a', store: new VirtualStore(), close: () => new Promise<void>((resolve) => (release = resolve)) },
      { name: 'b', store: new VirtualStore() },
    ])
    let done = false
    const closing = store.close().then(() => (done = true))
    await Promise.resolve()
    expect(done).toBe(false)
    release()
    await closing
    expect(done).toBe(true)
  })

  it(
    'unsubscribed from an events$ handler (on its timeout): the next cluster is never asked',
    marbles((m) => {
      const { store, stores } = setup(m)
      const s = m.cold('-(b|)', { b: doc('s') })
      stores[0]!.on('findById', m.cold('-'))
      stores[1]!.on('findById', s)
      const sub = store.findById('k').subscribe()
      store.events$.subscribe((e) => {
        if (e.type === 'timeout') sub.unsubscribe()
      })
      m.expect(s).toHaveSubscriptions([])
      m.flush()
      expect(stores[1]!.calls).toHaveLength(0)
      expect(store.stats()).toMatchObject({ inFlight: 0, activeTimers: 0 })
    }),
  )

  it(
    'close() from a failover event handler: ClosedError, the next cluster is never asked',
    marbles((m) => {
      const { store, stores } = setup(m)
      const s = m.cold('-(b|)', { b: doc('s') })
      stores[0]!.on('findById', m.cold('-'))
      stores[1]!.on('findById', s)
      store.events$.subscribe((e) => {
        if (e.type === 'failover') void store.close({ graceMs: 0 })
      })
      m.expect(outcome(store.findById('k'))).toBeObservable('10ms (e|)', { e: 'error:CLOSED' })
      m.expect(s).toHaveSubscriptions([])
      m.flush()
      expect(stores[1]!.calls).toHaveLength(0)
      expect(store.stats()).toMatchObject({ inFlight: 0, activeTimers: 0 })
    }),
  )

  it(
    'timers and in-flight operations return to zero after operations complete',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('findById', m.cold('--(a|)', { a: null }))
      stores[0]!.on('insert', m.cold('-'))
      stores[1]!.on('insert', m.cold('-#', undefined, new DocumentExistsError('exists')))
      for (let i = 0; i < 5; i++) store.findById(`k${i}`).subscribe()
      store.insert(doc('x'), { strategy: 'failover' }).subscribe({ error: () => undefined })
      m.scheduler.schedule(() => {
        const mid = store.stats()
        expect(mid.inFlight).toBe(6)
        expect(mid.activeTimers).toBe(6)
      }, 1)
      m.scheduler.schedule(() => expect(store.stats()).toMatchObject({ inFlight: 0, activeTimers: 0 }), 50)
    }),
  )
})

describe('FailoverStore: observability', () => {
  it(
    'events$: timeout, then exactly one failover for the switch and one rerouted for the operation, with cluster, operation and timing',
    marbles((m) => {
      const { store, stores, events } = setup(m)
      stores[0]!.on('findById', m.cold('-'))
      stores[1]!.on('findById', m.cold('-'))
      store.findById('k').subscribe({ error: () => undefined })
      m.flush()
      expect(events).toEqual([
        { type: 'timeout', cluster: 'c1', operation: 'findById', at: 10, elapsedMs: 10, timeoutMs: 10 },
        { type: 'failover', cluster: 'c1', operation: 'findById', at: 10, elapsedMs: 10, to: 'c2', reason: 'TIMEOUT' },
        { type: 'rerouted', cluster: 'c1', operation: 'findById', at: 10, elapsedMs: 10, to: 'c2', reason: 'TIMEOUT' },
        { type: 'timeout', cluster: 'c2', operation: 'findById', at: 40, elapsedMs: 40, timeoutMs: 30 },
        {
          type: 'gave-up',
          cluster: 'c2',
          operation: 'findById',
          at: 40,
          elapsedMs: 40,
          reason: 'TIMEOUT',
          causes: [
            { cluster: 'c1', reason: 'TIMEOUT' },
            { cluster: 'c2', reason: 'TIMEOUT' },
          ],
        },
      ])
    }),
  )

  it(
    'stats(): counts and latency percentiles per cluster and operation',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('findById', m.cold('---(a|)', { a: null }))
      stores[0]!.on('insert', m.cold('-#', undefined, new DocumentExistsError('exists')))
      for (let i = 0; i < 4; i++) store.findById('k').subscribe()
      store.insert(doc('k')).subscribe({ error: () => undefined })
      m.flush()
      const s = store.stats()
      expect(s.active).toEqual({ index: 0, name: 'c1' })
      expect(s.clusters['c1']?.findById).toMatchObject({ ok: 4, timeouts: 0, latencyMs: { count: 4, p50: 3, p99: 3, max: 3 } })
      expect(s.clusters['c1']?.insert).toMatchObject({ ok: 1, semanticErrors: 1 })
      expect(s.clusters['c2']).toEqual({})
    }),
  )

  it(
    'stats(): an answer counts when it arrives, also when the caller unsubscribes on it (firstValueFrom)',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('findById', m.cold('--a----|', { a: null }))
      store.findById('k').pipe(take(1)).subscribe()
      m.flush()
      expect(store.stats().clusters['c1']?.findById).toMatchObject({ ok: 1, latencyMs: { count: 1, max: 2 } })
    }),
  )

  it(
    'logs every event at debug level to the given pino logger',
    marbles((m) => {
      const lines: [unknown, string][] = []
      const logger = { debug: (obj: unknown, msg: string) => lines.push([obj, msg]) } as unknown as Logger
      const { store, stores } = setup(m, { logger })
      stores[0]!.on('findById', m.cold('-'))
      stores[1]!.on('findById', m.cold('(a|)', { a: null }))
      store.findById('k').subscribe()
      m.flush()
      expect(lines.map((l) => l[1])).toEqual([
        'ojai-failover timeout findById on c1',
        'ojai-failover failover findById on c1',
        'ojai-failover rerouted findById on c1',
      ])
      expect(lines[0]?.[0]).toEqual({ event: expect.objectContaining({ type: 'timeout', at: 10 }) })
    }),
  )
})

describe('FailoverStore: dumps', () => {
  it('JSON.stringify and util.inspect show names and state, never the cluster stores', () => {
    const secret = Object.assign(fakeStore({ path: '/t' }), { auth: 'basic c2VjcmV0' })
    const store = new FailoverStore([
      { name: 'a', store: secret },
      { name: 'b', store: new VirtualStore() },
    ])
    try {
      expect(JSON.parse(JSON.stringify(store))).toEqual({ path: '/t', clusters: ['a', 'b'], active: 'a', closed: false })
      expect(inspect(store)).toBe('FailoverStore {"path":"/t","clusters":["a","b"],"active":"a","closed":false}')
      expect(`${JSON.stringify(store)} ${inspect(store)}`).not.toContain('c2VjcmV0')
    } finally {
      void store.close()
    }
  })
})

describe('FailoverStore: construction', () => {
  const vs = () => new VirtualStore()
  it.each([
    ['fewer than 2 clusters', [{ name: 'a', store: vs() }], {}],
    [
      'duplicate names',
      [
        { name: 'a', store: vs() },
        { name: 'a', store: vs() },
      ],
      {},
    ],
    [
      'a non-positive timeout',
      [
        { name: 'a', store: vs() },
        { name: 'b', store: vs() },
      ],
      { timeoutMs: 0 },
    ],
    [
      'an unknown strategy',
      [
        { name: 'a', store: vs() },
        { name: 'b', store: vs() },
      ],
      { policy: { all: 'sometimes' } },
    ],
    [
      'a close that is not a function',
      [
        { name: 'a', store: vs(), close: 'yes' },
        { name: 'b', store: vs() },
      ],
      {},
    ],
  ])('rejects %s with InvalidOptionsError', (_, clusters, options) => {
    expect(() => new FailoverStore(clusters as never, options as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })

  it(
    'defaults: 500 ms on the active cluster, then 2 000 ms on the next',
    marbles((m) => {
      const [p, s] = [m.cold('-'), m.cold('-')]
      const store = new FailoverStore(
        [
          { name: 'a', store: new VirtualStore({ findById: p }) },
          { name: 'b', store: new VirtualStore({ findById: s }) },
        ],
        { scheduler: m.scheduler },
      )
      m.scheduler.schedule(() => void store.close({ graceMs: 0 }), 3000)
      m.expect(outcome(store.findById('k'))).toBeObservable('2500ms (e|)', { e: 'error:FAILOVER' })
      m.expect(s).toHaveSubscriptions('500ms ^ 1999ms !')
    }),
  )
})
