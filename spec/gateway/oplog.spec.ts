/**
 * The per-document operation log on its own: whatever order operations arrive in, duplicates
 * included, a replica ends with the document that replaying them in (ts, origin) order gives.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeHistory, encodeHistory, WorkingDoc } from '../../lib/gateway/oplog.js'
import type { LoggedOp } from '../../lib/gateway/oplog.js'
import type { StoredRecord } from '../../lib/gateway/storage/engine.js'
import { decodeDocument, encodeDocument } from '../../lib/ojai/codec.js'
import { applyMutation, Mutation } from '../../lib/ojai/mutation.js'

const LIMITS = { retentionMs: 600_000, maxOps: 1000 }
const SEED: StoredRecord = { text: '{"_id":"c","n":0,"ops":[]}', ts: 1, origin: 'A' }

const inc = (ts: number, origin: string, id = `${origin}${ts}`): LoggedOp => ({
  ts,
  origin,
  mutation: JSON.stringify({ $append: { ops: [id] }, $increment: { n: 1 } }),
})

type Op = { type: 'put'; ts: number; origin: string; text: string | null } | ({ type: 'mutate' } & LoggedOp)

function deliver(w: WorkingDoc, op: Op): void {
  if (op.type === 'put') w.put(op, op.text)
  else w.integrate([op])
}

/** The reference: sort, dedupe, replay from the seed. */
function reference(ops: readonly Op[]): string | null {
  const sorted = [...new Map(ops.map((o) => [`${o.ts}/${o.origin}`, o])).values()].sort(
    (a, b) => a.ts - b.ts || (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0),
  )
  let text: string | null = SEED.text
  for (const op of sorted) {
    if (op.ts <= SEED.ts) continue
    if (op.type === 'put') {
      text = op.text
      continue
    }
    if (text === null) continue
    try {
      text = encodeDocument(applyMutation(decodeDocument(text), Mutation.parse(op.mutation)))
    } catch {
      // skipped, as on every replica
    }
  }
  return text
}

/** Round-trips through storage between deliveries, as LMDB does. */
function reload(w: WorkingDoc): WorkingDoc {
  const s = w.state()
  return new WorkingDoc(s.history === undefined ? s : { ...s, history: decodeHistory(encodeHistory(s.history), s.text) })
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({ ts: fc.integer({ min: 2, max: 60 }), origin: fc.constantFrom('A', 'B') })
      .map(({ ts, origin }) => ({ type: 'mutate' as const, ...inc(ts, origin) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ ts: fc.integer({ min: 2, max: 60 }), origin: fc.constantFrom('A', 'B') })
      .map(({ ts, origin }) => ({ type: 'mutate' as const, ts, origin, mutation: '{"$set":{"n":"text"}}' })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ ts: fc.integer({ min: 2, max: 60 }), origin: fc.constantFrom('A', 'B'), v: fc.integer({ min: 0, max: 9 }) })
      .map(({ ts, origin, v }) => ({ type: 'put' as const, ts, origin, text: `{"_id":"c","n":${v * 100},"ops":["put${v}"]}` })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ ts: fc.integer({ min: 2, max: 60 }), origin: fc.constantFrom('A', 'B') })
      .map(({ ts, origin }) => ({ type: 'put' as const, ts, origin, text: null })),
  },
)

/** Same (ts, origin) must mean the same operation, as it does in a real run. */
function distinct(ops: Op[]): Op[] {
  const first = new Map<string, Op>()
  for (const op of ops) if (!first.has(`${op.ts}/${op.origin}`)) first.set(`${op.ts}/${op.origin}`, op)
  return ops.map((op) => first.get(`${op.ts}/${op.origin}`) as Op)
}

