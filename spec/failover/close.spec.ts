/**
 * The timing rules of FailoverStore.close() (failover-store.ts, graceful-close.ts), in virtual
 * time: operations that finish within the grace succeed, those still running are cancelled exactly
 * at the bound, operations started after close() fail at once, streams complete when the last
 * operation ends, and nothing new (probes, failback) starts during the grace.
 */
import { describe, expect, it } from 'vitest'
import { marbles } from 'rxjs-marbles'
import type { Context } from 'rxjs-marbles'
import { FailoverStore, type FailoverStoreOptions } from '../../lib/failover/index.js'
import { InvalidOptionsError } from '../../lib/ojai/errors.js'
import { doc, names, outcome, refused, T } from './helpers.js'
import { VirtualStore } from './virtual-store.js'

// timeoutMs 10 (T), secondaryTimeoutMs 30, settleMs 50; one dash is 1 ms.

interface Closing {
  readonly store: FailoverStore
  readonly stores: VirtualStore[]
  /** Virtual time at which each cluster's close was called. */
  readonly closedAt: number[]
}

/** A store over two virtual clusters whose close() calls are timed; no close is scheduled. */
function build(m: Context, options: FailoverStoreOptions = {}): Closing {
  const stores = [new VirtualStore({}, '/c1/table'), new VirtualStore({}, '/c2/table')]
  const closedAt: number[] = []
  const store = new FailoverStore(
    stores.map((s, i) => ({ name: `c${i + 1}`, store: s, close: () => closedAt.push(m.scheduler.now()) })),
    { timeoutMs: T, secondaryTimeoutMs: 30, settleMs: 50, scheduler: m.scheduler, random: () => 0, ...options },
  )
  return { store, stores, closedAt }
}

