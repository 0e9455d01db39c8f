import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { FieldPath, valueAt, valuesAt, someValueAt } from '../../lib/ojai/field-path.js'
import type { PathSegment } from '../../lib/ojai/field-path.js'
import { InvalidFieldPathError } from '../../lib/ojai/errors.js'

const name = (n: string): PathSegment => ({ kind: 'name', name: n })
const index = (i: number): PathSegment => ({ kind: 'index', index: i })
const container: PathSegment = { kind: 'container' }

describe('FieldPath.parse', () => {
  it.each<[string, PathSegment[]]>([
    ['a', [name('a')]],
    ['address.zipCode', [name('address'), name('zipCode')]],
    ['a.b.c.d', [name('a'), name('b'), name('c'), name('d')]],
    ['phoneNumbers[0]', [name('phoneNumbers'), index(0)]],
    ['a.b[1].decimal', [name('a'), name('b'), index(1), name('decimal')]],
    ['a.b[3].c', [name('a'), name('b'), index(3), name('c')]],
    ['m[1][2]', [name('m'), index(1), index(2)]],
    ['a[ 12 ]', [name('a'), index(12)]],
    ['tags[]', [name('tags'), container]],
    ['a[ ]', [name('a'), container]],
    ['a.b[].c', [name('a'), name('b'), container, name('c')]],
    ['"a.b"[].c', [name('a.b'), container, name('c')]],
    ['work phone.cell phone', [name('work phone'), name('cell phone')]],
    ['work-phone', [name('work-phone')]],
    ['1.23.4a', [name('1'), name('23'), name('4a')]],
    ['"the quick.brown fox"', [name('the quick.brown fox')]],
    ['`a.b`', [name('a.b')]],
    ['`x[0]`.y', [name('x[0]'), name('y')]],
    ['"a\\"b"', [name('a"b')]],
    ['`a\\`b`', [name('a`b')]],
    ['a\\.b', [name('a.b')]],
    ['a\\[0\\]', [name('a[0]')]],
    ['a\\\\b', [name('a\\b')]],
    ['a\\/b', [name('a/b')]],
    ['a\\tb\\nc\\rd\\be\\ff', [name('a\tb\nc\rd\be\ff')]],
    ['caf\\u00e9', [name('café')]],
    ['`\\u0041`', [name('A')]],
    ['$weird-name_ok', [name('$weird-name_ok')]],
    ['ünïcödé.😀', [name('ünïcödé'), name('😀')]],
    [' a', [name(' a')]],
  ])('parses %j', (text, segments) => {
    expect(FieldPath.parse(text).segments).toEqual(segments)
  })

  it.each(['', '""', '``'])('%j is the root', (text) => {
    const p = FieldPath.parse(text)
    expect(p.isRoot).toBe(true)
    expect(p).toBe(FieldPath.ROOT)
    expect(p.toString()).toBe('')
  })

  it('reports hasContainer', () => {
    expect(FieldPath.parse('a[].b').hasContainer).toBe(true)
    expect(FieldPath.parse('a[0].b').hasContainer).toBe(false)
  })

  it('returns the same parsed object for a repeated path (cache)', () => {
    expect(FieldPath.parse('cache.me[1]')).toBe(FieldPath.parse('cache.me[1]'))
  })

  it('keeps parsed paths immutable', () => {
    const p = FieldPath.parse('frozen.path')
    expect(Object.isFrozen(p.segments)).toBe(true)
    expect(Object.isFrozen(p.segments[0])).toBe(true)
  })
})

