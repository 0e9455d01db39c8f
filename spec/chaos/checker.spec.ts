import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { allDownSpans, check, divergentKeys, type ClusterState, type KeyState } from '../../lib/chaos/checker.js'
import { History, type OpType, type Outcome } from '../../lib/chaos/history.js'

const OPTIONS = { primary: 'A', timeoutMs: 100, secondaryTimeoutMs: 1000, hangMarginMs: 500 }

/** Builds histories by hand on a virtual clock. */
class Script {
  t = 0
  readonly h = new History({ now: () => this.t })
  at(t: number): this {
    this.t = t
    return this
  }
  /** An operation invoked at `from` and completed at `to` (or left pending when `to` is undefined). */
  op(
    type: OpType,
    key: string,
    from: number,
    to: number | undefined,
    outcome: Outcome,
    extra: { value?: string | null; cluster?: string; error?: string; process?: number } = {},
  ): number {
    this.t = from
    const id = this.h.invoke(extra.process ?? 1, type, key, extra.value === undefined ? {} : { value: extra.value })
    if (to !== undefined) {
      this.t = to
      this.h.complete(id, outcome, {
        ...(extra.cluster === undefined ? {} : { cluster: extra.cluster }),
        ...(extra.error === undefined ? {} : { error: extra.error }),
      })
    }
    return id
  }
}

function states(entries: Record<string, Record<string, KeyState>>): Map<string, ClusterState> {
  return new Map(Object.entries(entries).map(([cluster, keys]) => [cluster, new Map(Object.entries(keys))]))
}

/** The same state on both clusters. */
function both(keys: Record<string, KeyState>): Map<string, ClusterState> {
  return states({ A: keys, B: keys })
}

describe('check: writes', () => {
  it('passes when every acknowledged write is present', () => {
    const s = new Script()
    s.op('write-idempotent', 'w1', 0, 5, 'ok', { value: 'x1' })
    s.op('write-conditional', 'i1', 10, 15, 'ok', { value: 'y1' })
    const r = check(s.at(20).h.snapshot(), both({ w1: { value: 'x1' }, i1: { value: 'y1' } }), OPTIONS)
    expect(r).toMatchObject({ ops: 2, okOps: 2, lostWrites: 0, valid: true, converged: true })
  })

  it('counts an acknowledged write whose key is missing as lost', () => {
    const s = new Script()
    const id = s.op('write-idempotent', 'w1', 0, 5, 'ok', { value: 'x1' })
    const r = check(s.at(20).h.snapshot(), both({}), OPTIONS)
    expect(r.lostWrites).toBe(1)
    expect(r.valid).toBe(false)
    expect(r.anomalies).toContainEqual(expect.objectContaining({ kind: 'lost-write', opId: id }))
  })

  it('does not count an unacknowledged write that is missing', () => {
    const s = new Script()
    s.op('write-idempotent', 'w1', 0, 100, 'info', { value: 'x1', error: 'TIMEOUT' })
    s.op('write-conditional', 'w2', 0, 100, 'fail', { value: 'x2', error: 'UNAVAILABLE' })
    const r = check(s.at(200).h.snapshot(), both({}), { ...OPTIONS, recoveryGraceMs: 0 })
    expect(r.lostWrites).toBe(0)
  })

  it('register: a later acknowledged write overwritten by an earlier one is lost', () => {
    const s = new Script()
    const earlier = s.op('write-idempotent', 'r', 0, 10, 'ok', { value: 'old' })
    const later = s.op('write-idempotent', 'r', 20, 30, 'ok', { value: 'new' })
    const r = check(s.at(40).h.snapshot(), both({ r: { value: 'old' } }), OPTIONS)
    expect(r.lostWrites).toBe(1)
    expect(r.anomalies).toContainEqual(expect.objectContaining({ kind: 'overtaken-write', opId: later, byOpId: earlier, key: 'r' }))
  })

  it('register: concurrent writes may end in either order', () => {
    const s = new Script()
    s.op('write-idempotent', 'r', 0, 30, 'ok', { value: 'a' })
    s.op('write-idempotent', 'r', 10, 20, 'ok', { value: 'b' })
    expect(check(s.at(40).h.snapshot(), both({ r: { value: 'a' } }), OPTIONS).lostWrites).toBe(0)
    expect(check(s.at(40).h.snapshot(), both({ r: { value: 'b' } }), OPTIONS).lostWrites).toBe(0)
  })

  it('register: an unknown write may win over anything acknowledged before it ended', () => {
    const s = new Script()
    s.op('write-idempotent', 'r', 0, 10, 'ok', { value: 'acked' })
    s.op('write-idempotent', 'r', 20, undefined, 'info', { value: 'pending' })
    const r = check(s.at(50).h.snapshot(), both({ r: { value: 'pending' } }), OPTIONS)
    expect(r.lostWrites).toBe(0)
  })

  it('register: a timed-out write applied late may win over writes acknowledged after its timeout', () => {
    const s = new Script()
    s.op('write-idempotent', 'r', 0, 100, 'info', { value: 'late', error: 'TIMEOUT' })
    s.op('write-idempotent', 'r', 150, 160, 'ok', { value: 'acked' })
    const r = check(s.at(200).h.snapshot(), both({ r: { value: 'late' } }), OPTIONS)
    expect(r.lostWrites).toBe(0)
  })

  it('flags a value no operation wrote', () => {
    const s = new Script()
    s.op('write-idempotent', 'r', 0, 10, 'ok', { value: 'a' })
    const r = check(s.at(20).h.snapshot(), both({ r: { value: 'zzz' } }), OPTIONS)
    expect(r.unexplained).toBeGreaterThan(0)
    expect(r.valid).toBe(false)
  })

  it('counts a write lost on one cluster once, even when lost on several', () => {
    const s = new Script()
    s.op('write-idempotent', 'w', 0, 10, 'ok', { value: 'x' })
    const r = check(s.at(20).h.snapshot(), states({ A: {}, B: {}, C: { w: { value: 'x' } } }), OPTIONS)
    expect(r.lostWrites).toBe(1)
    expect(r.converged).toBe(false)
  })
})