describe('FailoverStore.close(): the grace', () => {
  it(
    'an operation that finishes within the grace succeeds; streams complete and clusters close when it ends',
    marbles((m) => {
      const { store, stores, closedAt } = build(m)
      stores[0]!.on('findById', m.cold('--------(a|)', { a: doc('p') }))
      m.scheduler.schedule(() => void store.close({ graceMs: 20 }), 5)
      m.expect(store.findById('k', { timeoutMs: 100 })).toBeObservable('--------(a|)', { a: doc('p') })
      m.expect(names(store)).toBeObservable('a-------|', { a: 'c1' })
      m.expect(store.events$).toBeObservable('--------|')
      m.flush()
      expect(closedAt).toEqual([8, 8])
    }),
  )

  it(
    'an operation still running at the bound is cancelled exactly then and ends with ClosedError',
    marbles((m) => {
      const { store, stores, closedAt } = build(m)
      const slow = m.cold('-')
      stores[0]!.on('findById', slow)
      m.scheduler.schedule(() => void store.close({ graceMs: 20 }), 5)
      m.expect(outcome(store.findById('k', { timeoutMs: 100 }))).toBeObservable('25ms (e|)', { e: 'error:CLOSED' })
      m.expect(slow).toHaveSubscriptions('^ 24ms !')
      m.expect(names(store)).toBeObservable('a 24ms |', { a: 'c1' })
      m.flush()
      expect(closedAt).toEqual([25, 25])
      expect(store.stats()).toMatchObject({ inFlight: 0, activeTimers: 0 })
    }),
  )

  it(
    'a find stream delivers during the grace and is cut off at the bound after its last document',
    marbles((m) => {
      const { store, stores } = build(m)
      const stream = m.cold('-a-b-c-d-e-f-g-h-i-j-k-l-m-n', Object.fromEntries('abcdefghijklmn'.split('').map((k) => [k, doc(k)])))
      stores[0]!.on('find', stream)
      m.scheduler.schedule(() => void store.close({ graceMs: 3 }), 5)
      m.expect(outcome(store.find())).toBeObservable('-a-b-c-d(e|)', {
        a: doc('a'),
        b: doc('b'),
        c: doc('c'),
        d: doc('d'),
        e: 'error:CLOSED',
      })
      m.expect(stream).toHaveSubscriptions('^ 7ms !')
    }),
  )

  it(
    'operations started after close() fail at once, during the grace and after it',
    marbles((m) => {
      const { store, stores } = build(m)
      stores[0]!.on('findById', m.cold('-'))
      store.findById('k', { timeoutMs: 100 }).subscribe({ error: () => undefined })
      m.scheduler.schedule(() => void store.close({ graceMs: 20 }), 5)
      m.expect(outcome(store.findById('k')), '7ms ^').toBeObservable('7ms (e|)', { e: 'error:CLOSED' })
      m.expect(outcome(store.insert(doc('k'))), '40ms ^').toBeObservable('40ms (e|)', { e: 'error:CLOSED' })
      m.flush()
      // Nothing was asked of a cluster after close().
      expect(stores[0]!.calls).toHaveLength(1)
      expect(stores[1]!.calls).toHaveLength(0)
    }),
  )

  it(
    'an operation in flight keeps its normal failover during the grace',
    marbles((m) => {
      const { store, stores } = build(m)
      stores[0]!.on('findById', m.cold('-'))
      stores[1]!.on('findById', m.cold('--(b|)', { b: doc('s') }))
      m.scheduler.schedule(() => void store.close({ graceMs: 50 }), 5)
      m.expect(store.findById('k')).toBeObservable('12ms (b|)', { b: doc('s') })
      m.expect(names(store)).toBeObservable('a 9ms b-|', { a: 'c1', b: 'c2' })
      const events: string[] = []
      store.events$.subscribe({
        next: (e) => events.push(`${e.type}@${e.at}`),
        complete: () => events.push(`complete@${m.scheduler.now()}`),
      })
      m.flush()
      expect(events).toEqual(['timeout@10', 'failover@10', 'rerouted@10', 'complete@12'])
    }),
  )

  it(
    'a write held for the attempt it left behind is cut off at the bound, the attempt with it',
    marbles((m) => {
      const { store, stores } = build(m)
      const stale = m.cold('-')
      stores[0]!.on('insertOrReplace', stale)
      stores[1]!.on('insertOrReplace', m.cold('--(v|)', { v: undefined }))
      m.scheduler.schedule(() => void store.close({ graceMs: 20 }), 15)
      // Moved on at 10, applied on c2 at 12, held for c1's attempt (settleMs would end it at 62).
      m.expect(outcome(store.insertOrReplace(doc('k')))).toBeObservable('35ms (e|)', { e: 'error:CLOSED' })
      m.expect(stale).toHaveSubscriptions('^ 34ms !')
    }),
  )

  it(
    'no probe and no failback start during the grace',
    marbles((m) => {
      let pings = 0
      const stores = [new VirtualStore({}, '/c1/table'), new VirtualStore({}, '/c2/table')]
      const store = new FailoverStore(
        stores.map((s, i) => ({ name: `c${i + 1}`, store: s, ping: () => (pings++, m.cold('(p|)', { p: undefined })) })),
        { timeoutMs: T, secondaryTimeoutMs: 30, scheduler: m.scheduler, random: () => 0, hold: { holdsMs: [20] } },
      )
      stores[0]!.on('findById', m.cold('#', undefined, refused()))
      stores[1]!.on('findById', (id) => (id === 'slow' ? m.cold('-') : m.cold('(b|)', { b: doc('s') })))
      store.findById('k').subscribe()
      m.scheduler.schedule(() => void store.findById('slow', { timeoutMs: 100 }).subscribe({ error: () => undefined }), 1)
      m.scheduler.schedule(() => void store.close({ graceMs: 60 }), 5)
      // The hold of c1 ends at 20: an open store would probe and fail back then.
      m.expect(names(store)).toBeObservable('b 64ms |', { b: 'c2' })
      m.flush()
      expect(pings).toBe(0)
    }),
  )
})

