/**
 * fakeStore: each method answers as scripted (a diagram, marble(…), or a function of the call's
 * arguments), on the virtual clock inside TestScheduler.run and in real milliseconds elsewhere;
 * every call is logged with its frames; an unscripted call and a bad script fail clearly.
 */
import { firstValueFrom, lastValueFrom, of, switchMap, takeUntil, tap, toArray } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { marbles } from 'rxjs-marbles'
import { describe, expect, it } from 'vitest'
import {
  DocumentExistsError,
  InvalidOptionsError,
  isAvailabilityError,
  UnavailableError,
  UnsupportedOperationError,
} from '../../lib/index.js'
import { fakeStore, marble, UnscriptedCallError, type FakeStore } from '../../lib/testing/index.js'
import { thrown } from '../support/thrown.js'

type User = { _id: string; name: string }
const ada: User = { _id: 'u1', name: 'Ada' }
const alan: User = { _id: 'u2', name: 'Alan' }

describe('fakeStore in virtual time', () => {
  it(
    'plays a diagram from each subscription, one frame per millisecond',
    marbles((m) => {
      const store = fakeStore<User>({ findById: marble('--a|', { a: ada }), find: marble('-a 10ms b|', { a: ada, b: alan }) })
      m.expect(store.findById('u1')).toBeObservable('--a|', { a: ada })
      m.expect(store.find()).toBeObservable('-a 10ms b|', { a: ada, b: alan })
    }),
  )

  it(
    'plays from the moment of subscription, also when the call was made earlier',
    marbles((m) => {
      const store = fakeStore<User>({ findById: marble('500ms (a|)', { a: ada }) })
      const call = store.findById('u1')
      m.expect(m.cold('100ms (x|)').pipe(switchMap(() => call))).toBeObservable('600ms (a|)', { a: ada })
      m.flush()
      expect(store.calls).toEqual([{ method: 'findById', args: ['u1'], calledAt: 0, subscribedAt: 100, endedAt: 600, ending: 'completed' }])
    }),
  )

  it(
    'writes emit undefined whatever the letter; check-and-* read t and f as booleans',
    marbles((m) => {
      const store = fakeStore({
        insert: '-(x|)',
        delete: '(k|)',
        checkAndDelete: '--(t|)',
        checkAndReplace: '(f|)',
        checkAndMutate: marble('(y|)', { y: true }),
      })
      m.expect(store.insert({ _id: 'u1' })).toBeObservable('-(u|)', { u: undefined })
      m.expect(store.delete('u1')).toBeObservable('(u|)', { u: undefined })
      m.expect(store.checkAndDelete('u1', {})).toBeObservable('--(t|)', { t: true })
      m.expect(store.checkAndReplace({ _id: 'u1' }, {})).toBeObservable('(f|)', { f: false })
      m.expect(store.checkAndMutate('u1', {}, { $set: { a: 1 } })).toBeObservable('(y|)', { y: true })
    }),
  )

  it(
    '# fails with the given error, or an UnavailableError (a cluster fault) without one',
    marbles((m) => {
      const exists = new DocumentExistsError('u1 exists')
      const store = fakeStore({ insert: marble('--#', {}, exists), findById: '---#' })
      m.expect(store.insert({ _id: 'u1' })).toBeObservable('--#', undefined, exists)
      let fault: unknown
      store.findById('u1').subscribe({ error: (e: unknown) => (fault = e) })
      m.flush()
      expect(fault).toBeInstanceOf(UnavailableError)
      expect(isAvailabilityError(fault)).toBe(true)
      expect((fault as Error).message).toBe('fake store /fake/table: scripted failure of findById')
    }),
  )

  it(
    'a function of the arguments may return a diagram, marble(…), an Observable or a plain value',
    marbles((m) => {
      const store = fakeStore<User>({
        findById: (id) => (id === 'u1' ? marble('-(a|)', { a: ada }) : id === 'u2' ? of(alan) : id === 'none' ? null : '-'),
        find: (query) => (query === undefined ? [ada, alan] : '--|'),
        insertOrReplace: (doc) => (doc._id === 'bad' ? marble('#', {}, new DocumentExistsError('no')) : undefined),
        increment: () => '---(a|)',
      })
      m.expect(store.findById('u1')).toBeObservable('-(a|)', { a: ada })
      m.expect(store.findById('u2')).toBeObservable('(a|)', { a: alan })
      m.expect(store.findById('none')).toBeObservable('(n|)', { n: null })
      m.expect(store.findById('other')).toBeObservable('-')
      m.expect(store.find()).toBeObservable('(ab|)', { a: ada, b: alan })
      m.expect(store.find({ $where: {} })).toBeObservable('--|')
      m.expect(store.insertOrReplace({ _id: 'ok', name: 'Ok' })).toBeObservable('(u|)', { u: undefined })
      m.expect(store.insertOrReplace({ _id: 'bad', name: 'Bad' })).toBeObservable('#', undefined, new DocumentExistsError('no'))
      m.expect(store.increment('c', 'n', 1)).toBeObservable('---(u|)', { u: undefined })
    }),
  )

  it(
    'logs every call: arguments, frames, and whether it completed, errored or was cancelled',
    marbles((m) => {
      const store = fakeStore({ findById: '-', insert: '--(x|)', delete: '-#' })
      store
        .findById('slow', { fields: ['name'] })
        .pipe(takeUntil(m.cold('5ms x')))
        .subscribe()
      m.cold('10ms x').subscribe(() => store.insert({ _id: 'w' }).subscribe())
      store.delete('d').subscribe({ error: () => {} })
      const neverSubscribed = store.increment('k', 'n', 1)
      m.flush()
      expect(neverSubscribed).toBeDefined()
      expect(store.calls).toEqual([
        { method: 'findById', args: ['slow', { fields: ['name'] }], calledAt: 0, subscribedAt: 0, endedAt: 5, ending: 'cancelled' },
        { method: 'delete', args: ['d'], calledAt: 0, subscribedAt: 0, endedAt: 1, ending: 'errored' },
        { method: 'increment', args: ['k', 'n', 1], calledAt: 0, subscribedAt: undefined, endedAt: undefined, ending: undefined },
        { method: 'insert', args: [{ _id: 'w' }], calledAt: 10, subscribedAt: 10, endedAt: 12, ending: 'completed' },
      ])
      expect(store.callsOf('insert').map((c) => c.args[0])).toEqual([{ _id: 'w' }])
      expect(store.callsOf('find')).toEqual([])
    }),
  )

  it(
    'a second subscription to the same call is logged as a call of its own',
    marbles((m) => {
      const store = fakeStore({ delete: '-(x|)' })
      const call = store.delete('d')
      call.subscribe()
      m.cold('3ms x').subscribe(() => call.subscribe())
      m.flush()
      expect(store.calls.map((c) => [c.subscribedAt, c.endedAt])).toEqual([
        [0, 1],
        [3, 4],
      ])
    }),
  )
})

