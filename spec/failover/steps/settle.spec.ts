/**
 * Step 4 (steps/settle.ts, writes that set a value): a write is acknowledged only when every
 * earlier attempt is answered or failed unsent. A straggler still running holds the answer; one
 * that ends unknown (a reset after it may have been sent) ends the write with UnsettledWriteError
 * at once; one unanswered after settleMs (50 here) ends it then. Timelines use timeoutMs 10 and
 * secondaryTimeoutMs 30; one dash is 1 ms.
 */
import { describe, expect, it } from 'vitest'
import { marbles } from 'rxjs-marbles'
import type { Observable } from 'rxjs'
import { UnsettledWriteError } from '../../../lib/failover/index.js'
import { captureError, doc, outcome, refused, SETTLE, setup, unavailable } from '../helpers.js'

const OK = { a: undefined, b: undefined }

describe('settle: a write is not acknowledged while an attempt it left behind could still land', () => {
  it(
    'the settle.ts timeline: c1 times out at 10 and answers at 16, c2 applies at 12: acknowledged at 16',
    marbles((m) => {
      const { store, stores, events } = setup(m)
      const c1 = m.cold('----------------(a|)', OK)
      const c2 = m.cold('--(b|)', OK)
      stores[0]!.on('insertOrReplace', c1)
      stores[1]!.on('insertOrReplace', c2)
      m.expect(store.insertOrReplace(doc('k'))).toBeObservable('----------------(b|)', OK)
      m.expect(c1).toHaveSubscriptions('^ 15ms !')
      m.expect(c2).toHaveSubscriptions('10ms ^-!')
      m.flush()
      expect(events.map((e) => `${e.type}@${e.at}`)).toEqual(['timeout@10', 'failover@10', 'rerouted@10'])
      // The straggler's answer counts: c1 answered, so it is up again (still held by the failover).
      expect(store.stats().clusters['c1']?.insertOrReplace).toMatchObject({ timeouts: 1 })
    }),
  )

  it(
    'the straggler answered before the other cluster did: nothing to wait for',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('insertOrReplace', m.cold('-----------(a|)', OK))
      stores[1]!.on('insertOrReplace', m.cold('---(b|)', OK))
      m.expect(store.insertOrReplace(doc('k'))).toBeObservable('-------------(b|)', OK)
    }),
  )

  it(
    'the straggler fails after it may have been sent (connection reset at 20): unknown, so UnsettledWriteError at 20, no waiting for settleMs',
    marbles((m) => {
      const { store, stores, events } = setup(m)
      stores[0]!.on('replace', m.cold('20ms #', undefined, unavailable()))
      stores[1]!.on('replace', m.cold('--(b|)', OK))
      m.expect(outcome(store.replace(doc('k')))).toBeObservable('20ms (e|)', { e: 'error:UNSETTLED_WRITE' })
      const box = captureError(store.replace(doc('k')))
      m.flush()
      expect(box.error).toMatchObject({
        code: 'UNSETTLED_WRITE',
        appliedOn: 'c2',
        pending: ['c1'],
        reason: 'c1 failed after it may have been sent (UNAVAILABLE)',
      })
      expect(events.filter((e) => e.type === 'unsettled').map((e) => `${e.at}`)).toEqual(['20', '20'])
      expect(store.stats()).toMatchObject({ inFlight: 0, activeTimers: 0, unsettled: 2 })
    }),
  )

  it(
    'the straggler fails provably unsent (refused at 20): settled, the write is acknowledged then',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('replace', m.cold('20ms #', undefined, refused()))
      stores[1]!.on('replace', m.cold('--(b|)', OK))
      m.expect(store.replace(doc('k'))).toBeObservable('20ms (b|)', OK)
    }),
  )

  it(
    'the first attempt is reset at 3, before any limit: the write moves on and lands on c2, but is not acknowledged (UnsettledWriteError at 5)',
    marbles((m) => {
      const { store, stores } = setup(m)
      const c2 = m.cold('--(b|)', OK)
      stores[0]!.on('insertOrReplace', m.cold('---#', undefined, unavailable()))
      stores[1]!.on('insertOrReplace', c2)
      m.expect(outcome(store.insertOrReplace(doc('k')))).toBeObservable('-----(e|)', { e: 'error:UNSETTLED_WRITE' })
      m.expect(c2).toHaveSubscriptions('---^-!')
    }),
  )

  it(
    'the first attempt is refused at 3 (provably unsent): moved on, acknowledged at 5',
    marbles((m) => {
      const { store, stores } = setup(m)
      stores[0]!.on('insertOrReplace', m.cold('---#', undefined, refused()))
      stores[1]!.on('insertOrReplace', m.cold('--(b|)', OK))
      m.expect(store.insertOrReplace(doc('k'))).toBeObservable('-----(b|)', OK)
    }),
  )

  it(
    'the straggler never answers: UnsettledWriteError settleMs after the other cluster applied it (12 + 50), naming both; the straggler is cancelled then',
    marbles((m) => {
      const { store, stores, events } = setup(m)
      const c1 = m.cold('-')
      stores[0]!.on('insertOrReplace', c1)
      stores[1]!.on('insertOrReplace', m.cold('--(b|)', OK))
      m.expect(outcome(store.insertOrReplace(doc('k')))).toBeObservable(`${12 + SETTLE}ms (e|)`, { e: 'error:UNSETTLED_WRITE' })
      const box = captureError(store.insertOrReplace(doc('k')))
      m.expect(c1).toHaveSubscriptions(['^ 61ms !', '^ 61ms !'])
      m.flush()
      const error = box.error as UnsettledWriteError
      expect(error).toBeInstanceOf(UnsettledWriteError)
      expect(error).toMatchObject({ code: 'UNSETTLED_WRITE', appliedOn: 'c2', pending: ['c1'], reason: `no answer within ${SETTLE} ms` })
      expect(error.message).toContain(`no answer within ${SETTLE} ms`)
      expect(events.filter((e) => e.type === 'unsettled')[0]).toEqual({
        type: 'unsettled',
        cluster: 'c1',
        operation: 'insertOrReplace',
        at: 62,
        elapsedMs: 62,
        pending: ['c1'],
        reason: `no answer within ${SETTLE} ms`,
      })
      expect(store.stats()).toMatchObject({ inFlight: 0, activeTimers: 0 })
    }),
  )

  it(
    'the caller unsubscribes while the write waits: the straggler is cancelled, nothing is left armed',
    marbles((m) => {
      const { store, stores } = setup(m)
      const c1 = m.cold('-')
      stores[0]!.on('insertOrReplace', c1)
      stores[1]!.on('insertOrReplace', m.cold('--(b|)', OK))
      m.expect(store.insertOrReplace(doc('k')), '^ 13ms !').toBeObservable('-')
      m.expect(c1).toHaveSubscriptions('^ 13ms !')
      m.scheduler.schedule(() => expect(store.stats()).toMatchObject({ inFlight: 0, activeTimers: 0 }), 15)
    }),
  )

  it(
    'the write then fails on the other cluster: no acknowledgment to hold back; after one more try on the slow cluster the error, the straggler cancelled with it',
    marbles((m) => {
      const { store, stores } = setup(m)
      const c1 = m.cold('-')
      stores[0]!.on('insertOrReplace', c1)
      stores[1]!.on('insertOrReplace', m.cold('--#', undefined, unavailable()))
      // c2 fails at 12; c1 only timed out, so it gets a second try (up to 30 ms), silent too.
      m.expect(outcome(store.insertOrReplace(doc('k')))).toBeObservable('42ms (e|)', { e: 'error:FAILOVER' })
      m.expect(c1).toHaveSubscriptions(['^ 41ms !', '12ms ^ 29ms !'])
    }),
  )

  it.each([
    ['increment with strategy failover (non-idempotent: a late landing is a repeat, already accepted)', 'increment'],
    ['findById (a read changes nothing)', 'findById'],
  ] as const)('no straggler is kept for %s: answered at once, the first attempt cancelled at the limit', (_, op) =>
    marbles((m) => {
      const { store, stores } = setup(m)
      const c1 = m.cold('-')
      stores[0]!.on(op, c1)
      stores[1]!.on(op, m.cold('--(b|)', { b: op === 'findById' ? null : undefined }))
      const call: Observable<unknown> = op === 'findById' ? store.findById('k') : store.increment('k', 'n', 1, { strategy: 'failover' })
      m.expect(call).toBeObservable('12ms (b|)', { b: op === 'findById' ? null : undefined })
      m.expect(c1).toHaveSubscriptions('^ 9ms !')
    })(),
  )
})
