/**
 * SQL LIKE matching (`$like`, protocol Section 10.1) in time linear in the text: `%` is any run of
 * characters (none included), `_` exactly one character (a code point, so an emoji is one), every
 * other character literal, and the whole string must match.
 *
 * How: the pattern splits at `%` into segments of literals and `_`. The first segment must match
 * at the start, the last at the end, and each one between at its leftmost occurrence after the
 * previous one. Leftmost is always safe (a later occurrence only leaves less text for the
 * segments after it), so nothing is ever retried: the text is scanned once, by `indexOf` for a
 * segment of literals and by a bit-parallel shift-and automaton for a segment holding `_` (one
 * step per character, one 32-bit word per 32 characters of the segment). A backtracking regular
 * expression, by contrast, takes time polynomial in the text with the number of `%` as exponent.
 */

/** A character of a segment: its code point, or `_`. */
const ANY = -1

interface Segment {
  /** Code points, `ANY` for `_`. */
  readonly chars: readonly number[]
  /** The segment as text when it holds no `_` (searched with `indexOf`). */
  readonly literal: string | undefined
  /**
   * Shift-and tables of a segment holding `_`, one 32-bit word per 32 characters: per word, the
   * positions each code point of the segment may take, and the positions of `_` (which any
   * character may take). Kept per word so they take memory linear in the segment's length.
   */
  readonly masks: readonly ReadonlyMap<number, number>[]
  readonly any: Uint32Array
}

function width(cp: number): number {
  return cp > 0xffff ? 2 : 1
}

const NO_WORDS = new Uint32Array(0)

function segment(chars: number[]): Segment {
  if (!chars.includes(ANY)) return { chars, literal: String.fromCodePoint(...chars), masks: [], any: NO_WORDS }
  const words = Math.ceil(chars.length / 32)
  const any = new Uint32Array(words)
  const masks = Array.from({ length: words }, () => new Map<number, number>())
  chars.forEach((c, i) => {
    const w = i >>> 5
    const bit = 1 << (i & 31)
    if (c === ANY) any[w] = (any[w] as number) | bit
    else {
      const word = masks[w] as Map<number, number>
      word.set(c, (word.get(c) ?? 0) | bit)
    }
  })
  return { chars, literal: undefined, masks, any }
}

/** Where `seg` ends when it matches at `at`, else -1. */
function matchAt(seg: Segment, s: string, at: number): number {
  let i = at
  for (const c of seg.chars) {
    if (i >= s.length) return -1
    const cp = s.codePointAt(i) as number
    if (c !== ANY && c !== cp) return -1
    i += width(cp)
  }
  return i
}

/** Where the leftmost occurrence of `seg` starting at or after `from` ends, else -1. */
function findFrom(seg: Segment, s: string, from: number): number {
  if (seg.literal !== undefined) {
    const at = s.indexOf(seg.literal, from)
    return at < 0 ? -1 : at + seg.literal.length
  }
  const { masks, any } = seg
  const words = any.length
  const last = seg.chars.length - 1
  const lastWord = last >>> 5
  const lastBit = 1 << (last & 31)
  // Bit j: the last j+1 characters read match the segment's first j+1 characters.
  const state = new Uint32Array(words)
  for (let i = from; i < s.length;) {
    const cp = s.codePointAt(i) as number
    i += width(cp)
    let carry = 1
    for (let w = 0; w < words; w++) {
      const v = state[w] as number
      state[w] = ((v << 1) | carry) & (((masks[w] as ReadonlyMap<number, number>).get(cp) ?? 0) | (any[w] as number))
      carry = v >>> 31
    }
    if (((state[lastWord] as number) & lastBit) !== 0) return i
  }
  return -1
}

/** Start of the last `n` characters of `s`, or -1 when `s` has fewer than `n` after `floor`. */
function startOfLast(s: string, n: number, floor: number): number {
  let i = s.length
  for (let k = 0; k < n; k++) {
    if (i <= floor) return -1
    i--
    if (i > floor && (s.charCodeAt(i) & 0xfc00) === 0xdc00 && (s.charCodeAt(i - 1) & 0xfc00) === 0xd800) i--
  }
  return i
}

/**
 * A compiled LIKE pattern. `escape`, when given, makes the character after it literal.
 * Throws an Error when the pattern ends with the escape character.
 */
export class LikePattern {
  private readonly segments: readonly Segment[]

  constructor(pattern: string, escape?: string) {
    const segments: number[][] = [[]]
    const escapeCp = escape === undefined ? undefined : (escape.codePointAt(0) as number)
    for (let i = 0; i < pattern.length;) {
      let cp = pattern.codePointAt(i) as number
      i += width(cp)
      let literal = false
      if (cp === escapeCp) {
        if (i >= pattern.length)
          throw new Error(`pattern ${JSON.stringify(pattern)} ends with the escape character ${JSON.stringify(escape)}`)
        cp = pattern.codePointAt(i) as number
        i += width(cp)
        literal = true
      }
      const current = segments[segments.length - 1] as number[]
      if (!literal && cp === 0x25 /* % */) segments.push([])
      else current.push(!literal && cp === 0x5f /* _ */ ? ANY : cp)
    }
    this.segments = segments.map(segment)
  }

  /** Does the whole of `s` match? */
  test(s: string): boolean {
    const segs = this.segments
    const first = segs[0] as Segment
    if (segs.length === 1) return matchAt(first, s, 0) === s.length
    let at = matchAt(first, s, 0)
    if (at < 0) return false
    for (let k = 1; k < segs.length - 1; k++) {
      at = findFrom(segs[k] as Segment, s, at)
      if (at < 0) return false
    }
    const tail = segs[segs.length - 1] as Segment
    const start = startOfLast(s, tail.chars.length, at)
    return start >= 0 && matchAt(tail, s, start) === s.length
  }
}
