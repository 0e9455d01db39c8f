import { describe, it, expect } from 'vitest'
import { Mutation, applyMutation, mutation } from '../../lib/ojai/mutation.js'
import type { MutationJson } from '../../lib/ojai/mutation.js'
import { IllegalMutationError, InvalidMutationError } from '../../lib/ojai/errors.js'
import { OByte, ODecimal, OFloat, OInt, OShort, ODate } from '../../lib/ojai/values.js'
import type { Document } from '../../lib/ojai/values.js'

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k])
    Object.freeze(v)
  }
  return v
}

/** Applies to a frozen input, so any in-place change of the input throws. */
function apply(doc: Document, m: Mutation | MutationJson | string): Document {
  return applyMutation(deepFreeze(doc), Mutation.from(m))
}

function illegal(doc: Document, m: Mutation | MutationJson | string, message: RegExp): void {
  const input = deepFreeze(doc)
  const before = JSON.stringify(input, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))
  expect(() => applyMutation(input, Mutation.from(m))).toThrow(IllegalMutationError)
  expect(() => applyMutation(input, Mutation.from(m))).toThrow(message)
  expect(JSON.stringify(input, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).toBe(before)
}

describe('parsing', () => {
  it('accepts the single and multi forms of every operation', () => {
    const forms: MutationJson[] = [
      { $set: { a: 1 } },
      { $set: [{ a: 1 }, { b: 2 }] },
      { $put: { a: null } },
      { $put: [{ a: 1 }, { b: 2 }] },
      { $increment: { n: 2 } },
      { $increment: [{ n: -2 }, { m: { $numberLong: '5' } }] },
      { $decrement: { n: 2 } },
      { $decrement: [{ n: 2 }, { m: 1 }] },
      { $append: { a: [1] } },
      { $append: [{ a: 'x' }, { b: [1] }] },
      { $merge: { m: { x: 1 } } },
      { $merge: [{ m: { x: 1 } }, { n: { y: 2 } }] },
      { $delete: 'a' },
      { $delete: ['a', 'b.c'] },
    ]
    for (const json of forms) expect(() => Mutation.parse(json)).not.toThrow()
  })

  it('treats a multi-path object like the array form', () => {
    expect(Mutation.parse({ $set: { a: 1, b: 2 } }).toJsonString()).toBe(Mutation.parse({ $set: [{ a: 1 }, { b: 2 }] }).toJsonString())
  })

  it('accepts several operation keys in one mutation', () => {
    const m = Mutation.parse('{"$set":{"a":1},"$delete":"b","$increment":{"c":2}}')
    expect(m.operations.map((o) => [o.op, o.path.toString()])).toEqual([
      ['$set', 'a'],
      ['$delete', 'b'],
      ['$increment', 'c'],
    ])
  })

  it('decodes extended JSON values', () => {
    const m = Mutation.parse('{"$set":{"d":{"$dateDay":"2012-10-20"},"l":{"$numberLong":9223372036854775807}}}')
    expect(m.operations[0]?.value).toEqual(new ODate(2012, 10, 20))
    expect(m.operations[1]?.value).toBe(9223372036854775807n)
    expect(Mutation.parse({ $set: { i: { $numberInt: '5' } } }).operations[0]?.value).toEqual(new OInt(5))
  })

  it('accepts the bare-path forms of $increment / $decrement as 1', () => {
    expect(apply({ n: 1 }, { $increment: 'n' })).toEqual({ n: 2 })
    expect(apply({ n: 1, m: 1 }, { $decrement: ['n', 'm'] })).toEqual({ n: 0, m: 0 })
  })

  it('isIdempotent is false exactly with $increment, $decrement or $append', () => {
    expect(mutation().set('a', 1).put('b', 2).merge('c', {}).delete('d').isIdempotent).toBe(true)
    expect(mutation().set('a', 1).increment('n').isIdempotent).toBe(false)
    expect(mutation().decrement('n').isIdempotent).toBe(false)
    expect(mutation().append('l', [1]).isIdempotent).toBe(false)
    expect(Mutation.parse('{"$append":{"l":1}}').isIdempotent).toBe(false)
  })

  it('builds fluently and writes the wire JSON', () => {
    const m = mutation().set('a', 1).increment('n', 2).delete('old')
    expect(m).toBeInstanceOf(Mutation)
    expect(m.toJsonString()).toBe('{"$set":{"a":1},"$increment":{"n":2},"$delete":"old"}')
    const multi = mutation()
      .set('a', 1n)
      .set('b.c', 'x')
      .delete('x', 'y')
      .merge('m', { k: new OInt(1) })
    expect(multi.toJsonString()).toBe(
      '{"$set":[{"a":{"$numberLong":1}},{"b.c":"x"}],"$delete":["x","y"],"$merge":{"m":{"k":{"$numberInt":1}}}}',
    )
    expect(Mutation.parse(multi.toJsonString()).toJsonString()).toBe(multi.toJsonString())
    expect(Mutation.from(multi)).toBe(multi)
  })

  it('builder steps are immutable', () => {
    const base = mutation().set('a', 1)
    base.set('b', 2)
    expect(base.operations).toHaveLength(1)
  })
})

