import { Observable, of, throwError, concat, Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { toAsyncIterable } from '../lib/async-iterable.js'

describe('toAsyncIterable', () => {
  it('yields every value in order and ends when the source completes', async () => {
    const seen: number[] = []
    for await (const n of toAsyncIterable(of(1, 2, 3))) seen.push(n)
    expect(seen).toEqual([1, 2, 3])
  })

  it('throws the source error after the values before it', async () => {
    const seen: number[] = []
    const failing = concat(
      of(1),
      throwError(() => new Error('boom')),
    )
    await expect(async () => {
      for await (const n of toAsyncIterable(failing)) seen.push(n)
    }).rejects.toThrow('boom')
    expect(seen).toEqual([1])
  })

  it('waits for values that arrive later', async () => {
    const subject = new Subject<string>()
    const iterator = toAsyncIterable(subject)[Symbol.asyncIterator]()
    const first = iterator.next()
    subject.next('late')
    expect(await first).toEqual({ value: 'late', done: false })
    subject.complete()
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
  })

  it('does not subscribe before iteration starts, and unsubscribes on break', async () => {
    let subscribed = 0
    let unsubscribed = 0
    const source = new Observable<number>((subscriber) => {
      subscribed++
      subscriber.next(1)
      subscriber.next(2)
      return () => unsubscribed++
    })
    const iterable = toAsyncIterable(source)
    expect(subscribed).toBe(0)
    for await (const n of iterable) {
      expect(n).toBe(1)
      break
    }
    expect(subscribed).toBe(1)
    expect(unsubscribed).toBe(1)
  })
})
