/**
 * OJAI document mutations. CONTRACT STUB: signatures are fixed; the implementation is being written.
 */
import type { Document, DocumentMap } from './values.js'

/** A mutation as JSON: `{"$set":{"a":1},"$increment":{"n":2}}`. */
export type MutationJson = DocumentMap

/** A validated, immutable mutation. Build with `mutation()` or {@link Mutation.parse}. */
export declare class Mutation {
  private constructor()
  static parse(input: MutationJson | string): Mutation
  static from(input: Mutation | MutationJson | string): Mutation
  /** False when applying it twice differs from applying it once ($increment, $decrement, $append). */
  readonly isIdempotent: boolean
  /** Extended-JSON text, as sent on the wire. */
  toJsonString(): string
}

/** Applies the mutation atomically, returning a new document; throws IllegalMutationError and leaves `doc` untouched. */
export declare function applyMutation(doc: Document, mutation: Mutation): Document