describe('malformed mutations', () => {
  it.each<[string, unknown, RegExp]>([
    ['not JSON', '{"$set":', /not valid extended JSON/],
    ['not an object', '"x"', /must be a JSON object, got "x"/],
    ['empty', {}, /needs at least one operation/],
    ['unknown operation', { $add: { a: 1 } }, /unknown mutation operation "\$add"; allowed: \$set \$put/],
    ['a field instead of an operation', { a: 1 }, /unknown mutation operation "a".*write \{"\$set":\{"a":…\}\}/],
    ['$set with a scalar', { $set: 5 }, /\$set needs \{"path": value\} or \[\{"path": value\}, …\], got 5/],
    ['$set with a non-object item', { $set: [{ a: 1 }, 2] }, /an item of the array is 2/],
    ['$set with no paths', { $set: {} }, /\$set needs at least one field path/],
    ['$increment with a string amount', { $increment: { n: 'x' } }, /\$increment on "n" needs a number, got "x"/],
    ['$decrement with a map amount', { $decrement: { n: { a: 1 } } }, /\$decrement on "n" needs a number/],
    ['$merge with a scalar', { $merge: { m: 1 } }, /\$merge on "m" needs a map to merge, got 1/],
    ['$delete with a map', { $delete: { a: 1 } }, /\$delete needs a path or an array of paths/],
    ['$delete with a number in the list', { $delete: ['a', 1] }, /\$delete needs a path or an array of paths/],
    ['_id as a target', { $set: { _id: 'x' } }, /\$set on "_id": _id can never be mutated/],
    ['inside _id', { $delete: '_id.x' }, /_id can never be mutated/],
    ['root path', { $set: { '': 1 } }, /the document root cannot be a target/],
    ['container path', { $set: { 'a[].b': 1 } }, /container paths \(\[\]\) cannot be mutated/],
    ['bad path', { $put: { 'a..b': 1 } }, /\$put: invalid field path "a\.\.b" at character 3/],
    ['bad extended JSON', { $set: { a: { $numberInt: 'many' } } }, /\$set on "a": invalid value/],
  ])('%s', (_label, input, message) => {
    let error: unknown
    try {
      Mutation.parse(input as MutationJson)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InvalidMutationError)
    expect((error as Error).message).toMatch(message)
  })

  it.each<[string, MutationJson]>([
    ['the same path twice', { $set: { a: 1 }, $put: { a: 2 } }],
    ['a path and its child', { $set: { a: { b: 1 } }, $increment: { 'a.b': 1 } }],
    ['a child and its parent', { $delete: 'a', $set: { 'a.b.c': 1 } }],
    ['an array and its element', { $append: { l: [1] }, $set: { 'l[0]': 2 } }],
    ['an element delete and another element', { $delete: 'l[0]', $set: { 'l[1].x': 2 } }],
  ])('rejects overlapping paths: %s', (_label, json) => {
    expect(() => Mutation.parse(json)).toThrow(IllegalMutationError)
    expect(() => Mutation.parse(json)).toThrow(/overlaps/)
  })

  it('accepts sibling paths', () => {
    expect(() => Mutation.parse({ $set: { 'a.b': 1, 'a.c': 2, 'l[0]': 1, 'l[1]': 2 }, $delete: 'ab' })).not.toThrow()
  })

  it('the builder rejects overlaps at the call', () => {
    expect(() => mutation().set('a', 1).delete('a.b')).toThrow(/\$delete on "a\.b" overlaps \$set on "a"/)
  })
})