describe('operation log', () => {
  it('in-order increments take the fast path and keep every operation', () => {
    const w = new WorkingDoc(SEED)
    for (let ts = 2; ts < 12; ts++) w.integrate([inc(ts, ts % 2 === 0 ? 'A' : 'B')])
    expect(decodeDocument(w.current as string)).toMatchObject({ n: 10 })
    expect(w.log).toHaveLength(10)
  })

  it('a late older operation is inserted in order and the document replayed', () => {
    const w = new WorkingDoc(SEED)
    w.integrate([inc(5, 'B'), inc(9, 'B')])
    w.integrate([inc(7, 'A')])
    expect(decodeDocument(w.current as string)).toEqual({ _id: 'c', n: 3, ops: ['B5', 'A7', 'B9'] })
  })

  it('a duplicate delivery is ignored, in the log and once folded into an exact base', () => {
    const w = new WorkingDoc(SEED)
    expect(w.integrate([inc(5, 'B')])).toBe(true)
    expect(w.integrate([inc(5, 'B')])).toBe(false)
    w.fold(10, 0, LIMITS)
    expect(w.log).toHaveLength(0)
    expect(w.integrate([inc(5, 'B')])).toBe(false)
    expect(decodeDocument(w.current as string)).toEqual({ _id: 'c', n: 1, ops: ['B5'] })
  })

  it('a put replaces everything older and drops what arrives older than it', () => {
    const w = new WorkingDoc(SEED)
    w.integrate([inc(5, 'A'), inc(20, 'B')])
    w.put({ ts: 10, origin: 'A' }, '{"_id":"c","n":100,"ops":[]}')
    expect(decodeDocument(w.current as string)).toEqual({ _id: 'c', n: 101, ops: ['B20'] })
    w.integrate([inc(7, 'B')])
    expect(decodeDocument(w.current as string)).toEqual({ _id: 'c', n: 101, ops: ['B20'] })
  })

  it('a mutation that fails on replay is skipped, and the rest still apply', () => {
    const w = new WorkingDoc(SEED)
    w.integrate([inc(5, 'A'), { ts: 6, origin: 'A', mutation: '{"$append":{"n":"x"}}' }, inc(7, 'A')])
    expect(decodeDocument(w.current as string)).toEqual({ _id: 'c', n: 2, ops: ['A5', 'A7'] })
  })

  it('folding only up to the stable point keeps later late operations placeable', () => {
    const w = new WorkingDoc(SEED)
    w.integrate(Array.from({ length: 40 }, (_, i) => inc(10 + i, 'A')))
    w.fold(44, 0, LIMITS)
    expect(w.log.length).toBe(5)
    expect(w.state().history?.exact).toBe(true)
    w.integrate([inc(46, 'B')])
    const ids = Array.from({ length: 40 }, (_, i) => `A${10 + i}`)
    ids.splice(ids.indexOf('A46') + 1, 0, 'B46')
    expect(decodeDocument(w.current as string)).toEqual({ _id: 'c', n: 41, ops: ids })
  })

  it('the length bound folds anyway and marks the base inexact; a late mutation is then applied on top', () => {
    const w = new WorkingDoc(SEED)
    w.integrate(Array.from({ length: 10 }, (_, i) => inc(10 + i, 'A')))
    w.fold(0, 0, { retentionMs: 600_000, maxOps: 4 })
    expect(w.log).toHaveLength(4)
    expect(w.state().history?.exact).toBe(false)
    w.integrate([inc(3, 'B')])
    const doc = decodeDocument(w.current as string) as { n: number; ops: string[] }
    expect(doc.n).toBe(11)
    expect(doc.ops).toContain('B3')
  })

  it('merging two replicas\u2019 states (resync) keeps the union of their operations', () => {
    const a = new WorkingDoc(SEED)
    const b = new WorkingDoc(SEED)
    a.integrate([inc(5, 'A'), inc(8, 'A')])
    b.integrate([inc(6, 'B'), inc(9, 'B')])
    a.fold(6, 0, { retentionMs: 600_000, maxOps: 1000 })
    const fromA = a.state()
    const fromB = b.state()
    a.merge(fromB)
    b.merge(fromA)
    expect(a.current).toBe(b.current)
    expect(decodeDocument(a.current as string)).toEqual({ _id: 'c', n: 4, ops: ['A5', 'B6', 'A8', 'B9'] })
  })

  it('any delivery order, with duplicates, stable folding and storage round trips, gives the replay of the sorted operations', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer({ min: 0, max: 0xffff }),
        (raw, dupIdx, seed) => {
          const ops = distinct(raw)
          const withDups = [...ops, ...dupIdx.filter(() => ops.length > 0).map((i) => ops[i % ops.length] as Op)]
          // Two replicas receiving in two different orders.
          const orderA = shuffle(withDups, seed)
          const orderB = shuffle(withDups, seed + 1)
          let a = new WorkingDoc(SEED)
          const b = new WorkingDoc(SEED)
          const delivered = new Set<string>()
          orderA.forEach((op, i) => {
            deliver(a, op)
            delivered.add(`${op.ts}/${op.origin}`)
            // Fold what is stable: everything older than the oldest operation still on its way.
            const pending = orderA.slice(i + 1).filter((o) => !delivered.has(`${o.ts}/${o.origin}`))
            a.fold(
              pending.reduce((min, o) => Math.min(min, o.ts - 1), Number.POSITIVE_INFINITY),
              0,
              LIMITS,
            )
            expect(a.state().history?.exact ?? true).toBe(true)
            a = reload(a)
          })
          for (const op of orderB) deliver(b, op)
          const expected = reference(ops)
          expect(a.current).toBe(expected)
          expect(b.current).toBe(expected)
        },
      ),
      { numRuns: 300 },
    )
  })
})

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items]
  let s = seed || 1
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j] as T, out[i] as T]
  }
  return out
}
