/**
 * Session consistency (session.ts): read-your-writes window, handoff of a moving document,
 * possibly-stale reads said, finds, the bound, and the document-affine ramp's place function.
 *
 * Timelines: c1 is the primary; `pin('c2')` at 2 moves the active cluster to c2, `release()` at 8
 * probes c1 at once and fails back to it (no ramp: helpers' default), so documents written on c2
 * just before are read back from a cluster that may not have them yet.
 */
import { describe, expect, it } from 'vitest'
import { marbles, type Context } from 'rxjs-marbles'
import { InvalidOptionsError } from '../../lib/ojai/errors.js'
import { FailoverStore, type FailoverStoreEvent, type FailoverStoreOptions } from '../../lib/failover/index.js'
import { affinityOf, keyOf, RecentWrites } from '../../lib/failover/session.js'
import { doc, outcome, refused, setup } from './helpers.js'
import { VirtualStore } from './virtual-store.js'

const WINDOW = 50

/** c1 answers `p`, c2 answers `s`; both acknowledge writes at once; pings answer at once. */
function twoClusters(m: Context, options: FailoverStoreOptions = {}) {
  const s = setup(m, {
    session: { windowMs: WINDOW },
    ...options,
    pings: [() => m.cold('(p|)', { p: undefined }), () => m.cold('(p|)', { p: undefined })],
  })
  s.stores[0]!.on('findById', m.cold('(a|)', { a: doc('p') })).on('insertOrReplace', m.cold('(x|)', { x: undefined }))
  s.stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') })).on('insertOrReplace', m.cold('(x|)', { x: undefined }))
  return s
}

/** `pin('c2')` at 2, a write of `d` at 4 (acknowledged by c2), `release()` at 8: failed back to c1. */
function writtenOnC2ThenFailedBack(m: Context, store: FailoverStore): void {
  m.scheduler.schedule(() => store.pin('c2'), 2)
  m.scheduler.schedule(() => void store.insertOrReplace({ _id: 'd', v: 1 }).subscribe(), 4)
  m.scheduler.schedule(() => store.release(), 8)
}

const staleEvents = (events: readonly FailoverStoreEvent[]) => events.filter((e) => e.type === 'possibly-stale')

describe('read-your-writes window', () => {
  it(
    'a read of a document this store wrote goes to the cluster that acknowledged it for windowMs, then where routing says',
    marbles((m) => {
      const { store, events } = twoClusters(m)
      writtenOnC2ThenFailedBack(m, store)
      m.expect(store.findById('d'), '10ms ^').toBeObservable('10ms (b|)', { b: doc('s') }) // inside the window: c2
      m.expect(store.findById('e'), '10ms ^').toBeObservable('10ms (a|)', { a: doc('p') }) // not written: c1, active
      m.expect(store.findById('d'), '54ms ^').toBeObservable('54ms (a|)', { a: doc('p') }) // window over at 4 + 50
      m.flush()
      expect(store.cluster).toMatchObject({ name: 'c1', reason: 'failback' })
      expect(staleEvents(events)).toEqual([])
    }),
  )

  it(
    'session: false: the read right after the failback goes to the active cluster',
    marbles((m) => {
      const { store } = twoClusters(m, { session: false })
      writtenOnC2ThenFailedBack(m, store)
      m.expect(store.findById('d'), '10ms ^').toBeObservable('10ms (a|)', { a: doc('p') })
      m.flush()
      expect(store.stats().sessionDocuments).toBe(0)
    }),
  )

  it(
    'a find goes with the latest write while it is inside the window',
    marbles((m) => {
      const { store, stores } = twoClusters(m)
      stores[0]!.on('find', m.cold('(a|)', { a: doc('p') }))
      stores[1]!.on('find', m.cold('(b|)', { b: doc('s') }))
      writtenOnC2ThenFailedBack(m, store)
      m.expect(store.find(), '10ms ^').toBeObservable('10ms (b|)', { b: doc('s') })
      m.expect(store.find(), '60ms ^').toBeObservable('60ms (a|)', { a: doc('p') })
    }),
  )

  it(
    'remembers at most maxDocuments, the least recently written forgotten first',
    marbles((m) => {
      const { store } = twoClusters(m, { session: { windowMs: WINDOW, maxDocuments: 2 } })
      m.scheduler.schedule(() => store.pin('c2'), 2)
      for (const [at, id] of [
        [3, 'a'],
        [4, 'b'],
        [5, 'a'],
        [6, 'c'],
      ] as const)
        m.scheduler.schedule(() => void store.insertOrReplace({ _id: id, v: 1 }).subscribe(), at)
      m.scheduler.schedule(() => store.release(), 8)
      // b was written least recently when c came: forgotten, so its read goes to c1.
      m.expect(store.findById('b'), '10ms ^').toBeObservable('10ms (a|)', { a: doc('p') })
      m.expect(store.findById('a'), '10ms ^').toBeObservable('10ms (b|)', { b: doc('s') })
      m.expect(store.findById('c'), '10ms ^').toBeObservable('10ms (b|)', { b: doc('s') })
      m.flush()
      expect(store.stats().sessionDocuments).toBe(2)
    }),
  )
})