describe('applyMutation: Section 11.2 semantics', () => {
  describe('$set', () => {
    it('creates a missing field and intermediate maps (PY test)', () => {
      expect(apply({ _id: 'x' }, { $set: { 'a.b.c': 50 } })).toEqual({ _id: 'x', a: { b: { c: 50 } } })
    })
    it('replaces a field of the same type', () => {
      expect(apply({ a: 'x' }, { $set: { a: 'y' } })).toEqual({ a: 'y' })
      expect(apply({ l: [1, { b: true }] }, { $set: { 'l[1].b': false } })).toEqual({ l: [1, { b: false }] })
    })
    it('fails on a type clash, the whole mutation', () => {
      illegal({ a: 'x', b: 1 }, { $set: { b: 2, a: 5 } }, /\$set on "a": the field holds string, the new value is double; use \$put/)
      illegal({ i: new OInt(1) }, { $set: { i: 2 } }, /holds int, the new value is double/)
    })
    it('fails when an intermediate segment is not a map', () => {
      illegal({ a: 5 }, { $set: { 'a.b': 1 } }, /"a" is double, not a map/)
      illegal({ a: [1] }, { $set: { 'a.b': 1 } }, /"a" is array, not a map/)
    })
    it('fails past the end of an array or through a missing array', () => {
      illegal({ l: [1] }, { $set: { 'l[3]': 1 } }, /index 3 is past the end of an array of 1 elements/)
      illegal({}, { $set: { 'l[0].x': 1 } }, /"l" does not exist; array elements are never created/)
    })
  })

  describe('$put', () => {
    it('creates, replaces, and ignores the stored type', () => {
      expect(apply({}, { $put: { 'a.x': 1 } })).toEqual({ a: { x: 1 } })
      expect(apply({ a: 'x' }, { $put: { a: 5 } })).toEqual({ a: 5 })
      expect(apply({ a: 'x' }, { $put: { a: null } })).toEqual({ a: null })
    })
    it('rebuilds a non-map intermediate segment as a map (destructive)', () => {
      expect(apply({ a: 5, k: 1 }, { $put: { 'a.b.c': 1 } })).toEqual({ a: { b: { c: 1 } }, k: 1 })
    })
  })

  describe('$increment / $decrement', () => {
    it('keeps the stored type, truncating (INT 60 + 5.675 -> INT 65)', () => {
      expect(apply({ n: new OInt(60) }, { $increment: { n: 5.675 } })).toEqual({ n: new OInt(65) })
      expect(apply({ n: new OInt(-5) }, { $increment: { n: 2.5 } })).toEqual({ n: new OInt(-2) })
      expect(apply({ n: new OShort(1) }, { $increment: { n: { $numberLong: 2 } } })).toEqual({ n: new OShort(3) })
      expect(apply({ n: new OByte(1) }, { $decrement: { n: 3 } })).toEqual({ n: new OByte(-2) })
    })
    it('keeps LONG as a bigint with all 64 bits', () => {
      expect(apply({ n: 2n ** 62n }, { $increment: { n: { $numberLong: '4611686018427387903' } } })).toEqual({ n: 2n ** 63n - 1n })
      expect(apply({ n: 10n }, { $increment: { n: 0.5 } })).toEqual({ n: 10n })
      expect(apply({ n: 10n }, { $decrement: { n: 20.5 } })).toEqual({ n: -10n })
    })
    it('adds doubles, floats and decimals in their own type', () => {
      expect(apply({ n: 1.5 }, { $increment: { n: 2 } })).toEqual({ n: 3.5 })
      expect(apply({ n: 1.5 }, { $increment: { n: new OInt(2) } })).toEqual({ n: 3.5 })
      expect(apply({ n: new OFloat(1.5) }, { $increment: { n: 1 } })).toEqual({ n: new OFloat(2.5) })
      expect(apply({ n: new ODecimal('0.1') }, { $increment: { n: 0.2 } })).toEqual({ n: new ODecimal('0.3') })
      expect(apply({ n: new ODecimal('10') }, { $decrement: { n: new ODecimal('0.25') } })).toEqual({ n: new ODecimal('9.75') })
    })
    it('accepts a negative amount (PY test)', () => {
      expect(apply({ n: 10 }, { $increment: { n: -3 } })).toEqual({ n: 7 })
    })
    it('creates a missing field with the amount (decrement: its negation)', () => {
      expect(apply({}, { $increment: { 'a.n': new OInt(5) } })).toEqual({ a: { n: new OInt(5) } })
      expect(apply({}, { $decrement: { n: 5n } })).toEqual({ n: -5n })
      expect(apply({}, { $decrement: { n: 0 } })).toEqual({ n: 0 })
    })
    it('fails on a non-numeric field and on overflow', () => {
      illegal({ n: 'x' }, { $increment: { n: 1 } }, /\$increment on "n": the field holds string, not a number/)
      illegal({ n: new OInt(2147483647) }, { $increment: { n: 1 } }, /does not fit in the stored type int/)
      illegal({ n: 2n ** 63n - 1n }, { $increment: { n: 1 } }, /does not fit in the stored type long/)
      illegal({ a: 1 }, { $increment: { 'a.n': 1 } }, /"a" is double, not a map/)
    })
  })

  describe('$append', () => {
    it('appends the elements of an array argument (PY test)', () => {
      expect(apply({ l: [5, 6] }, { $append: { l: [{ name: 'Jo' }, 7, 8] } })).toEqual({ l: [5, 6, { name: 'Jo' }, 7, 8] })
    })
    it('appends a non-array argument as one element', () => {
      expect(apply({ l: [1] }, { $append: { l: { k: 'v' } } })).toEqual({ l: [1, { k: 'v' }] })
    })
    it('concatenates strings and binaries', () => {
      expect(apply({ s: 'Hello' }, { $append: { s: ' MapR' } })).toEqual({ s: 'Hello MapR' })
      expect(apply({ b: new Uint8Array([1]) }, { $append: { b: new Uint8Array([2, 3]) } })).toEqual({ b: new Uint8Array([1, 2, 3]) })
    })
    it('creates a missing field with the value', () => {
      expect(apply({}, { $append: { l: [1] } })).toEqual({ l: [1] })
    })
    it('fails on other types', () => {
      illegal({ n: 1 }, { $append: { n: [1] } }, /holds double; \$append needs an array, a string or a binary/)
      illegal({ s: 'x' }, { $append: { s: 1 } }, /cannot append double to a string/)
      illegal({ b: new Uint8Array(1) }, { $append: { b: 'x' } }, /cannot append string to a binary/)
    })
  })

  describe('$merge', () => {
    it('adds and overwrites keys of a map (PY test), shallowly', () => {
      expect(apply({ m: { test_int: 5 } }, { $merge: { m: { d: 55, g: 'text' } } })).toEqual({ m: { test_int: 5, d: 55, g: 'text' } })
      expect(apply({ m: { n: { a: 1, b: 2 } } }, { $merge: { m: { n: { c: 3 } } } })).toEqual({ m: { n: { c: 3 } } })
    })
    it('creates a missing field as the map', () => {
      expect(apply({}, { $merge: { 'x.m': { a: 1 } } })).toEqual({ x: { m: { a: 1 } } })
    })
    it('fails when the field is not a map', () => {
      illegal({ m: [1] }, { $merge: { m: { a: 1 } } }, /holds array, not a map/)
    })
  })

  describe('$delete', () => {
    it('removes a field of any type', () => {
      expect(apply({ a: 1, b: { c: 'x', d: 2 } }, { $delete: ['a', 'b.c'] })).toEqual({ b: { d: 2 } })
    })
    it('removes an array element', () => {
      expect(apply({ l: [1, 2, 3] }, { $delete: 'l[1]' })).toEqual({ l: [1, 3] })
    })
    it('silently succeeds on missing paths and wrong-type intermediates', () => {
      const doc = { a: { b: [1] } }
      expect(apply(doc, { $delete: ['x', 'a.z', 'a.b.c', 'a.b[5]', 'q.r.s'] })).toEqual(doc)
    })
  })

  it('applies several operations atomically: one failure leaves the document untouched', () => {
    illegal({ a: 1, s: 'x' }, { $set: { a: 2, 'n.m': 1 }, $increment: { s: 1 }, $delete: 'a2' }, /\$increment on "s"/)
  })

  it('applies several operations together', () => {
    const out = apply(
      { _id: 'k', a: 1, b: 'x', c: new OInt(2), l: [1] },
      '{"$set":{"a":5},"$delete":"b","$increment":{"c":2},"$append":{"l":[2]},"$put":{"z.y":true}}',
    )
    expect(out).toEqual({ _id: 'k', a: 5, c: new OInt(4), l: [1, 2], z: { y: true } })
  })

  it('copies only along the modified path', () => {
    const untouched = { big: [1, 2, 3] }
    const doc: Document = { keep: untouched, a: { b: { c: 1 }, sibling: { x: 1 } } }
    const out = apply(doc, mutation().set('a.b.c', 2))
    expect(out).not.toBe(doc)
    expect(out.keep).toBe(untouched)
    expect((out.a as Document).sibling).toBe((doc.a as Document).sibling)
    expect(out).toEqual({ keep: untouched, a: { b: { c: 2 }, sibling: { x: 1 } } })
  })

  it('returns the input for the empty mutation', () => {
    const doc = { a: 1 }
    expect(applyMutation(doc, mutation())).toBe(doc)
  })

  it('handles a field named __proto__ as data', () => {
    const out = apply({}, Mutation.parse('{"$set":{"__proto__.x":1}}'))
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(Object.prototype.hasOwnProperty.call(out, '__proto__')).toBe(true)
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })
})
