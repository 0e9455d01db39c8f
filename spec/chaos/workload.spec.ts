import { describe, expect, it } from 'vitest'
import { check } from '../../lib/chaos/checker.js'
import { seededRandom } from '../../lib/chaos/distribution.js'
import { History } from '../../lib/chaos/history.js'
import { classifyError, ownKey, readClusterState, Workload } from '../../lib/chaos/workload.js'
import { UnsettledWriteError } from '../../lib/failover/errors.js'
import { DocumentExistsError, TimeoutError, UnavailableError } from '../../lib/ojai/errors.js'
import type { MutationJson } from '../../lib/ojai/mutation.js'
import type { DocumentWithId } from '../../lib/ojai/values.js'
import { AnsweringClusters } from '../../lib/chaos/answering-clusters.js'
import { fakeStore, testFailoverStore } from '../../lib/testing/index.js'
import { FakeStore, type FakeBehaviour } from './fake-store.js'

const OPTIONS = { primary: 'A', timeoutMs: 100, secondaryTimeoutMs: 100, hangMarginMs: 0, recoveryGraceMs: 0 }
/** How long `run` lets stop() wait for operations in flight before abandoning them. */
const DRAIN_MS = 300

/**
 * Logical time for the in-process store: each reading is one tick after the one before, so every
 * invocation and outcome has its own instant and "ended before" is exact; nothing else moves it
 * but {@link advance}. A fake operation spans a few ticks, far under the checker's 200 ms hang
 * bound, however loaded the machine: only time the test says has passed can make a hang.
 */
function logicalClock(): { readonly now: () => number; advance(ms: number): void } {
  let ms = 0
  return { now: () => ++ms, advance: (by) => void (ms += by) }
}

async function run(behaviour: FakeBehaviour, maxOps = 400) {
  const store = new FakeStore()
  const clock = logicalClock()
  const history = new History({ now: clock.now })
  const workload = new Workload({ store, history, concurrency: 4, maxOps, random: seededRandom(7), activeCluster: () => 'A' })
  await workload.seed()
  Object.assign(store.behaviour, behaviour)
  const finished = workload.start()
  // Processes stuck on operations that never end never finish: give them a bounded while.
  await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 300))])
  const abandoned = await workload.stop(DRAIN_MS)
  // The operations still in flight waited out the drain: that much time passed for them.
  clock.advance(DRAIN_MS)
  const state = await readClusterState(store)
  return { history, abandoned, state, result: check(history.snapshot(), new Map([['A', state]]), OPTIONS) }
}