describe('handoff', () => {
  it(
    "a write that would move its document off the cluster of its last write waits out that write's window; reads stay meanwhile",
    marbles((m) => {
      const { store, stores } = twoClusters(m)
      writtenOnC2ThenFailedBack(m, store)
      // The write at 10 is routed to c1 (active): it waits until 4 + 50, then is sent there.
      m.expect(outcome(store.insertOrReplace({ _id: 'd', v: 2 })), '10ms ^').toBeObservable('54ms (x|)', { x: undefined })
      m.expect(store.findById('d'), '30ms ^').toBeObservable('30ms (b|)', { b: doc('s') }) // still c2's
      m.expect(store.findById('d'), '55ms ^').toBeObservable('55ms (a|)', { a: doc('p') }) // moved with its write
      // A document without a recent write moves at once.
      m.expect(outcome(store.insertOrReplace({ _id: 'e', v: 1 })), '10ms ^').toBeObservable('10ms (x|)', { x: undefined })
      m.flush()
      expect(stores[1]!.count('insertOrReplace')).toBe(1)
      expect(stores[0]!.count('insertOrReplace')).toBe(2)
      expect(store.stats().handoffs).toBe(1)
    }),
  )

  it(
    "a write that fails over waits out its previous write's window too: its timestamp then comes a window after that write's",
    marbles((m) => {
      const { store, stores } = twoClusters(m)
      m.scheduler.schedule(() => void store.insertOrReplace({ _id: 'd', v: 1 }).subscribe(), 2) // c1 at 2
      m.scheduler.schedule(() => stores[0]!.on('insertOrReplace', () => m.cold('#', undefined, refused())), 3)
      // c1 refuses v2 at 5 (down; v1 may not have shipped): v2 moves to c2 at 2 + 50, not before.
      m.expect(outcome(store.insertOrReplace({ _id: 'd', v: 2 })), '5ms ^').toBeObservable('52ms (x|)', { x: undefined })
      // A document not written inside a window moves at once.
      m.expect(outcome(store.insertOrReplace({ _id: 'e', v: 1 })), '6ms ^').toBeObservable('6ms (x|)', { x: undefined })
      m.flush()
      expect(store.stats().handoffs).toBe(1)
    }),
  )

  it(
    'unsubscribing a write while it waits sends nothing',
    marbles((m) => {
      const { store, stores } = twoClusters(m)
      writtenOnC2ThenFailedBack(m, store)
      m.scheduler.schedule(() => {
        const waiting = store.insertOrReplace({ _id: 'd', v: 2 }).subscribe()
        m.scheduler.schedule(() => waiting.unsubscribe(), 10)
      }, 10)
      m.flush()
      expect(stores[0]!.count('insertOrReplace')).toBe(0)
      expect(store.stats()).toMatchObject({ handoffs: 1, inFlight: 0 })
    }),
  )
})

