/**
 * OJAI query conditions. CONTRACT STUB: signatures are fixed; the implementation is being written.
 */
import type { Document, DocumentMap } from './values.js'

/** A condition as JSON: `{"$eq":{"a":1}}`, optionally wrapped in `$condition` / `$where`; `{}` = always true. */
export type ConditionJson = DocumentMap

/** A validated, immutable query condition. Build with the `cond` helpers or {@link Condition.parse}. */
export declare class Condition {
  private constructor()
  /** Validates JSON (object or text) and returns the condition; throws InvalidConditionError naming the problem. */
  static parse(input: ConditionJson | string): Condition
  /** `Condition.parse` for JSON, identity for a Condition. */
  static from(input: Condition | ConditionJson | string): Condition
  /** True for the empty condition `{}`. */
  readonly isEmpty: boolean
  /** Extended-JSON text of the bare condition, as sent on the wire. */
  toJsonString(): string
}

/** Does the document satisfy the condition? Pure; follows the protocol doc's semantics (Section 10). */
export declare function matches(doc: Document, condition: Condition): boolean