describe('FailoverStore.close(): the call', () => {
  it(
    'a second close() returns the same promise; a shorter grace brings the cut-off forward',
    marbles((m) => {
      const { store, stores, closedAt } = build(m)
      const slow = m.cold('-')
      stores[0]!.on('findById', slow)
      store.findById('k', { timeoutMs: 100 }).subscribe({ error: () => undefined })
      let first: Promise<void> | undefined
      m.scheduler.schedule(() => void (first = store.close({ graceMs: 50 })), 5)
      m.scheduler.schedule(() => {
        expect(store.close({ graceMs: 100 })).toBe(first)
        expect(store.close({ graceMs: 3 })).toBe(first)
      }, 10)
      m.expect(slow).toHaveSubscriptions('^ 12ms !')
      m.flush()
      expect(closedAt).toEqual([13, 13])
    }),
  )

  it(
    'the closeGraceMs option is the default grace; graceMs: 0 cancels at once',
    marbles((m) => {
      const { store, stores } = build(m, { closeGraceMs: 30 })
      const a = m.cold('-')
      stores[0]!.on('findById', a)
      store.findById('k', { timeoutMs: 100 }).subscribe({ error: () => undefined })
      m.scheduler.schedule(() => void store.close(), 5)
      m.expect(a).toHaveSubscriptions('^ 34ms !')

      const other = build(m, { closeGraceMs: 30 })
      const b = m.cold('-')
      other.stores[0]!.on('findById', b)
      other.store.findById('k', { timeoutMs: 100 }).subscribe({ error: () => undefined })
      m.scheduler.schedule(() => void other.store.close({ graceMs: 0 }), 5)
      m.expect(b).toHaveSubscriptions('^----!')
    }),
  )

  it('with nothing in flight, close() resolves at once, streams completed and clusters closed', async () => {
    const closed: string[] = []
    const store = new FailoverStore([
      { name: 'a', store: new VirtualStore(), close: () => closed.push('a') },
      { name: 'b', store: new VirtualStore(), close: () => closed.push('b') },
    ])
    let completed = false
    store.cluster$.subscribe({ complete: () => (completed = true) })
    const closing = store.close()
    expect(completed).toBe(true)
    expect(closed).toEqual(['a', 'b'])
    await expect(closing).resolves.toBeUndefined()
    expect(store.closed).toBe(true)
  })

  it.each<[string, unknown, string]>([
    ['a negative grace', { graceMs: -1 }, 'graceMs must be an integer number of ms in [0, 2^31-1] (0 = cancel at once); got -1'],
    [
      'a grace that is not an integer',
      { graceMs: 1.5 },
      'graceMs must be an integer number of ms in [0, 2^31-1] (0 = cancel at once); got 1.5',
    ],
    ['an unbounded grace', { graceMs: Number.POSITIVE_INFINITY }, 'got Infinity'],
    ['an unknown key', { grace: 100 }, 'close options: unknown option "grace" (did you mean "graceMs"?)'],
    ['options that are not an object', 100, 'close options must be an object; got 100'],
  ])('rejects %s with InvalidOptionsError and closes nothing', async (_, options, message) => {
    const closed: string[] = []
    const store = new FailoverStore([
      {
        name: 'a',
        store: new VirtualStore({
          findById: () => {
            throw new Error('unused')
          },
        }),
        close: () => closed.push('a'),
      },
      { name: 'b', store: new VirtualStore() },
    ])
    const closing = store.close(options as never)
    await expect(closing).rejects.toThrow(InvalidOptionsError)
    await expect(closing).rejects.toThrow(message)
    expect(store.closed).toBe(false)
    expect(closed).toEqual([])
    await store.close({ graceMs: 0 })
    expect(closed).toEqual(['a'])
  })
})