describe('FieldPath.parse errors', () => {
  it.each<[string, number, RegExp]>([
    ['a..b', 2, /empty field name/],
    ['.a', 0, /empty field name/],
    ['a.', 1, /ends with "\."/],
    ['[0]', 0, /must start with a field name/],
    ['a.[0]', 2, /empty field name before "\["/],
    ['a[0', 1, /unclosed "\["/],
    ['a[x]', 2, /non-negative integer/],
    ['a[-1]', 2, /non-negative integer/],
    ['a[1 2]', 4, /non-negative integer/],
    ['a]', 1, /without a matching "\["/],
    ['a"b"', 1, /inside an unquoted name/],
    ['a`b', 1, /inside an unquoted name/],
    ['"abc', 0, /unterminated quoted name/],
    ['`abc', 0, /unterminated quoted name/],
    ['"a"b', 3, /after the closing "/],
    ['a.""', 2, /empty quoted name/],
    ['a\\qb', 2, /unknown escape \\q/],
    ['a\\', 1, /lone backslash/],
    ['a\\u12', 1, /four hex digits/],
    ['a\tb', 1, /control character \\t must be escaped/],
    ['a\nb', 1, /control character \\n/],
    ['a[99999999999999999999]', 2, /too large/],
  ])('%j fails at position %i', (text, position, reason) => {
    let error: unknown
    try {
      FieldPath.parse(text)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InvalidFieldPathError)
    const e = error as InvalidFieldPathError
    expect(e.position).toBe(position)
    expect(e.path).toBe(text)
    expect(e.code).toBe('INVALID_FIELD_PATH')
    expect(e.message).toMatch(reason)
    expect(e.message).toContain(JSON.stringify(text))
  })

  it('rejects a non-string', () => {
    expect(() => FieldPath.parse(5 as unknown as string)).toThrow(InvalidFieldPathError)
  })
})

describe('FieldPath.toString', () => {
  it.each<[string, string]>([
    ['a.b[0].c', 'a.b[0].c'],
    ['a[ ]', 'a[]'],
    ['"a.b"[].c', '`a.b`[].c'],
    ['a\\.b', '`a.b`'],
    ['"a`b"', '`a\\`b`'],
    ['a\\\\b', '`a\\\\b`'],
    ['"x\\ny"', '`x\\ny`'],
    ['work phone', 'work phone'],
    ['a[007]', 'a[7]'],
  ])('%j prints as %j', (text, canonical) => {
    expect(FieldPath.parse(text).toString()).toBe(canonical)
  })

  it('quotes names that need it in FieldPath.of', () => {
    expect(FieldPath.of('a.b', 'c[d]', '"q"', 'ctl\u0001').toString()).toBe('`a.b`.`c[d]`.`"q"`.`ctl\\u0001`')
  })

  it('round-trips: parse(toString(p)) equals p for arbitrary segments', () => {
    const segment = fc.oneof(
      { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme-composite' }).map(name) },
      {
        weight: 2,
        arbitrary: fc
          .string({ minLength: 1, maxLength: 4, unit: fc.constantFrom('a', '.', '[', ']', '"', '`', '\\', ' ', '\n', '\u0001', '0') })
          .map(name),
      },
      { weight: 1, arbitrary: fc.nat(1000).map(index) },
      { weight: 1, arbitrary: fc.constant(container) },
    )
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 6 }), fc.array(segment, { maxLength: 6 }), (first, rest) => {
        const p = FieldPath.fromSegments([name(first), ...rest])
        const again = FieldPath.parse(p.toString())
        expect(again.segments).toEqual(p.segments)
        expect(again.equals(p)).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  it('equals compares segments, case-sensitively', () => {
    expect(FieldPath.parse('a.b').equals(FieldPath.parse('`a`."b"'))).toBe(true)
    expect(FieldPath.parse('a.b').equals(FieldPath.parse('A.b'))).toBe(false)
    expect(FieldPath.parse('a.b').equals(FieldPath.parse('`a.b`'))).toBe(false)
  })

  it('isPrefixOf and concat', () => {
    const a = FieldPath.parse('a.b')
    expect(a.isPrefixOf(FieldPath.parse('a.b[0].c'))).toBe(true)
    expect(a.isPrefixOf(a)).toBe(true)
    expect(a.isPrefixOf(FieldPath.parse('a.bc'))).toBe(false)
    expect(a.concat(FieldPath.parse('c[1]')).toString()).toBe('a.b.c[1]')
    expect(FieldPath.ROOT.concat(a)).toBe(a)
  })

  it('fromSegments refuses a leading index', () => {
    expect(() => FieldPath.fromSegments([index(0)])).toThrow(InvalidFieldPathError)
    expect(() => FieldPath.fromSegments([name('a'), index(-1)])).toThrow(/non-negative/)
  })
})

describe('resolution (Section 8.1)', () => {
  const doc = {
    a: { b: [{ c: 1 }, { c: 2 }, 7], m: { c: 3 } },
    s: 'x',
    arr: [1, [2, 3]],
    n: null,
  }

  it('descends maps only; no implicit array traversal', () => {
    expect(valueAt(doc, FieldPath.parse('a.m.c'))).toBe(3)
    expect(valueAt(doc, FieldPath.parse('a.b.c'))).toBeUndefined()
    expect(valueAt(doc, FieldPath.parse('s.length'))).toBeUndefined()
    expect(valueAt(doc, FieldPath.parse('n'))).toBeNull()
  })

  it('indexes arrays, absent when too short or not an array', () => {
    expect(valueAt(doc, FieldPath.parse('a.b[1].c'))).toBe(2)
    expect(valueAt(doc, FieldPath.parse('a.b[5]'))).toBeUndefined()
    expect(valueAt(doc, FieldPath.parse('s[0]'))).toBeUndefined()
    expect(valueAt(doc, FieldPath.parse('arr[1][0]'))).toBe(2)
  })

  it('container paths yield each element, a non-array as one element', () => {
    expect(valuesAt(doc, FieldPath.parse('a.b[].c'))).toEqual([1, 2])
    expect(valuesAt(doc, FieldPath.parse('a.m[].c'))).toEqual([3])
    expect(valuesAt(doc, FieldPath.parse('s[]'))).toEqual(['x'])
    expect(valuesAt(doc, FieldPath.parse('arr[][]'))).toEqual([1, 2, 3])
    expect(valuesAt(doc, FieldPath.parse('missing[]'))).toEqual([])
    expect(someValueAt(doc, FieldPath.parse('a.b[].c'), (v) => v === 2)).toBe(true)
    expect(someValueAt(doc, FieldPath.parse('a.b[].c'), (v) => v === 9)).toBe(false)
  })

  it('the root path is the value itself', () => {
    expect(valueAt(5, FieldPath.ROOT)).toBe(5)
  })

  it('never reads inherited properties', () => {
    expect(valueAt({}, FieldPath.parse('constructor'))).toBeUndefined()
    expect(valueAt({}, FieldPath.parse('__proto__'))).toBeUndefined()
    expect(valueAt({ a: [] }, FieldPath.parse('a.length'))).toBeUndefined()
  })
})
