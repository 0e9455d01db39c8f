/**
 * AnsweringClusters names the cluster that answered each operation, from the FailoverStore's
 * diagnostics records, where the store's active cluster would name the wrong one.
 */
import { lastValueFrom, type Observable } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import { AnsweringClusters } from '../../lib/chaos/answering-clusters.js'
import { fakeStore, testFailoverStore } from '../../lib/testing/index.js'

const open: { close(): unknown }[] = []
afterEach(() => {
  for (const o of open.splice(0)) void o.close()
})

/** Runs `call` through `answers` under `token` and waits for its end (errors included). */
function run(answers: AnsweringClusters, token: object, call: Observable<unknown>): Promise<void> {
  return new Promise((resolve) => answers.starting(token, () => call.subscribe({ complete: () => resolve(), error: () => resolve() })))
}

describe('AnsweringClusters', () => {
  it('names the cluster that answered, not the active one', async () => {
    // The primary fails reads (an availability error: the read moves on, the store switches) and takes writes.
    const primary = fakeStore({ findById: '#', insertOrReplace: '(x|)' })
    const secondary = fakeStore({ findById: () => ({ _id: 'k', v: 'on the secondary' }) })
    const store = testFailoverStore({ primary, secondary })
    const answers = new AnsweringClusters()
    open.push(store, answers)
    const read = {}
    const write = {}
    await run(answers, read, store.findById('k'))
    expect(answers.clusterOf(read)).toBe('secondary')
    expect(store.cluster.name).toBe('secondary')
    // Active: the secondary; this write goes to the primary all the same.
    await run(answers, write, store.insertOrReplace({ _id: 'k', v: 1 }, { strategy: 'primary-only' }))
    expect(answers.clusterOf(write)).toBe('primary')
    expect(store.cluster.name).toBe('secondary')
  })

  it('knows nothing of an operation no cluster answered, one started elsewhere, or one started after close()', async () => {
    const store = testFailoverStore({ primary: fakeStore({ findById: '#' }), secondary: fakeStore({ findById: '#' }) })
    const answers = new AnsweringClusters()
    open.push(store, answers)
    const failed = {}
    await run(answers, failed, store.findById('k'))
    expect(answers.clusterOf(failed)).toBeUndefined()
    expect(answers.clusterOf({})).toBeUndefined()

    const ok = testFailoverStore({ primary: fakeStore({ findById: () => null }), secondary: fakeStore({}) })
    open.push(ok)
    await lastValueFrom(ok.findById('k')) // not started through answers
    answers.close()
    const late = {}
    await run(answers, late, ok.findById('k'))
    expect(answers.clusterOf(late)).toBeUndefined()
  })
})
