/**
 * `$like` and `$matches` run in time linear in the text: the LIKE matcher agrees with a plain
 * dynamic-programming reference, the RE2 engine agrees with JavaScript's RegExp on the syntax
 * both share, backtracking-only constructs are refused with a typed error naming them, and the
 * inputs that froze a backtracking engine get their (correct) answer.
 */
import fc from 'fast-check'
import { RE2JS } from 're2js'
import { describe, expect, it } from 'vitest'
import { Condition, cond, UnsupportedPatternError } from '../../lib/ojai/condition.js'
import { InvalidConditionError } from '../../lib/ojai/errors.js'
import { LikePattern } from '../../lib/ojai/like.js'
import { expandedSize, MAX_PATTERN_LENGTH, MAX_REGEX_STEPS } from '../../lib/ojai/regex.js'

/** LIKE by dynamic programming over code points: obviously right, quadratic. */
function likeReference(pattern: string, text: string, escape?: string): boolean {
  const p: { ch: string; kind: 'lit' | 'one' | 'any' }[] = []
  const chars = Array.from(pattern)
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string
    if (escape !== undefined && ch === escape) p.push({ ch: chars[++i] as string, kind: 'lit' })
    else p.push({ ch, kind: ch === '%' ? 'any' : ch === '_' ? 'one' : 'lit' })
  }
  const t = Array.from(text)
  let row = new Array<boolean>(t.length + 1).fill(false)
  row[0] = true
  for (const tok of p) {
    const next = new Array<boolean>(t.length + 1).fill(false)
    for (let j = 0; j <= t.length; j++) {
      if (tok.kind === 'any') next[j] = (row[j] as boolean) || (j > 0 && (next[j - 1] as boolean))
      else if (j > 0) next[j] = (row[j - 1] as boolean) && (tok.kind === 'one' || t[j - 1] === tok.ch)
    }
    row = next
  }
  return row[t.length] as boolean
}

const likeChar = fc.constantFrom('a', 'b', '%', '_', '😀', '\n', '#')
const textChar = fc.constantFrom('a', 'b', '😀', '\n', '%', '_', '#')

describe('$like: linear matcher', () => {
  it('agrees with the reference on random patterns and texts (code points, escapes, newlines)', () => {
    fc.assert(
      fc.property(fc.array(likeChar, { maxLength: 10 }), fc.array(textChar, { maxLength: 14 }), fc.boolean(), (p, t, withEscape) => {
        let pattern = p.join('')
        const escape = withEscape ? '#' : undefined
        if (escape !== undefined && /(^|[^#])(##)*#$/.test(pattern)) pattern += 'a'
        const text = t.join('')
        expect(new LikePattern(pattern, escape).test(text)).toBe(likeReference(pattern, text, escape))
      }),
      { numRuns: 3000 },
    )
  })

  it('agrees with the reference on segments longer than one 32-bit word', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', '_'), { minLength: 33, maxLength: 70 }),
        fc.array(fc.constantFrom('a', 'b', '😀'), { maxLength: 150 }),
        (seg, t) => {
          const pattern = `%${seg.join('')}%b`
          const text = t.join('')
          expect(new LikePattern(pattern).test(text)).toBe(likeReference(pattern, text))
        },
      ),
      { numRuns: 500 },
    )
  })

  it('answers the inputs that froze a backtracking engine', () => {
    const long = 'a'.repeat(100_000)
    expect(cond.like('s', '%a%a%a%b').matches({ s: long })).toBe(false)
    expect(cond.like('s', '%a%a%a%a').matches({ s: long })).toBe(true)
    expect(cond.like('s', `%${'a_'.repeat(40)}b%`).matches({ s: long })).toBe(false)
    expect(cond.like('s', `%${'a'.repeat(200)}b%`).matches({ s: long })).toBe(false)
    expect(cond.notLike('s', '%a%a%a%b').matches({ s: long })).toBe(true)
  })

  it('a pattern over the length limit is refused with a typed error', () => {
    const error = catchError(() => cond.like('s', 'a'.repeat(MAX_PATTERN_LENGTH + 1)))
    expect(error).toBeInstanceOf(UnsupportedPatternError)
    expect((error as Error).message).toMatch(/\$like on "s": the pattern is 4097 characters long; at most 4096/)
  })
})

/** A small regular-expression grammar that RE2 and JavaScript read alike. */
const regexArb: fc.Arbitrary<string> = fc.letrec<{ re: string }>((tie) => ({
  re: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', 'x', '😀'),
    fc.tuple(tie('re'), fc.constantFrom('*', '+', '?', '{2}', '{1,3}', '*?')).map(([r, q]) => `(?:${r})${q}`),
    fc.tuple(tie('re'), tie('re')).map(([x, y]) => `${x}${y}`),
    fc.tuple(tie('re'), tie('re')).map(([x, y]) => `(?:${x}|${y})`),
    fc.tuple(fc.constantFrom('^', ''), tie('re'), fc.constantFrom('$', '')).map(([a, r, z]) => `${a}${r}${z}`),
  ),
})).re

