/**
 * OJAI field paths: `a.b[0].c`, `tags[]`, quoted segments (`"a.b"`, `` `x y` ``), backslash escapes.
 * CONTRACT STUB: signatures are fixed; the implementation is being written.
 */
import { InvalidFieldPathError } from './errors.js'

export type PathSegment =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'container' }

export class FieldPath {
  /** The document root (the empty path). */
  static readonly ROOT: FieldPath = new FieldPath([])

  protected constructor(readonly segments: readonly PathSegment[]) {}

  /** Parses a path; throws {@link InvalidFieldPathError} pointing at the bad character. */
  static parse(text: string): FieldPath {
    throw new InvalidFieldPathError(text, 0, 'field path parsing is not implemented yet')
  }

  /** A path of plain name segments, no parsing (names may contain any character). */
  static of(...names: string[]): FieldPath {
    return new FieldPath(names.map((name) => ({ kind: 'name' as const, name })))
  }

  /** True when the path has a `[]` container segment. */
  get hasContainer(): boolean {
    return this.segments.some((s) => s.kind === 'container')
  }

  /** The canonical text form; `FieldPath.parse(p.toString())` equals `p`. */
  toString(): string {
    throw new Error('not implemented')
  }

  equals(other: FieldPath): boolean {
    return this.toString() === other.toString()
  }
}
