import { describe, expect, it } from 'vitest'
import { History } from '../../lib/chaos/history.js'

function clock(): { now: () => number; set: (t: number) => void } {
  let t = 0
  return { now: () => t, set: (v) => (t = v) }
}

describe('History', () => {
  it('records invocations and outcomes on its clock', () => {
    const c = clock()
    const h = new History({ now: c.now })
    c.set(10)
    const a = h.invoke(1, 'write-idempotent', 'k', { value: 'v1' })
    c.set(15)
    const b = h.invoke(2, 'increment', 'c', { amount: 1 })
    c.set(30)
    h.complete(a, 'ok', { cluster: 'A' })
    expect(h.pending().map((op) => op.id)).toEqual([b])
    const snap = h.snapshot()
    expect(snap.endMs).toBe(30)
    expect(snap.operations[0]).toMatchObject({
      id: a,
      process: 1,
      type: 'write-idempotent',
      key: 'k',
      value: 'v1',
      invokeMs: 10,
      completeMs: 30,
      outcome: 'ok',
      cluster: 'A',
    })
    expect(snap.operations[1]).toMatchObject({ id: b, amount: 1, invokeMs: 15 })
    expect(snap.operations[1]?.outcome).toBeUndefined()
  })

  it('stores the value a read returned', () => {
    const h = new History({ now: () => 0 })
    const r = h.invoke(1, 'read', 'k')
    h.complete(r, 'ok', { value: null })
    expect(h.snapshot().operations[0]?.value).toBeNull()
  })

  it('refuses a second outcome and an unknown id', () => {
    const h = new History({ now: () => 0 })
    const a = h.invoke(1, 'read', 'k')
    h.complete(a, 'ok')
    expect(() => h.complete(a, 'fail')).toThrow(/already completed/)
    expect(() => h.complete(999, 'ok')).toThrow(/unknown operation/)
  })

  it('keeps downtime spans, switches and phases; repeated marks are idempotent', () => {
    const c = clock()
    const h = new History({ now: c.now })
    h.phase('healthy')
    c.set(100)
    h.phase('fault')
    h.clusterDown('A')
    c.set(110)
    h.clusterDown('A')
    h.switched('A', 'B')
    c.set(200)
    h.clusterUp('A')
    h.clusterUp('A')
    c.set(250)
    h.clusterDown('B')
    const snap = h.snapshot()
    expect(snap.downtime).toEqual([
      { cluster: 'A', fromMs: 100, toMs: 200 },
      { cluster: 'B', fromMs: 250 },
    ])
    expect(snap.switches).toEqual([{ atMs: 110, from: 'A', to: 'B' }])
    expect(snap.phases).toEqual([
      { name: 'healthy', startMs: 0 },
      { name: 'fault', startMs: 100 },
    ])
  })

  it('snapshots are copies', () => {
    const h = new History({ now: () => 0 })
    const a = h.invoke(1, 'read', 'k')
    const before = h.snapshot()
    h.complete(a, 'ok')
    expect(before.operations[0]?.outcome).toBeUndefined()
  })
})