describe('Workload', () => {
  it('issues the mix through the store and records a history the checker accepts', async () => {
    const { history, abandoned, result } = await run({})
    expect(abandoned).toBe(0)
    const ops = history.snapshot().operations
    expect(ops).toHaveLength(400)
    const types = new Set(ops.map((op) => op.type))
    expect(types).toEqual(new Set(['write-idempotent', 'write-conditional', 'increment', 'read']))
    expect(ops.every((op) => op.outcome === 'ok' && op.cluster === 'A')).toBe(true)
    expect(result).toMatchObject({ ops: 400, lostWrites: 0, duplicateApplies: 0, hangs: 0, unexplained: 0, valid: true })
    // Reads record what they saw, and see only values some write wrote.
    const written = new Set(ops.filter((op) => op.type === 'write-idempotent').map((op) => op.value))
    const reads = ops.filter((op) => op.type === 'read' && op.value !== null)
    expect(reads.length).toBeGreaterThan(0)
    expect(reads.every((op) => written.has(op.value ?? ''))).toBe(true)
  })

  it('stop() ends processes sleeping their think time at once', async () => {
    const store = new FakeStore()
    // A think time of an hour: a process still sleeping it would outlive the test many times over.
    const workload = new Workload({
      store,
      history: new History(),
      concurrency: 2,
      maxOps: 1000,
      thinkMs: 3_600_000,
      random: seededRandom(3),
      activeCluster: () => 'A',
    })
    await workload.seed()
    const finished = workload.start()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await workload.stop(1000)).toBe(0)
    await expect(finished).resolves.toBeUndefined()
    expect(workload.operations).toBeLessThan(1000)
  })

  it('thinkJitter spreads pauses over thinkMs * (1 ± jitter): a draw at the bottom pauses not at all', async () => {
    const workload = new Workload({
      store: new FakeStore(),
      history: new History(),
      concurrency: 2,
      maxOps: 50,
      thinkMs: 60_000,
      thinkJitter: 1,
      random: () => 0,
    })
    let timer: NodeJS.Timeout | undefined
    const outcome = await Promise.race([
      workload.start().then(() => 'finished'),
      // Far shorter than one pause of 60 s, far longer than 50 operations of an in-process store.
      new Promise((resolve) => (timer = setTimeout(() => resolve('still pausing'), 20_000))),
    ])
    clearTimeout(timer)
    await workload.stop(100)
    expect(outcome).toBe('finished')
    expect(workload.operations).toBe(50)
  })

  it('keeps one operation in flight per process', async () => {
    const { history } = await run({}, 200)
    const ops = history.snapshot().operations
    for (const p of [0, 1, 2, 3]) {
      const mine = ops.filter((op) => op.process === p)
      for (let i = 1; i < mine.length; i++) expect(mine[i]?.invokeMs).toBeGreaterThanOrEqual(mine[i - 1]?.completeMs ?? Infinity)
    }
  })

  it('a store that applies increments twice is caught as duplicate applies', async () => {
    const { result } = await run({ duplicateUpdates: true })
    expect(result.duplicateApplies).toBeGreaterThan(0)
    expect(result.valid).toBe(false)
  })

  it('a store that acknowledges writes it drops is caught as lost writes', async () => {
    const { result } = await run({ dropWrites: true })
    expect(result.lostWrites).toBeGreaterThan(0)
  })

  it('lost answers are recorded as unknown outcomes, not failures', async () => {
    const { history, result } = await run({ loseAnswers: true }, 100)
    const ops = history.snapshot().operations
    expect(ops.every((op) => op.outcome === 'info' && op.error?.startsWith('UNAVAILABLE: answer lost') === true)).toBe(true)
    expect(result.lostWrites).toBe(0)
    expect(result.callerErrors).toBeGreaterThan(0)
  })

  it('stop() abandons operations that never end, and they count as hangs', async () => {
    // Reads that never end: without the abandoning, run() would never return.
    const { abandoned, history, result } = await run({ hangReads: true })
    expect(abandoned).toBeGreaterThan(0)
    expect(history.pending()).toHaveLength(abandoned)
    expect(result.hangs).toBe(abandoned)
  })

  describe('writesPerOwnKey', () => {
    async function runOwnKeys(behaviour: FakeBehaviour) {
      const store = new FakeStore(behaviour)
      // A logical clock: every invocation and outcome at its own instant, so "ended before" is exact.
      let tick = 0
      const history = new History({ now: () => ++tick })
      const mix = { writeIdempotent: 1, writeConditional: 0, increment: 0, read: 0 }
      const workload = new Workload({
        store,
        history,
        concurrency: 3,
        maxOps: 60,
        mix,
        writesPerOwnKey: 3,
        random: seededRandom(5),
        activeCluster: () => 'A',
      })
      await workload.start()
      store.landHeldWrites()
      const state = await readClusterState(store)
      return { history, state, result: check(history.snapshot(), new Map([['A', state]]), OPTIONS) }
    }

    it('each process writes its own keys, each that many times in a row, one write after the other', async () => {
      const { history, state, result } = await runOwnKeys({})
      const ops = history.snapshot().operations
      expect(ops).toHaveLength(60)
      for (const p of [0, 1, 2]) {
        const mine = ops.filter((op) => op.process === p)
        expect(mine.map((op) => op.key)).toEqual(mine.map((_, i) => ownKey(p, Math.floor(i / 3))))
        for (let i = 1; i < mine.length; i++) expect(mine[i]?.invokeMs).toBeGreaterThanOrEqual(mine[i - 1]?.completeMs ?? Infinity)
      }
      // Every key ends with its third write's value.
      const last = new Map(ops.map((op) => [op.key, op.value]))
      expect(new Map([...state].map(([key, s]) => [key, s.value]))).toEqual(last)
      expect(result).toMatchObject({ ops: 60, overtakenWrites: 0, lostWrites: 0, valid: true })
    })

    it('a first write that lands again after the process moved on is caught as overtaking the two after it', async () => {
      const { history, result } = await runOwnKeys({ holdFirstWrites: true })
      // Processes share maxOps, so a process's last key may have fewer than three writes.
      const writesPerKey = new Map<string, number>()
      for (const op of history.snapshot().operations) writesPerKey.set(op.key, (writesPerKey.get(op.key) ?? 0) + 1)
      const later = [...writesPerKey.values()].reduce((n, count) => n + count - 1, 0)
      expect(later).toBeGreaterThan(30)
      expect(result).toMatchObject({ overtakenWrites: later, lostWrites: later, valid: false })
    })
  })

  it('with answers, records the cluster that answered each operation, not the one the store calls active', async () => {
    // Reads fail on the primary and move on (the store switches to the secondary); writes go to the
    // primary only: neither is the cluster the store calls active.
    const store = testFailoverStore({
      primary: fakeStore({ findById: '#', insertOrReplace: () => undefined }),
      secondary: fakeStore({ findById: () => null, insertOrReplace: '#' }),
    })
    const workloadStore = {
      findById: (id: string) => store.findById(id),
      insertOrReplace: (doc: DocumentWithId) => store.insertOrReplace(doc, { strategy: 'primary-only' }),
      insert: (doc: DocumentWithId) => store.insert(doc),
      update: (id: string, mutation: MutationJson) => store.update(id, mutation),
    }
    const answers = new AnsweringClusters()
    const history = new History()
    const mix = { writeIdempotent: 1, writeConditional: 0, increment: 0, read: 1 }
    const workload = new Workload({
      store: workloadStore,
      history,
      concurrency: 1,
      maxOps: 20,
      mix,
      activeCluster: () => 'active',
      answers,
    })
    try {
      await workload.start()
    } finally {
      answers.close()
      await store.close()
    }
    const ops = history.snapshot().operations
    expect(ops.filter((op) => op.type === 'read').map((op) => op.cluster)).toEqual(
      ops.filter((op) => op.type === 'read').map(() => 'secondary'),
    )
    expect(ops.filter((op) => op.type === 'write-idempotent').every((op) => op.outcome === 'ok' && op.cluster === 'primary')).toBe(true)
    expect(ops.some((op) => op.type === 'write-idempotent')).toBe(true)
  })

  it('classifies errors: availability and give-ups are unknown, answers are failures', () => {
    expect(classifyError(new DocumentExistsError('x'))).toEqual({ outcome: 'fail', error: 'DOCUMENT_EXISTS' })
    expect(classifyError(new TimeoutError('slow', 100))).toEqual({ outcome: 'info', error: 'TIMEOUT' })
    expect(classifyError(new UnavailableError('down', { unsent: true }))).toEqual({ outcome: 'info', error: 'UNAVAILABLE' })
    expect(classifyError(new Error('boom'))).toEqual({ outcome: 'info', error: 'Error: boom' })
    expect(classifyError(new UnsettledWriteError('insertOrReplace', 'B', ['A'], 'no answer within 5000 ms'))).toEqual({
      outcome: 'info',
      error: 'UNSETTLED_WRITE',
    })
  })
})
