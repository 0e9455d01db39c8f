/**
 * `$matches` patterns compiled for RE2JS (the `re2js` package, a pure JavaScript port of RE2):
 * matching takes time linear in the text, whatever the pattern, where a backtracking engine such
 * as JavaScript's RegExp takes exponential time on `(a+)+$`.
 *
 * RE2's syntax is PCRE's and Java's without the constructs that need backtracking. A pattern that
 * uses one (backreferences, lookahead, atomic groups, possessive quantifiers, conditionals…) is
 * refused with {@link PatternRejection} naming the construct; so is a pattern whose counted
 * repetitions multiply out to more than {@link MAX_REGEX_STEPS} steps (`(a{1000}){1000}`), which
 * would make compiling it slow. Linear-time lookbehind (`(?<=…)`, `(?<!…)`) is on. Java's and
 * JavaScript's `\uXXXX` and `\u{X…}` escapes are accepted (as RE2's `\x{…}`).
 */
import { RE2JS, RE2JSSyntaxException } from 're2js'
import { messageOf } from './message-of.js'

/** Longest `$like` or `$matches` pattern, in UTF-16 code units. */
export const MAX_PATTERN_LENGTH = 4096

/** Upper bound of a `$matches` pattern's expanded size (counted repetitions multiplied out). */
export const MAX_REGEX_STEPS = 10_000

/** Why a pattern cannot be compiled. `construct` names what the engine cannot run, when that is the reason. */
export class PatternRejection extends Error {
  constructor(
    message: string,
    readonly construct: string | undefined,
  ) {
    super(message)
    this.name = 'PatternRejection'
  }
}

/** A compiled `$matches` pattern: an unanchored search. */
export interface CompiledRegex {
  test(text: string): boolean
}

const UNICODE_ESCAPE = /\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})|\\[^]/g

/** `\uXXXX` and `\u{X…}` become RE2's `\x{…}`; every other escape pair is left alone. */
function translateUnicodeEscapes(pattern: string): string {
  if (!pattern.includes('\\u')) return pattern
  return pattern.replace(UNICODE_ESCAPE, (whole, braced: string | undefined, plain: string | undefined) => {
    const hex = braced ?? plain
    return hex === undefined ? whole : `\\x{${hex}}`
  })
}

const COUNTED = /^\{(\d+)(,(\d*))?\}/

/**
 * An upper estimate of the pattern's size once counted repetitions are expanded (RE2 copies
 * `x{n,m}` m times): atoms count one, a repetition multiplies what it repeats. Escapes, classes
 * and `\Q…\E` count as one atom each; anything it misreads only makes the estimate larger.
 */
export function expandedSize(pattern: string): number {
  const stack: number[][] = [[]]
  const push = (n: number) => (stack[stack.length - 1] as number[]).push(n)
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string
    const items = stack[stack.length - 1] as number[]
    if (c === '\\') {
      const next = pattern[i + 1]
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', i + 2)
        const stop = end < 0 ? pattern.length : end + 2
        for (let k = i + 2; k < (end < 0 ? pattern.length : end); k++) push(1)
        i = stop - 1
        continue
      }
      if ((next === 'p' || next === 'P' || next === 'x') && pattern[i + 2] === '{') {
        const end = pattern.indexOf('}', i + 3)
        i = end < 0 ? pattern.length : end
      } else i++
      push(1)
    } else if (c === '[') {
      let j = i + 1
      if (pattern[j] === '^') j++
      if (pattern[j] === ']') j++
      while (j < pattern.length && pattern[j] !== ']') {
        if (pattern[j] === '\\') j++
        else if (pattern[j] === '[' && pattern[j + 1] === ':') {
          const end = pattern.indexOf(':]', j + 2)
          if (end >= 0) j = end + 1
        }
        j++
      }
      i = j
      push(1)
    } else if (c === '(') {
      stack.push([])
    } else if (c === ')' && stack.length > 1) {
      const group = stack.pop() as number[]
      push(group.reduce((a, b) => a + b, 1))
    } else if (c === '{') {
      const m = COUNTED.exec(pattern.slice(i, i + 24))
      const last = items.length - 1
      if (m === null || last < 0) {
        push(1)
        continue
      }
      const low = Number(m[1])
      const high = m[2] === undefined ? low : m[3] === '' ? low + 1 : Number(m[3])
      items[last] = Math.min(Number.MAX_SAFE_INTEGER, (items[last] as number) * Math.max(low, high, 1) + 1)
      i += m[0].length - 1
    } else if ((c === '*' || c === '+' || c === '?') && items.length > 0) {
      items[items.length - 1] = (items[items.length - 1] as number) + 1
    } else push(1)
  }
  let total = 0
  for (const items of stack) for (const n of items) total = Math.min(Number.MAX_SAFE_INTEGER, total + n)
  return total
}