describe('check: overtaken writes', () => {
  it('flags the lost-write case: an attempt abandoned on a slow primary lands after the next write', () => {
    // insertOrReplace {v:1} times out on A at 100 ms and is acknowledged by B; the caller then
    // writes {v:2}, acknowledged by B; v:1's first attempt reaches A later and wins everywhere.
    const s = new Script()
    const v1 = s.op('write-idempotent', 'k', 0, 105, 'ok', { value: 'v1', cluster: 'B' })
    const v2 = s.op('write-idempotent', 'k', 106, 110, 'ok', { value: 'v2', cluster: 'B' })
    const r = check(s.at(900).h.snapshot(), both({ k: { value: 'v1' } }), OPTIONS)
    expect(r).toMatchObject({ overtakenWrites: 1, lostWrites: 1, valid: false })
    for (const cluster of ['A', 'B']) {
      expect(r.anomalies).toContainEqual({
        kind: 'overtaken-write',
        opId: v2,
        byOpId: v1,
        key: 'k',
        cluster,
        detail: `final value written by ${v1}, which ended before ${v2} began`,
      })
    }
    expect(r.anomalies.filter((a) => a.kind === 'lost-write')).toEqual([])
  })

  it('flags every acknowledged write that began after the overtaking one ended, and only those', () => {
    const s = new Script()
    const v1 = s.op('write-idempotent', 'k', 0, 105, 'ok', { value: 'v1' })
    const concurrent = s.op('write-idempotent', 'k', 50, 120, 'ok', { value: 'c' })
    const v2 = s.op('write-idempotent', 'k', 106, 110, 'ok', { value: 'v2' })
    const v3 = s.op('write-idempotent', 'k', 111, 115, 'ok', { value: 'v3' })
    s.op('write-idempotent', 'k', 116, 216, 'info', { value: 'unknown', error: 'TIMEOUT' })
    const r = check(s.at(900).h.snapshot(), states({ A: { k: { value: 'v1' } } }), OPTIONS)
    const flagged = r.anomalies.flatMap((a) => (a.kind === 'overtaken-write' ? [[a.opId, a.byOpId]] : []))
    expect(flagged).toEqual([
      [v2, v1],
      [v3, v1],
    ])
    expect(flagged.map(([id]) => id)).not.toContain(concurrent)
    expect(r).toMatchObject({ overtakenWrites: 2, lostWrites: 2 })
  })

  it('does not flag concurrent writes, in either final order', () => {
    const s = new Script()
    s.op('write-idempotent', 'k', 0, 30, 'ok', { value: 'a' })
    s.op('write-idempotent', 'k', 10, 40, 'ok', { value: 'b' })
    for (const value of ['a', 'b']) {
      expect(check(s.at(50).h.snapshot(), both({ k: { value } }), OPTIONS)).toMatchObject({
        overtakenWrites: 0,
        lostWrites: 0,
        valid: true,
      })
    }
  })

  it('does not flag an earlier write without an acknowledgment: it has no known end', () => {
    const s = new Script()
    s.op('write-idempotent', 'k', 0, 100, 'info', { value: 'timed-out', error: 'TIMEOUT' })
    s.op('write-idempotent', 'k', 0, 100, 'fail', { value: 'failed', error: 'FAILOVER' })
    s.op('write-idempotent', 'k', 0, undefined, 'ok', { value: 'pending' })
    s.op('write-idempotent', 'k', 150, 160, 'ok', { value: 'acked' })
    for (const value of ['timed-out', 'failed', 'pending']) {
      expect(check(s.at(3000).h.snapshot(), both({ k: { value } }), { ...OPTIONS, hangMarginMs: 10_000 })).toMatchObject({
        overtakenWrites: 0,
        lostWrites: 0,
      })
    }
  })

  it('does not flag a write whose own value is the final one, even when an earlier write stored the same value', () => {
    const s = new Script()
    s.op('write-idempotent', 'k', 0, 10, 'ok', { value: 'same' })
    s.op('write-idempotent', 'k', 20, 30, 'ok', { value: 'same' })
    expect(check(s.at(40).h.snapshot(), both({ k: { value: 'same' } }), OPTIONS)).toMatchObject({
      overtakenWrites: 0,
      lostWrites: 0,
      valid: true,
    })
  })

  it('blames a value stored by several writes only when all of them ended before, naming the last to end', () => {
    const s = new Script()
    s.op('write-idempotent', 'k', 0, 10, 'ok', { value: 'dup' })
    const second = s.op('write-idempotent', 'k', 5, 15, 'ok', { value: 'dup' })
    const w = s.op('write-idempotent', 'k', 20, 30, 'ok', { value: 'w' })
    const r = check(s.at(40).h.snapshot(), states({ A: { k: { value: 'dup' } } }), OPTIONS)
    expect(r.anomalies).toContainEqual(expect.objectContaining({ kind: 'overtaken-write', opId: w, byOpId: second }))
    // One more write of that value, concurrent with w: it may have been the last applied.
    s.op('write-idempotent', 'k', 25, 35, 'ok', { value: 'dup' })
    expect(check(s.at(40).h.snapshot(), states({ A: { k: { value: 'dup' } } }), OPTIONS).overtakenWrites).toBe(0)
  })

  describe('reads (freshReads)', () => {
    /** v1 overtakes v2 for a while, then v3 puts things right; a read in between shows it. */
    function transient(readFrom: number, readValue: string) {
      const s = new Script()
      const v1 = s.op('write-idempotent', 'k', 0, 105, 'ok', { value: 'v1' })
      const v2 = s.op('write-idempotent', 'k', 106, 110, 'ok', { value: 'v2' })
      const read = s.op('read', 'k', readFrom, readFrom + 5, 'ok', { value: readValue, cluster: 'B' })
      s.op('write-idempotent', 'k', 800, 805, 'ok', { value: 'v3' })
      return { s, v1, v2, read, final: both({ k: { value: 'v3' } }) }
    }

    it('flags a read after the acknowledgment that returns the overtaking value', () => {
      const { s, v1, v2, read, final } = transient(600, 'v1')
      const r = check(s.at(900).h.snapshot(), final, { ...OPTIONS, freshReads: true })
      // The reader wrote v2 itself: the read is also a stale read of its own write.
      expect(r).toMatchObject({ overtakenWrites: 1, lostWrites: 0, avoidableStaleOwnReads: 1, valid: false })
      expect(r.anomalies.filter((a) => a.kind !== 'stale-own-read')).toEqual([
        {
          kind: 'overtaken-write',
          opId: v2,
          byOpId: v1,
          key: 'k',
          cluster: 'B',
          detail: `read ${read}, invoked after ${v2} was acknowledged, returned the value of ${v1}, which ended before ${v2} began`,
        },
      ])
    })

    it('ignores reads by default: a replica may serve a stale read', () => {
      const { s, final } = transient(600, 'v1')
      expect(check(s.at(900).h.snapshot(), final, OPTIONS)).toMatchObject({ overtakenWrites: 0, valid: true })
    })

    it('does not flag a read invoked before the acknowledgment, nor one that returns the newer value', () => {
      const before = transient(108, 'v1')
      expect(check(before.s.at(900).h.snapshot(), before.final, { ...OPTIONS, freshReads: true }).overtakenWrites).toBe(0)
      const newer = transient(600, 'v2')
      expect(check(newer.s.at(900).h.snapshot(), newer.final, { ...OPTIONS, freshReads: true }).overtakenWrites).toBe(0)
    })
  })

  // Soundness and exactness against executions built by hand: each write takes effect at one
  // instant, an acknowledged one inside its interval unless it is the late attempt under test,
  // an unacknowledged one at any time after its invocation or never. Reads see the last write
  // applied at an instant inside their interval; the final state is the last write applied.
  const writeArb = fc.record({
    invoke: fc.integer({ min: 0, max: 200 }),
    duration: fc.integer({ min: 1, max: 60 }),
    outcome: fc.constantFrom<Outcome | 'pending'>('ok', 'ok', 'ok', 'info', 'pending'),
    /** Where in its interval an acknowledged write applies, in [0, 1]; how late an unacknowledged one does. */
    apply: fc.double({ min: 0, max: 1, noNaN: true }),
    unacknowledgedApplied: fc.boolean(),
  })
  const readArb = fc.record({
    invoke: fc.integer({ min: 0, max: 300 }),
    duration: fc.integer({ min: 1, max: 30 }),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  type WriteSpec = typeof writeArb extends fc.Arbitrary<infer T> ? T : never
  type ReadSpec = typeof readArb extends fc.Arbitrary<infer T> ? T : never

  /** Builds the history and the single cluster's final state. `lateWrite`: that write applies again after everything. */
  function execute(writes: readonly WriteSpec[], reads: readonly ReadSpec[], lateWrite?: number) {
    const s = new Script()
    const applied: { at: number; order: number; value: string }[] = []
    const ids = writes.map((w, i) => {
      const value = `w${i}`
      const end = w.outcome === 'pending' ? undefined : w.invoke + w.duration
      const id = s.op('write-idempotent', 'k', w.invoke, end, w.outcome === 'pending' ? 'ok' : w.outcome, { value })
      if (w.outcome === 'ok') applied.push({ at: w.invoke + w.apply * w.duration, order: i, value })
      else if (w.unacknowledgedApplied) applied.push({ at: w.invoke + w.apply * 1000, order: i, value })
      return id
    })
    if (lateWrite !== undefined) applied.push({ at: 10_000, order: lateWrite, value: `w${lateWrite}` })
    const sorted = [...applied].sort((a, b) => a.at - b.at || a.order - b.order)
    const valueAt = (t: number) => sorted.filter((a) => a.at <= t).at(-1)?.value
    for (const r of reads) {
      const at = r.invoke + r.at * r.duration
      s.op('read', 'k', r.invoke, r.invoke + r.duration, 'ok', valueAt(at) === undefined ? {} : { value: valueAt(at) as string })
    }
    const last = sorted.at(-1)
    const final = states({ A: last === undefined ? {} : { k: { value: last.value } } })
    return { snapshot: s.at(20_000).h.snapshot(), final, ids }
  }
  const PROPERTY_OPTIONS = { ...OPTIONS, hangMarginMs: 1_000_000, freshReads: true }

  it('never flags an execution in which every write took effect at most once, in its own time', () => {
    fc.assert(
      fc.property(fc.array(writeArb, { minLength: 1, maxLength: 8 }), fc.array(readArb, { maxLength: 8 }), (writes, reads) => {
        const { snapshot, final } = execute(writes, reads)
        const r = check(snapshot, final, PROPERTY_OPTIONS)
        // (Unacknowledged writes are caller errors here: no cluster was ever down.)
        expect(r.anomalies.filter((a) => a.kind !== 'caller-error')).toEqual([])
        expect(r).toMatchObject({ overtakenWrites: 0, lostWrites: 0, unexplained: 0 })
      }),
      { numRuns: 300 },
    )
  })

  it('flags exactly the acknowledged writes that began after a late-landing acknowledged write ended', () => {
    fc.assert(
      fc.property(fc.array(writeArb, { minLength: 2, maxLength: 8 }), fc.nat(), (writes, pick) => {
        const acked = writes.flatMap((w, i) => (w.outcome === 'ok' ? [i] : []))
        fc.pre(acked.length > 0)
        const late = acked[pick % acked.length] as number
        const { snapshot, final, ids } = execute(writes, [], late)
        const lateEnd = (writes[late] as WriteSpec).invoke + (writes[late] as WriteSpec).duration
        const expected = writes.flatMap((w, i) => (w.outcome === 'ok' && w.invoke > lateEnd ? [ids[i]] : []))
        const r = check(snapshot, final, PROPERTY_OPTIONS)
        const flagged = r.anomalies.flatMap((a) => (a.kind === 'overtaken-write' ? [a.opId] : []))
        expect(flagged.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(expected)
        expect(r.anomalies.every((a) => a.kind !== 'overtaken-write' || a.byOpId === ids[late])).toBe(true)
        expect(r.overtakenWrites).toBe(expected.length)
      }),
      { numRuns: 300 },
    )
  })
})

describe('check: increments', () => {
  it('passes when each acknowledged increment appears exactly once', () => {
    const s = new Script()
    const a = s.op('increment', 'c', 0, 5, 'ok')
    const b = s.op('increment', 'c', 6, 9, 'ok')
    const r = check(s.at(10).h.snapshot(), both({ c: { ops: [String(a), String(b)], n: 2 } }), OPTIONS)
    expect(r).toMatchObject({ lostWrites: 0, duplicateApplies: 0, unexplained: 0, valid: true })
  })

  it('detects an increment applied twice', () => {
    const s = new Script()
    const a = s.op('increment', 'c', 0, 150, 'ok', { cluster: 'B' })
    const r = check(s.at(200).h.snapshot(), both({ c: { ops: [String(a), String(a)], n: 2 } }), OPTIONS)
    expect(r.duplicateApplies).toBe(1)
    expect(r.valid).toBe(false)
    expect(r.anomalies).toContainEqual(expect.objectContaining({ kind: 'duplicate-apply', opId: a, times: 2 }))
  })

  it('detects a duplicate even for an increment whose caller saw an error', () => {
    const s = new Script()
    const a = s.op('increment', 'c', 0, 1100, 'info', { error: 'TIMEOUT' })
    const r = check(s.at(1200).h.snapshot(), both({ c: { ops: [String(a), String(a)], n: 2 } }), OPTIONS)
    expect(r.duplicateApplies).toBe(1)
  })

  it('an acknowledged increment that is missing is a lost write; an unknown one is not', () => {
    const s = new Script()
    const acked = s.op('increment', 'c', 0, 5, 'ok')
    s.op('increment', 'c', 0, 150, 'info', { error: 'TIMEOUT' })
    const r = check(s.at(200).h.snapshot(), both({ c: { ops: [], n: 0 } }), OPTIONS)
    expect(r.lostWrites).toBe(1)
    expect(r.anomalies).toContainEqual(expect.objectContaining({ kind: 'lost-write', opId: acked }))
  })

  it('flags ids of no increment on that key, and n that disagrees with the ids', () => {
    const s = new Script()
    const a = s.op('increment', 'c', 0, 5, 'ok')
    const r1 = check(s.at(10).h.snapshot(), both({ c: { ops: [String(a), '9999'], n: 2 } }), OPTIONS)
    expect(r1.unexplained).toBeGreaterThan(0)
    const r2 = check(s.at(10).h.snapshot(), both({ c: { ops: [String(a)], n: 3 } }), OPTIONS)
    expect(r2.anomalies).toContainEqual(expect.objectContaining({ kind: 'counter-mismatch', key: 'c' }))
    expect(r2.valid).toBe(false)
  })
})

describe('check: caller errors', () => {
  it('counts a failed idempotent operation while a cluster was up', () => {
    const s = new Script()
    s.at(0).h.clusterDown('A')
    const id = s.op('read', 'k', 10, 20, 'info', { error: 'TIMEOUT' })
    s.op('write-idempotent', 'k2', 10, 20, 'ok', { value: 'v', cluster: 'B' })
    const r = check(s.at(100).h.snapshot(), both({ k2: { value: 'v' } }), OPTIONS)
    expect(r.callerErrors).toBe(1)
    expect(r.anomalies).toContainEqual(expect.objectContaining({ kind: 'caller-error', opId: id, error: 'TIMEOUT' }))
  })

  it('does not count conditional writes and increments (they may refuse to fail over)', () => {
    const s = new Script()
    s.op('write-conditional', 'k', 0, 100, 'info', { value: 'v', error: 'TIMEOUT' })
    s.op('increment', 'c', 0, 100, 'info', { error: 'TIMEOUT' })
    const r = check(s.at(200).h.snapshot(), both({}), OPTIONS)
    expect(r.callerErrors).toBe(0)
  })

  it('excuses failures while every cluster was down, and for the grace after one returns', () => {
    const s = new Script()
    s.h.phase('run')
    s.at(100).h.clusterDown('A')
    s.at(150).h.clusterDown('B')
    s.at(400).h.clusterUp('B')
    s.op('read', 'k', 160, 300, 'info', { error: 'FAILOVER' }) // inside the span
    s.op('read', 'k', 120, 170, 'info', { error: 'FAILOVER' }) // overlaps its start
    s.op('read', 'k', 450, 460, 'info', { error: 'FAILOVER' }) // within grace after B returned
    const late = s.op('read', 'k', 700, 710, 'info', { error: 'FAILOVER' }) // after the grace
    const r = check(s.at(800).h.snapshot(), both({}), { ...OPTIONS, recoveryGraceMs: 100 })
    expect(r.callerErrors).toBe(1)
    expect(r.anomalies).toContainEqual(expect.objectContaining({ kind: 'caller-error', opId: late }))
  })
})

describe('check: hangs, switches, latency', () => {
  it('counts operations slower than timeout + secondary timeout + margin, and pending ones past it', () => {
    const s = new Script()
    s.op('read', 'k', 0, 1599, 'ok') // bound is 100 + 1000 + 500 = 1600
    const slow = s.op('read', 'k', 0, 1700, 'ok')
    const stuck = s.op('read', 'k', 100, undefined, 'ok')
    s.op('read', 'k', 1900, undefined, 'ok') // pending but young at the end
    const r = check(s.at(2000).h.snapshot(), both({}), OPTIONS)
    expect(r.hangs).toBe(2)
    expect(r.anomalies.filter((a) => a.kind === 'hang').map((a) => (a.kind === 'hang' ? a.opId : 0))).toEqual([slow, stuck])
  })

  it('does not count time the client was stalled (stall events) against the bound', () => {
    const s = new Script()
    const excused = s.op('read', 'k', 0, 1900, 'ok') // 1900 ms, of which 400 stalled: 1500 < 1600
    const slow = s.op('read', 'k', 2000, 3700, 'ok') // 1700 ms, 100 of them stalled: 1600, not above
    const hung = s.op('read', 'k', 4000, 5800, 'ok') // 1800 ms, 100 stalled: 1700 > 1600
    s.at(500).h.stalled(400) // 100..500
    s.at(2100).h.stalled(100) // 2000..2100
    s.at(4100).h.stalled(100) // 4000..4100
    const r = check(s.at(6000).h.snapshot(), both({}), OPTIONS)
    expect(r.anomalies.filter((a) => a.kind === 'hang').map((a) => (a.kind === 'hang' ? a.opId : 0))).toEqual([hung])
    expect([excused, slow]).not.toContain(hung)
  })

  it('gives writes settleMs more, and does not count an UNSETTLED_WRITE as a failure to serve', () => {
    const s = new Script()
    const held = s.op('write-idempotent', 'k', 0, 2000, 'info', {
      value: 'v1',
      error: 'UNSETTLED_WRITE: insertOrReplace was applied on B, but its earlier attempt on A had not answered',
    }) // 2000 <= 1600 + 500
    const read = s.op('read', 'k', 0, 2000, 'ok') // reads get no settle time: 2000 > 1600
    const r = check(s.at(3000).h.snapshot(), both({ k: { value: 'v1' } }), { ...OPTIONS, settleMs: 500 })
    expect(r.anomalies.filter((a) => a.kind === 'hang').map((a) => (a.kind === 'hang' ? a.opId : 0))).toEqual([read])
    expect(r.callerErrors).toBe(0)
    expect(r.anomalies.some((a) => a.kind === 'caller-error' && a.opId === held)).toBe(false)
  })

  it('counts failovers and failbacks from switches', () => {
    const s = new Script()
    s.h.switched('A', 'B')
    s.h.switched('B', 'A')
    s.h.switched('A', 'B')
    s.h.switched('B', 'C')
    const r = check(s.h.snapshot(), both({}), OPTIONS)
    expect(r).toMatchObject({ failovers: 3, failbacks: 1 })
  })

  it('summarizes latency overall and per phase by invocation time', () => {
    const s = new Script()
    s.at(0).h.phase('healthy')
    for (let i = 0; i < 10; i++) s.op('read', 'k', i, i + 2, 'ok')
    s.at(100).h.phase('fault')
    s.op('read', 'k', 100, 200, 'ok')
    s.op('read', 'k', 101, 111, 'info', { error: 'TIMEOUT' })
    const r = check(s.at(300).h.snapshot(), both({}), { ...OPTIONS, recoveryGraceMs: 0 })
    expect(r.latency).toMatchObject({ count: 12, maxMs: 100 })
    expect(r.phases).toEqual([
      { name: 'healthy', count: 10, p50Ms: 2, p99Ms: 2, maxMs: 2 },
      { name: 'fault', count: 2, p50Ms: 10, p99Ms: 100, maxMs: 100 },
    ])
  })

  it('passes convergence time through and reports divergence', () => {
    const s = new Script()
    const r = check(s.h.snapshot(), states({ A: { k: { value: 'x' } }, B: {} }), { ...OPTIONS, convergenceMs: null })
    expect(r.converged).toBe(false)
    expect(r.convergenceMs).toBeNull()
    expect(r.valid).toBe(false)
    expect(check(s.h.snapshot(), both({}), { ...OPTIONS, convergenceMs: 42 }).convergenceMs).toBe(42)
  })
})

describe('divergentKeys / allDownSpans', () => {
  it('compares values, counters and id order', () => {
    const d = divergentKeys(
      states({
        A: { a: { value: '1' }, b: { ops: ['1', '2'], n: 2 }, c: { ops: ['1'], n: 1 } },
        B: { a: { value: '1' }, b: { ops: ['2', '1'], n: 2 }, c: { ops: ['1'], n: 1 }, d: { value: 'x' } },
      }),
    )
    expect([...d.keys()].sort()).toEqual(['b', 'd'])
  })

  it('finds spans where every cluster is down, open spans ending at the end of the run', () => {
    const s = new Script()
    s.at(0).h.clusterDown('A')
    s.at(10).h.clusterDown('B')
    s.at(20).h.clusterUp('A')
    s.at(30).h.clusterDown('A')
    expect(allDownSpans(s.at(50).h.snapshot(), ['A', 'B'])).toEqual([
      { fromMs: 10, toMs: 20 },
      { fromMs: 30, toMs: 50 },
    ])
    expect(allDownSpans(s.h.snapshot(), ['A', 'B', 'C'])).toEqual([])
  })
})

describe("check: stale reads of a client's own writes", () => {
  /** Client 1 writes `r` twice (`old`, then `new`, acknowledged by A at 30); a later read of it by client 1. */
  function ownWrites(): Script {
    const s = new Script()
    s.op('write-idempotent', 'r', 0, 10, 'ok', { value: 'old', cluster: 'A' })
    s.op('write-idempotent', 'r', 20, 30, 'ok', { value: 'new', cluster: 'A' })
    return s
  }
  const final = both({ r: { value: 'new' } })

  it('a read of the older version while the acknowledging cluster is up is avoidable; it does not invalidate the run', () => {
    const s = ownWrites()
    s.at(32).h.switched('A', 'B')
    const read = s.op('read', 'r', 40, 45, 'ok', { value: 'old', cluster: 'B' })
    const r = check(s.at(50).h.snapshot(), final, OPTIONS)
    expect(r).toMatchObject({ avoidableStaleOwnReads: 1, unavoidableStaleOwnReads: 0, valid: true })
    expect(r.anomalies).toContainEqual({
      kind: 'stale-own-read',
      opId: read,
      writeId: 2,
      key: 'r',
      cluster: 'A',
      avoidable: true,
      detail: `read ${read} by client 1 on B returned "old", older than its write 2 ("new") acknowledged by A; 8 ms after the switch to B`,
    })
  })

  it('the same read while the acknowledging cluster is down is unavoidable', () => {
    const s = ownWrites()
    s.at(35).h.clusterDown('A')
    s.op('read', 'r', 40, 45, 'ok', { value: 'old', cluster: 'B' })
    s.at(60).h.clusterUp('A')
    const r = check(s.at(70).h.snapshot(), final, OPTIONS)
    expect(r).toMatchObject({ avoidableStaleOwnReads: 0, unavoidableStaleOwnReads: 1 })
    expect(r.anomalies).toContainEqual(expect.objectContaining({ kind: 'stale-own-read', avoidable: false }))
  })

  it('down for only part of the read counts as down; down before or after it does not', () => {
    const s = ownWrites()
    s.at(31).h.clusterDown('A')
    s.at(33).h.clusterUp('A')
    s.op('read', 'r', 40, 50, 'ok', { value: 'old' }) // A was back: avoidable
    s.at(48).h.clusterDown('A')
    s.at(49).h.clusterUp('A')
    s.op('read', 'r', 60, 70, 'ok', { value: 'old' }) // after the second span: avoidable
    const r = check(s.at(80).h.snapshot(), final, OPTIONS)
    // The first read overlaps the second span (48-49).
    expect(r).toMatchObject({ avoidableStaleOwnReads: 1, unavoidableStaleOwnReads: 1 })
  })

  it('reading nothing after an acknowledged write is stale; an unrecorded acknowledging cluster counts as avoidable', () => {
    const s = new Script()
    s.op('write-idempotent', 'r', 0, 10, 'ok', { value: 'x' })
    s.at(12).h.clusterDown('A')
    s.op('read', 'r', 20, 25, 'ok', { value: null })
    const r = check(s.at(30).h.snapshot(), both({ r: { value: 'x' } }), OPTIONS)
    expect(r).toMatchObject({ avoidableStaleOwnReads: 1, unavoidableStaleOwnReads: 0 })
  })

  it('is not stale: the write itself, a concurrent or unacknowledged write, another client, a read begun before the acknowledgment', () => {
    const s = ownWrites()
    s.op('read', 'r', 40, 45, 'ok', { value: 'new' }) // its own write
    s.op('write-idempotent', 'r', 25, 50, 'ok', { value: 'other', process: 2 }) // concurrent with "new"
    s.op('read', 'r', 55, 60, 'ok', { value: 'other' })
    s.op('write-idempotent', 'r', 15, 18, 'info', { value: 'lost?', error: 'TIMEOUT' }) // may land any time
    s.op('read', 'r', 61, 62, 'ok', { value: 'lost?' })
    s.op('read', 'r', 63, 64, 'ok', { value: 'old', process: 3 }) // client 3 never wrote
    s.op('read', 'r', 25, 35, 'ok', { value: 'old' }) // invoked before "new" was acknowledged
    const r = check(s.at(70).h.snapshot(), both({ r: { value: 'other' } }), OPTIONS)
    expect(r).toMatchObject({ avoidableStaleOwnReads: 0, unavoidableStaleOwnReads: 0 })
    expect(r.anomalies.filter((a) => a.kind === 'stale-own-read')).toEqual([])
  })

  it("another client's write acknowledged before the client's own write began is an older version", () => {
    const s = new Script()
    s.op('write-idempotent', 'r', 0, 10, 'ok', { value: 'theirs', process: 2 })
    s.op('write-idempotent', 'r', 20, 30, 'ok', { value: 'mine', cluster: 'B' })
    s.op('read', 'r', 40, 45, 'ok', { value: 'theirs' })
    const r = check(s.at(50).h.snapshot(), both({ r: { value: 'mine' } }), OPTIONS)
    expect(r.avoidableStaleOwnReads).toBe(1)
  })
})