describe('$matches: linear-time engine', () => {
  it('agrees with JavaScript RegExp (u flag) on the syntax both read alike', () => {
    fc.assert(
      fc.property(regexArb, fc.array(fc.constantFrom('a', 'b', 'x', '1', '😀', '\n'), { maxLength: 12 }), (pattern, t) => {
        const text = t.join('')
        expect(cond.matches('s', pattern).matches({ s: text })).toBe(new RegExp(pattern, 'u').test(text))
      }),
      { numRuns: 2000 },
    )
  })

  it('keeps inline flags, \\p classes and \\u escapes', () => {
    expect(cond.matches('s', '(?i)^john').matches({ s: 'JOHN doe' })).toBe(true)
    expect(cond.matches('s', '(?s)a.b').matches({ s: 'a\nb' })).toBe(true)
    expect(cond.matches('s', 'a.b').matches({ s: 'a\nb' })).toBe(false)
    expect(cond.matches('s', '^\\p{Lu}\\p{Ll}+$').matches({ s: 'Émile' })).toBe(true)
    expect(cond.matches('s', '^\\u0041\\u{1F600}$').matches({ s: 'A😀' })).toBe(true)
    expect(cond.matches('s', '^\\\\u0041$').matches({ s: '\\u0041' })).toBe(true)
  })

  it('answers nested quantifiers and alternations on long inputs', () => {
    const long = `${'a'.repeat(100_000)}!`
    expect(cond.matches('s', '(a+)+$').matches({ s: long })).toBe(false)
    expect(cond.matches('s', '(a|aa)+$').matches({ s: long })).toBe(false)
    expect(cond.matches('s', '^(a|a?)+b').matches({ s: long })).toBe(false)
    expect(cond.matches('s', '(\\w+\\s?)+$').matches({ s: long })).toBe(false)
    expect(cond.matches('s', '(.*a){12}').matches({ s: long })).toBe(true)
    expect(cond.notMatches('s', '(a+)+$').matches({ s: long })).toBe(true)
  })

  it.each([
    ['(\\w)\\1', 'backreference \\1'],
    ['(?<n>a)\\k<n>', 'named backreference \\k<…>'],
    ['(?P<n>a)(?P=n)', 'named backreference (?P=…)'],
    ['a(?=b)', 'lookahead (?=…)'],
    ['a(?!b)', 'negative lookahead (?!…)'],
    ['(?>a+)b', 'atomic group (?>…)'],
    ['a++b', 'possessive quantifier ++'],
    ['a*+b', 'possessive quantifier *+'],
    ['(a)?(?(1)b|c)', 'conditional group (?(…)…)'],
    ['(?<=(a))b', 'capturing group inside a lookbehind'],
    ['a\\Z', 'escape \\Z'],
    ['(?x) a b', 'inline flag (?x) (RE2 knows i, m, s and U)'],
    ['a{1001}', 'repetition count {1001} (RE2 allows at most 1000, nested counts multiplied)'],
    ['(?:a{100}b{100}){60}', 'counted repetitions expanding to 12301 steps'],
    ['a'.repeat(MAX_PATTERN_LENGTH + 1), 'a pattern over 4096 characters'],
  ])('refuses %.40s naming the construct', (pattern, construct) => {
    const error = catchError(() => Condition.parse({ $matches: { s: pattern } }))
    expect(error).toBeInstanceOf(UnsupportedPatternError)
    expect(error).toBeInstanceOf(InvalidConditionError)
    expect((error as UnsupportedPatternError).construct).toBe(construct)
    expect((error as Error).message).toMatch(/^\$matches on "s": cannot use the regular expression/)
  })

  it('a malformed pattern is an InvalidConditionError, not an unsupported construct', () => {
    const error = catchError(() => cond.matches('s', '(a'))
    expect(error).toBeInstanceOf(InvalidConditionError)
    expect(error).not.toBeInstanceOf(UnsupportedPatternError)
    expect((error as Error).message).toMatch(/invalid regular expression "\(a": missing closing \)/)
  })

  it('linear-time lookbehind is accepted', () => {
    expect(cond.matches('s', '(?<=a)b').matches({ s: 'ab' })).toBe(true)
    expect(cond.matches('s', '(?<!a)b').matches({ s: 'ab' })).toBe(false)
  })

  it('the expansion estimate never falls far below the compiled program size', () => {
    fc.assert(
      fc.property(regexArb, fc.constantFrom('', '{3}', '{2,5}', '{4,}'), (pattern, count) => {
        const source = `(?:${pattern})${count}`
        const estimate = expandedSize(source)
        fc.pre(estimate <= MAX_REGEX_STEPS)
        expect(RE2JS.compile(source).programSize()).toBeLessThanOrEqual(4 * estimate + 8)
      }),
      { numRuns: 1000 },
    )
  })
})

function catchError(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}
