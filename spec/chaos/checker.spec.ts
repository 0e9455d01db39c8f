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
  op(type: OpType, key: string, from: number, to: number | undefined, outcome: Outcome, extra: { value?: string; cluster?: string; error?: string } = {}): number {
    this.t = from
    const id = this.h.invoke(1, type, key, extra.value === undefined ? {} : { value: extra.value })
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
    s.op('write-idempotent', 'r', 0, 10, 'ok', { value: 'old' })
    const later = s.op('write-idempotent', 'r', 20, 30, 'ok', { value: 'new' })
    const r = check(s.at(40).h.snapshot(), both({ r: { value: 'old' } }), OPTIONS)
    expect(r.lostWrites).toBe(1)
    expect(r.anomalies).toContainEqual(expect.objectContaining({ kind: 'lost-write', opId: later, key: 'r' }))
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