const UNSUPPORTED_ESCAPES = new Set(['G', 'Z', 'R', 'h', 'H', 'K', 'X', 'v', 'V', 'k', 'c', 'e'])

/** The construct a syntax error is about, when it is one RE2 leaves out on purpose. */
function constructOf(pattern: string, error: RE2JSSyntaxException): string | undefined {
  const input = error.input ?? ''
  switch (error.error) {
    case 'invalid escape sequence': {
      if (/^\\[1-9]/.test(input)) return `backreference ${input}`
      const letter = input[1]
      if (letter !== undefined && UNSUPPORTED_ESCAPES.has(letter)) return letter === 'k' ? 'named backreference \\k<…>' : `escape ${input}`
      return undefined
    }
    case 'invalid or unsupported Perl syntax':
      if (input.startsWith('(?=')) return 'lookahead (?=…)'
      if (input.startsWith('(?!')) return 'negative lookahead (?!…)'
      if (input.startsWith('(?>')) return 'atomic group (?>…)'
      if (input.startsWith('(?(')) return 'conditional group (?(…)…)'
      if (input.startsWith('(?#')) return 'comment group (?#…)'
      if (input.startsWith('(?P') && pattern.includes('(?P=')) return 'named backreference (?P=…)'
      if (/^\(\?[a-zA-Z]/.test(input)) return `inline flag ${input}) (RE2 knows i, m, s and U)`
      return undefined
    case 'invalid capture in lookbehind':
      return 'capturing group inside a lookbehind'
    case 'invalid nested repetition operator':
      return input.length >= 2 && input.endsWith('+') ? `possessive quantifier ${input}` : undefined
    case 'invalid repeat count':
      return `repetition count ${input} (RE2 allows at most 1000, nested counts multiplied)`
    default:
      return undefined
  }
}

/** Compiles a `$matches` pattern; throws {@link PatternRejection} saying why it cannot. */
export function compileRegex(pattern: string): CompiledRegex {
  if (pattern.length > MAX_PATTERN_LENGTH)
    throw new PatternRejection(
      `the pattern is ${pattern.length} characters long; at most ${MAX_PATTERN_LENGTH} are allowed`,
      `a pattern over ${MAX_PATTERN_LENGTH} characters`,
    )
  const source = translateUnicodeEscapes(pattern)
  const size = expandedSize(source)
  if (size > MAX_REGEX_STEPS) {
    throw new PatternRejection(
      `its counted repetitions expand to about ${size} steps; at most ${MAX_REGEX_STEPS} are allowed (e.g. write a{3,} rather than a{1000})`,
      `counted repetitions expanding to ${size} steps`,
    )
  }
  try {
    return RE2JS.compile(source, RE2JS.LOOKBEHINDS)
  } catch (error) {
    if (error instanceof RE2JSSyntaxException) {
      const construct = constructOf(source, error)
      if (construct !== undefined) {
        throw new PatternRejection(
          `it uses ${construct}, which the linear-time engine cannot run; $matches takes RE2 syntax (PCRE without backreferences, lookahead, atomic groups, possessive quantifiers or conditionals)`,
          construct,
        )
      }
      throw new PatternRejection(error.message.replace(/^error parsing regexp: /, ''), undefined)
    }
    throw new PatternRejection(messageOf(error), undefined)
  }
}