describe('what cannot be avoided is said', () => {
  it(
    'after the window, a write whose cluster stayed up no longer counts',
    marbles((m) => {
      const { store, stores, events } = twoClusters(m)
      m.scheduler.schedule(() => void store.insertOrReplace({ _id: 'd', v: 1 }).subscribe(), 2) // acknowledged by c1
      // c1 refuses from 60, after the window (2 + 50): the write had time to ship.
      m.scheduler.schedule(() => stores[0]!.on('findById', () => m.cold('#', undefined, refused())), 60)
      m.scheduler.schedule(() => void store.findById('d').subscribe(), 61)
      m.flush()
      expect(staleEvents(events)).toEqual([])
    }),
  )

  it(
    'the cluster that acknowledged the write fails: the read is answered elsewhere, with a possibly-stale event before the answer',
    marbles((m) => {
      const { store, stores, events } = twoClusters(m)
      m.scheduler.schedule(() => void store.insertOrReplace({ _id: 'd', v: 1 }).subscribe(), 2) // acknowledged by c1
      m.scheduler.schedule(() => stores[0]!.on('findById', () => m.cold('#', undefined, refused())), 5)
      const seen: string[] = []
      events$Into(store, seen)
      m.scheduler.schedule(() => store.findById('d').subscribe((d) => seen.push(`answer ${String(d?.v)}`)), 7)
      // A read of a document never written says nothing. After the window the write still counts:
      // c1 left up inside it (at 7), so the write may never have shipped.
      m.scheduler.schedule(() => void store.findById('e').subscribe(), 8)
      m.scheduler.schedule(() => void store.findById('d').subscribe(), 60)
      m.flush()
      expect(seen).toEqual(['possibly-stale', 'answer s', 'possibly-stale'])
      expect(staleEvents(events)).toEqual([
        {
          type: 'possibly-stale',
          cluster: 'c2',
          operation: 'findById',
          at: 7,
          elapsedMs: 0,
          id: 'd',
          acknowledgedBy: 'c1',
          writtenMsAgo: 5,
        },
        expect.objectContaining({ at: 60, acknowledgedBy: 'c1', writtenMsAgo: 58 }),
      ])
      expect(store.stats().possiblyStaleReads).toBe(2)
    }),
  )
})

/** Pushes each `possibly-stale` event's type into `seen`, as it is emitted. */
function events$Into(store: FailoverStore, seen: string[]): void {
  store.events$.subscribe((e) => {
    if (e.type === 'possibly-stale') seen.push(e.type)
  })
}

describe('RecentWrites', () => {
  it("keeps each document's latest acknowledgment; the latest of all counts only inside the window", () => {
    const recent = new RecentWrites({ windowMs: 100, maxDocuments: 10 })
    recent.acknowledged('sd', 1, 1000)
    recent.acknowledged('se', 0, 1010)
    recent.acknowledged('sd', 0, 1020)
    expect(recent.latestOf('sd')).toEqual({ cluster: 0, at: 1020 })
    expect(recent.latestOf('sf')).toBeUndefined()
    expect(recent.latestWithin(1119)).toEqual({ cluster: 0, at: 1020 })
    expect(recent.latestWithin(1120)).toBeUndefined()
  })
})

describe('a document’s place in a ramp', () => {
  const places = (salt: number) => Array.from({ length: 10_000 }, (_, i) => affinityOf(keyOf(`user-${i}`), salt))

  it('spreads documents evenly over [0, 1): each step of a ramp moves its share of them', () => {
    const all = places(12345)
    expect(all.every((a) => a >= 0 && a < 1)).toBe(true)
    for (const share of [0.05, 0.25, 0.5]) {
      const moved = all.filter((a) => a < share).length / all.length
      expect(Math.abs(moved - share)).toBeLessThan(0.02)
    }
  })

  it('differs from store to store (salt), so a fleet does not move the same documents first', () => {
    const a = places(1)
    const b = places(2)
    const firstOfBoth = a.filter((x, i) => x < 0.05 && (b[i] as number) < 0.05).length
    // Independent places: about 0.05 * 0.05 of the documents are in the first step of both.
    expect(firstOfBoth).toBeLessThan(60)
  })

  it('keys strings and binary ids apart', () => {
    expect(keyOf('ab')).not.toBe(keyOf(new Uint8Array([0x61, 0x62])))
  })
})

describe('options', () => {
  const clusters = [
    { name: 'c1', store: new VirtualStore() },
    { name: 'c2', store: new VirtualStore() },
  ]
  it.each([
    [{ windowMs: 0 }, /session\.windowMs/],
    [{ maxDocuments: 0 }, /session\.maxDocuments/],
    [{ windowMs: 10, maxDocument: 5 }, /maxDocuments/],
  ])('refuses session %j with a message that names the option', (session, message) => {
    expect(() => new FailoverStore(clusters, { session: session as never })).toThrow(InvalidOptionsError)
    expect(() => new FailoverStore(clusters, { session: session as never })).toThrow(message)
  })
})