describe('an unscripted method', () => {
  it('errors with UnscriptedCallError naming the store, the method and how to script it; an answer, not a fault', async () => {
    const store = fakeStore({ path: '/apps/users', findById: '-' })
    const error = await firstValueFrom(store.update('u1', { $set: { a: 1 } })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnscriptedCallError)
    expect(error).toBeInstanceOf(UnsupportedOperationError)
    expect(isAvailabilityError(error)).toBe(false)
    expect(error).toMatchObject({ path: '/apps/users', method: 'update', code: 'UNSUPPORTED_OPERATION' })
    expect((error as Error).message).toBe(
      "fake store /apps/users: update was called but not scripted; script it, e.g. fakeStore({ update: '--(a|)' }) or fakeStore({ update: (...args) => of(…) })",
    )
    expect(store.callsOf('update')).toHaveLength(1)
  })

  it('findById says that a failover probe reads it', async () => {
    const error = await firstValueFrom(fakeStore().findById('x')).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/failback probe reads "__ojai_failover_probe__" with findById/)
  })
})

describe('a bad script', () => {
  it.each([
    [{ findByID: '-' }, /"findByID" is not a Store method \(did you mean "findById"\?\)/],
    [
      { findById: '--a|' },
      /fakeStore \/fake\/table findById: the marble "--a\|" emits "a" but gives no value for it; script it as marble\("--a\|", \{ a: … \}\)/,
    ],
    [{ checkAndDelete: '(x|)' }, /checkAndDelete: the marble "\(x\|\)" emits "x" but gives no value/],
    [{ findById: '^-a|' }, /cannot have "\^" or "!"/],
    [{ findById: '-a!' }, /cannot have "\^" or "!"/],
    [{ insert: 42 }, /insert must be a marble diagram, marble\(…\) or a function/],
    [{ path: '' }, /path must be a non-empty table path/],
  ])('%j is refused with InvalidOptionsError', (script, message) => {
    const error = thrown(() => fakeStore(script as never))
    expect(error).toBeInstanceOf(InvalidOptionsError)
    expect((error as Error).message).toMatch(message)
  })

  it.each([
    [{ scheduler: 5 }, 'scheduler must be an RxJS SchedulerLike (with now() and schedule()); got 5'],
    [{ scheduler: { now: () => 0 } }, 'scheduler must be an RxJS SchedulerLike (with now() and schedule()); got an object'],
    [{ schedular: new TestScheduler(() => {}) }, 'fakeStore options: unknown option "schedular" (did you mean "scheduler"?)'],
    [null, 'fakeStore options must be an object; got null'],
  ])('options %j are refused with InvalidOptionsError when the fake is made, not by a later call', (options, message) => {
    const error = thrown(() => fakeStore({ findById: '(a|)' }, options as never))
    expect(error).toBeInstanceOf(InvalidOptionsError)
    expect((error as Error).message).toBe(message)
  })

  it('a function returning a letter without a value errors the call with InvalidOptionsError', async () => {
    const store: FakeStore = fakeStore({ findById: () => '-a|' })
    await expect(firstValueFrom(store.findById('u1'))).rejects.toThrow(InvalidOptionsError)
    await expect(firstValueFrom(fakeStore({ find: () => 42 as never }).find())).rejects.toThrow(/an array of documents, got number/)
  })
})

