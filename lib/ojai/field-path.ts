/**
 * OJAI field paths: `a.b[0].c`, `tags[]`, quoted segments (`"a.b"`, `` `x y` ``), backslash escapes,
 * and how a path resolves against a value (protocol Section 8 and 8.1).
 */
import { InvalidFieldPathError } from './errors.js'
import { isDocumentMap } from './values.js'
import type { Value } from './values.js'

/** @category Documents and queries */
export type PathSegment =
  { readonly kind: 'name'; readonly name: string } | { readonly kind: 'index'; readonly index: number } | { readonly kind: 'container' }

/** Parsed paths are immutable, so the hot path (the same few paths on every request) reuses them. */
const CACHE_LIMIT = 1024
/** Longer texts are parsed but not cached, so one odd request cannot fill memory. */
const CACHE_MAX_TEXT = 256
const cache = new Map<string, FieldPath>()

const CONTAINER: PathSegment = Object.freeze({ kind: 'container' as const })

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '`': '`',
  '\\': '\\',
  '/': '/',
  '.': '.',
  '[': '[',
  ']': ']',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
}

const CONTROL_NAMES: Readonly<Record<string, string>> = { '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** Characters an unquoted name cannot hold: quotes, backslash, separators and the five control escapes. */
function isUnquotedForbidden(ch: string): boolean {
  return ch === '`' || ch === '"' || ch === '\\' || ch === '.' || ch === '[' || ch === ']' || ch in CONTROL_NAMES
}

function nameNeedsQuotes(name: string): boolean {
  if (name.length === 0) return true
  for (let i = 0; i < name.length; i++) {
    const ch = name[i] as string
    if (isUnquotedForbidden(ch) || ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) return true
  }
  return false
}

function quoteName(name: string): string {
  let out = '`'
  for (let i = 0; i < name.length; i++) {
    const ch = name[i] as string
    const code = ch.charCodeAt(0)
    if (ch === '`' || ch === '\\') out += '\\' + ch
    else if (ch in CONTROL_NAMES) out += CONTROL_NAMES[ch] as string
    else if (code < 0x20 || code === 0x7f) out += '\\u' + code.toString(16).padStart(4, '0')
    else out += ch
  }
  return out + '`'
}

/**
 * A parsed field path. Immutable; build with {@link FieldPath.parse} (text) or {@link FieldPath.of}
 * (plain names).
 *
 * Names are compared case-sensitively: the reference library compares them case-insensitively,
 * but the protocol recommends case-sensitive field lookup, and `equals` follows the lookup.
 * @category Documents and queries
 */
export class FieldPath {
  /** The document root (the empty path). */
  static readonly ROOT: FieldPath = new FieldPath([])

  private readonly containerFlag: boolean
  private text: string | undefined

  protected constructor(readonly segments: readonly PathSegment[]) {
    Object.freeze(segments)
    this.containerFlag = segments.some((s) => s.kind === 'container')
  }

  /**
   * Parses a path; throws {@link InvalidFieldPathError} pointing at the bad character.
   *
   * Grammar: name segments separated by `.`; each name may be followed by `[n]` (0-based index)
   * or `[]` (container; spaces inside the brackets are ignored). A path starts with a name.
   * Unquoted names keep their spaces and may be digit-only. `"…"` and `` `…` `` quote a whole
   * segment. Escapes `\" \` \\ \/ \. \[ \] \b \f \n \r \t \uXXXX` work inside and outside quotes.
   * `""`, ` `` ` and the empty string are the root.
   */
  static parse(text: string): FieldPath {
    const hit = cache.get(text)
    if (hit !== undefined) return hit
    if (typeof text !== 'string') {
      throw new InvalidFieldPathError(String(text), 0, `a field path must be a string, got ${typeof text}`)
    }
    const path = text === '' || text === '""' || text === '``' ? FieldPath.ROOT : new FieldPath(new PathParser(text).parse())
    if (text.length <= CACHE_MAX_TEXT) {
      if (cache.size >= CACHE_LIMIT) {
        const oldest = cache.keys().next()
        if (oldest.done !== true) cache.delete(oldest.value)
      }
      cache.set(text, path)
    }
    return path
  }

  /** `FieldPath.parse` for text, identity for a FieldPath. */
  static from(input: FieldPath | string): FieldPath {
    return input instanceof FieldPath ? input : FieldPath.parse(input)
  }

  /** A path of plain name segments, no parsing (names may contain any character). */
  static of(...names: string[]): FieldPath {
    return new FieldPath(names.map((name) => Object.freeze({ kind: 'name' as const, name })))
  }

  /**
   * A path from segments. The first segment must be a name (as in the grammar), indexes must be
   * non-negative safe integers.
   */
  static fromSegments(segments: readonly PathSegment[]): FieldPath {
    if (segments.length === 0) return FieldPath.ROOT
    if (segments[0]?.kind !== 'name') throw new InvalidFieldPathError('', 0, 'a path must start with a field name')
    const copy = segments.map((s) => {
      if (s.kind === 'index' && (!Number.isSafeInteger(s.index) || s.index < 0)) {
        throw new InvalidFieldPathError('', 0, `index must be a non-negative integer, got ${String(s.index)}`)
      }
      return s.kind === 'container' ? CONTAINER : Object.freeze({ ...s })
    })
    return new FieldPath(copy)
  }

  /** True for the root path. */
  get isRoot(): boolean {
    return this.segments.length === 0
  }

  /** True when the path has a `[]` container segment. */
  get hasContainer(): boolean {
    return this.containerFlag
  }

  /** This path followed by `other`'s segments (e.g. `$elementAnd` element paths). */
  concat(other: FieldPath): FieldPath {
    if (other.isRoot) return this
    if (this.isRoot) return other
    return new FieldPath([...this.segments, ...other.segments])
  }

  /** True when `other` starts with all of this path's segments (a path is a prefix of itself). */
  isPrefixOf(other: FieldPath): boolean {
    if (this.segments.length > other.segments.length) return false
    for (let i = 0; i < this.segments.length; i++) {
      if (!segmentEquals(this.segments[i] as PathSegment, other.segments[i] as PathSegment)) return false
    }
    return true
  }

  /** The canonical text form; `FieldPath.parse(p.toString())` equals `p` (except for an empty name, which has no text form). */
  toString(): string {
    if (this.text !== undefined) return this.text
    let out = ''
    for (const s of this.segments) {
      if (s.kind === 'name') {
        if (out.length > 0) out += '.'
        out += nameNeedsQuotes(s.name) ? quoteName(s.name) : s.name
      } else if (s.kind === 'index') {
        out += `[${s.index}]`
      } else {
        out += '[]'
      }
    }
    this.text = out
    return out
  }

  toJSON(): string {
    return this.toString()
  }

  equals(other: FieldPath): boolean {
    return this === other || this.toString() === other.toString()
  }
}

function segmentEquals(a: PathSegment, b: PathSegment): boolean {
  if (a.kind !== b.kind) return false
  if (a.kind === 'name') return a.name === (b as { name: string }).name
  if (a.kind === 'index') return a.index === (b as { index: number }).index
  return true
}

/** A hand-written scanner: one pass, positions for every error. */
class PathParser {
  private i = 0
  private readonly segments: PathSegment[] = []

  constructor(private readonly text: string) {}

  parse(): PathSegment[] {
    const t = this.text
    for (;;) {
      this.name()
      while (this.i < t.length && t[this.i] === '[') this.index()
      if (this.i >= t.length) return this.segments
      if (t[this.i] !== '.') {
        this.fail(this.i, `expected "." or "[" after a field name, got ${JSON.stringify(t[this.i])}`)
      }
      this.i++
      if (this.i >= t.length) this.fail(this.i - 1, 'the path ends with "."; a field name must follow')
    }
  }

  private fail(position: number, reason: string): never {
    throw new InvalidFieldPathError(this.text, position, reason)
  }

  private name(): void {
    const t = this.text
    const start = this.i
    const ch = t[start]
    if (ch === '"' || ch === '`') {
      this.quoted(ch)
      return
    }
    if (ch === '.') this.fail(start, 'empty field name (two dots in a row, or a leading dot)')
    if (ch === '[') this.fail(start, start === 0 ? 'a path must start with a field name, not an index' : 'empty field name before "["')
    let out = ''
    let run = start
    while (this.i < t.length) {
      const c = t[this.i] as string
      if (c === '.' || c === '[') break
      if (c === '\\') {
        out += t.slice(run, this.i) + this.escape()
        run = this.i
        continue
      }
      if (c === ']') this.fail(this.i, '"]" without a matching "["; quote or escape it (\\]) to use it in a name')
      if (c === '"' || c === '`') this.fail(this.i, `${c} inside an unquoted name; quote the whole name or escape it (\\${c})`)
      if (c in CONTROL_NAMES) this.fail(this.i, `control character ${CONTROL_NAMES[c] as string} must be escaped`)
      this.i++
    }
    out += t.slice(run, this.i)
    this.segments.push(Object.freeze({ kind: 'name' as const, name: out }))
  }

  private quoted(quote: string): void {
    const t = this.text
    const open = this.i
    this.i++
    let out = ''
    let run = this.i
    for (;;) {
      if (this.i >= t.length) this.fail(open, `unterminated quoted name: no closing ${quote}`)
      const c = t[this.i] as string
      if (c === quote) break
      if (c === '\\') {
        out += t.slice(run, this.i) + this.escape()
        run = this.i
        continue
      }
      this.i++
    }
    out += t.slice(run, this.i)
    this.i++
    if (out.length === 0) this.fail(open, 'empty quoted name (only a whole path may be empty, meaning the root)')
    if (this.i < t.length && t[this.i] !== '.' && t[this.i] !== '[') {
      this.fail(this.i, `expected "." or "[" after the closing ${quote}, got ${JSON.stringify(t[this.i])}`)
    }
    this.segments.push(Object.freeze({ kind: 'name' as const, name: out }))
  }

  /** At a backslash: returns the decoded character(s) and moves past the escape. */
  private escape(): string {
    const t = this.text
    const at = this.i
    const next = t[at + 1]
    if (next === undefined) this.fail(at, 'the path ends with a lone backslash')
    const simple = SIMPLE_ESCAPES[next]
    if (simple !== undefined) {
      this.i = at + 2
      return simple
    }
    if (next === 'u') {
      const hex = t.slice(at + 2, at + 6)
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail(at, '\\u needs four hex digits, e.g. \\u00e9')
      this.i = at + 6
      return String.fromCharCode(parseInt(hex, 16))
    }
    return this.fail(at + 1, `unknown escape \\${next}; allowed: \\" \\\` \\\\ \\/ \\. \\[ \\] \\b \\f \\n \\r \\t \\uXXXX`)
  }

  private index(): void {
    const t = this.text
    const open = this.i
    this.i++
    while (t[this.i] === ' ') this.i++
    const digitsStart = this.i
    while (this.i < t.length && (t[this.i] as string) >= '0' && (t[this.i] as string) <= '9') this.i++
    const digits = t.slice(digitsStart, this.i)
    while (t[this.i] === ' ') this.i++
    if (this.i >= t.length) this.fail(open, 'unclosed "[": expected "]"')
    if (t[this.i] !== ']') {
      this.fail(this.i, `an index must be a non-negative integer or empty ([] for every element), got ${JSON.stringify(t[this.i])}`)
    }
    this.i++
    if (digits.length === 0) {
      this.segments.push(CONTAINER)
      return
    }
    const index = Number(digits)
    if (!Number.isSafeInteger(index)) this.fail(digitsStart, `index ${digits} is too large`)
    this.segments.push(Object.freeze({ kind: 'index' as const, index }))
  }
}

// ---------------------------------------------------------------------------------------------
// Resolution against values (Section 8.1)

/**
 * A field of a map by own property only, so `constructor` or `__proto__` never leak in.
 * @category Internals
 */
export function getField(map: object, name: string): Value | undefined {
  return Object.prototype.hasOwnProperty.call(map, name) ? (map as Record<string, Value | undefined>)[name] : undefined
}

function step(value: Value, segment: PathSegment): Value | undefined {
  if (segment.kind === 'name') return isDocumentMap(value) ? getField(value, segment.name) : undefined
  if (segment.kind === 'index') return Array.isArray(value) ? (value as readonly Value[])[segment.index] : undefined
  return undefined
}

/**
 * The value at a path without container segments, or `undefined` when the path does not exist.
 * No implicit array traversal: `a.b` on an array `a` does not exist. A container segment makes
 * the path resolve to nothing here; use {@link valuesAt} for those.
 * @category Internals
 */
export function valueAt(root: Value | undefined, path: FieldPath): Value | undefined {
  let v: Value | undefined = root
  const segs = path.segments
  for (let i = 0; i < segs.length && v !== undefined; i++) v = step(v, segs[i] as PathSegment)
  return v
}

/**
 * Every value a path reaches. Without a container segment that is zero or one value. `a[]`
 * yields each element of array `a`, or `a` itself when it is not an array (one-element rule);
 * `a[].b` yields `b` of each element that is a map.
 * @category Internals
 */
export function valuesAt(root: Value | undefined, path: FieldPath): Value[] {
  const out: Value[] = []
  if (root !== undefined) collect(root, path.segments, 0, out)
  return out
}

/**
 * True when the path reaches at least one value satisfying `test` (stops at the first).
 * @category Internals
 */
export function someValueAt(root: Value | undefined, path: FieldPath, test: (v: Value) => boolean): boolean {
  if (!path.hasContainer) {
    const v = valueAt(root, path)
    return v !== undefined && test(v)
  }
  return root !== undefined && some(root, path.segments, 0, test)
}

function collect(value: Value, segs: readonly PathSegment[], i: number, out: Value[]): void {
  if (i === segs.length) {
    out.push(value)
    return
  }
  const seg = segs[i] as PathSegment
  if (seg.kind === 'container') {
    if (Array.isArray(value)) for (const el of value as readonly Value[]) collect(el, segs, i + 1, out)
    else collect(value, segs, i + 1, out)
    return
  }
  const next = step(value, seg)
  if (next !== undefined) collect(next, segs, i + 1, out)
}

function some(value: Value, segs: readonly PathSegment[], i: number, test: (v: Value) => boolean): boolean {
  if (i === segs.length) return test(value)
  const seg = segs[i] as PathSegment
  if (seg.kind === 'container') {
    if (!Array.isArray(value)) return some(value, segs, i + 1, test)
    for (const el of value as readonly Value[]) if (some(el, segs, i + 1, test)) return true
    return false
  }
  const next = step(value, seg)
  return next !== undefined && some(next, segs, i + 1, test)
}
