/**
 * The OJAI extended-JSON codec. CONTRACT STUB: signatures are fixed; the implementation is being written.
 */
import type { Document, Value } from './values.js'

/** A JSON value as `JSON.parse` returns it. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue }

/** Extended-JSON text of a value (LONG written as a JSON number with all 64 bits). */
export declare function encodeValue(value: Value): string
/** Decodes extended-JSON text to a value; throws DecodingError. Plain numbers decode to DOUBLE. */
export declare function decodeValue(text: string): Value
/** Validates and encodes a document (must be a MAP; `_id`, when present, a string or binary). */
export declare function encodeDocument(doc: Document): string
/** Decodes a document; throws DecodingError when the text is not a JSON object. */
export declare function decodeDocument(text: string): Document
/**
 * Interprets an in-memory extended-JSON tree (e.g. user-written condition JSON such as
 * `{"$numberLong":"95196"}` or `{"$dateDay":"2012-10-20"}`) as a value. Values that are already
 * OJAI values (bigint, ODate, Uint8Array…) pass through unchanged. Throws InvalidValueError.
 */
export declare function fromExtendedJson(json: unknown): Value