describe('fakeStore outside TestScheduler.run', () => {
  it('plays in real milliseconds on the default scheduler', async () => {
    const store = fakeStore<User>({ find: marble('20ms a 5ms (b|)', { a: ada, b: alan }) })
    let emitted = false
    const all = lastValueFrom(
      store.find().pipe(
        tap(() => (emitted = true)),
        toArray(),
      ),
    )
    expect(emitted).toBe(false) // nothing at subscription: the first answer is 20 ms away
    expect(await all).toEqual([ada, alan])
    const [call] = store.calls
    // Timers never fire early (allowing Date.now's rounding): the answer took at least its 27 frames in ms.
    expect((call?.endedAt ?? 0) - (call?.subscribedAt ?? 0)).toBeGreaterThanOrEqual(25)
    expect(call?.ending).toBe('completed')
  })

  it('reads "-" as one frame on a TestScheduler outside run(), where RxJS counts 10', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b))
    const store = fakeStore({ findById: marble('--a|', { a: ada }) }, { scheduler })
    const seen: [number, unknown][] = []
    store.findById('u1').subscribe({ next: (v) => seen.push([scheduler.now(), v]), complete: () => seen.push([scheduler.now(), 'done']) })
    scheduler.flush()
    expect(seen).toEqual([
      [2, ada],
      [3, 'done'],
    ])
    expect(TestScheduler.frameTimeFactor).toBe(10)
  })
})
