/**
 * Request payloads built from user input, validated before anything is sent: every function
 * either returns wire text or throws a typed error saying what to fix.
 */
import { encodeDocument } from '../ojai/codec.js'
import { Condition } from '../ojai/condition.js'
import { validateDocumentWithId, validateId } from '../ojai/document.js'
import { DocumentTooLargeError, InvalidArgumentError, InvalidMutationError } from '../ojai/errors.js'
import { FieldPath } from '../ojai/field-path.js'
import { Mutation, updateMutation } from '../ojai/mutation.js'
import { Query } from '../ojai/query.js'
import { dotSegmentProblem } from '../ojai/table-path.js'
import type { DocumentId } from '../ojai/values.js'
import type { CallOptions, ConditionInput, FindOptions, MutationInput, QueryInput } from '../store.js'
import { checkCallOptions } from '../call-options.js'
import type { Deadlines } from './options.js'

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an object (${Object.getPrototypeOf(value)?.constructor?.name ?? 'no prototype'})`
  if (typeof value === 'string') return JSON.stringify(value)
  return `${typeof value} ${String(value)}`
}

/** A table path: a non-empty string starting with `/`, e.g. `/apps/users`, taken as written (no `.` or `..` segment). */
export function checkTablePath(path: unknown): string {
  if (typeof path !== 'string') throw new InvalidArgumentError(`a table path must be a string, got ${describe(path)}`)
  if (!path.startsWith('/'))
    throw new InvalidArgumentError(`table path ${JSON.stringify(path)} must be absolute (start with "/"), e.g. "/apps/users"`)
  if (path.length < 2 || path.endsWith('/'))
    throw new InvalidArgumentError(`table path ${JSON.stringify(path)} must name a table, not a directory`)
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(path)) throw new InvalidArgumentError(`table path ${JSON.stringify(path)} contains a control character`)
  const dots = dotSegmentProblem(path)
  if (dots !== undefined) throw new InvalidArgumentError(dots)
  return path
}

/** A document key: a non-empty string or non-empty binary. Throws InvalidIdError. */
export function checkId(id: unknown): DocumentId {
  return validateId(id)
}

/** `{"_id": …}` as FindById, Update and Delete send it. */
export function idDocumentJson(id: unknown): string {
  return encodeDocument({ _id: validateId(id) })
}

/** A whole document to write; it must name its key and hold only OJAI values. */
export function documentWithIdJson(doc: unknown): string {
  return encodeDocument(validateDocumentWithId(doc))
}

/** Field paths to project (their type checked with the call's options), in canonical form. */
export function projections(fields: readonly string[] | undefined): string[] {
  return fields === undefined ? [] : fields.map((f) => FieldPath.parse(f).toString())
}

export function conditionJson(input: ConditionInput): string {
  return Condition.from(input).toJsonString()
}

export function mutationJson(input: MutationInput): string {
  return updateMutation(input).toJsonString()
}

export function queryJson(input: QueryInput | undefined): string {
  return Query.from(input).toJsonString()
}

/** `{"$increment":{field:by}}` for `increment`. */
export function incrementJson(field: unknown, by: unknown): string {
  if (typeof field !== 'string') throw new InvalidMutationError(`increment needs a field path string, got ${describe(field)}`)
  const path = FieldPath.parse(field)
  if (path.segments.length === 0) throw new InvalidMutationError('increment needs a field path, got the empty path')
  const first = path.segments[0]
  if (first?.kind === 'name' && first.name === '_id') throw new InvalidMutationError('the _id of a document cannot be incremented')
  if (typeof by === 'number') {
    if (!Number.isFinite(by)) throw new InvalidMutationError(`increment by must be a finite number, got ${String(by)}`)
  } else if (typeof by !== 'bigint') {
    throw new InvalidMutationError(`increment by must be a number or bigint, got ${describe(by)}`)
  }
  return Mutation.parse({ $increment: { [path.toString()]: by } }).toJsonString()
}

/**
 * Checks the options of one call of `operation` (every key, see call-options.ts) and returns its
 * deadline: its own `timeoutMs`, or the connection's default.
 */
export function callTimeout(operation: string, options: CallOptions | undefined, defaultMs: number): number {
  checkCallOptions(operation, options)
  return options?.timeoutMs ?? defaultMs
}

/**
 * The limits of one find (options checked): its total deadline (its own `timeoutMs`, else the
 * connection's `findDeadlineMs`) and its idle limit (its own `idleMs`, else the connection's
 * `findIdleMs`).
 */
export function findTimeouts(
  operation: string,
  options: FindOptions | undefined,
  deadlines: Deadlines,
): { timeoutMs: number; idleMs: number; idleOption: string } {
  const timeoutMs = callTimeout(operation, options, deadlines.findDeadlineMs)
  if (options?.idleMs !== undefined) return { timeoutMs, idleMs: options.idleMs, idleOption: 'idleMs' }
  return { timeoutMs, idleMs: deadlines.findIdleMs, idleOption: 'findIdleMs' }
}

/** Protobuf's varint length of a non-negative integer. */
function varintBytes(n: number): number {
  let bytes = 1
  while (n >= 0x80) {
    n = Math.floor(n / 0x80)
    bytes++
  }
  return bytes
}

/**
 * An upper bound of a request's protobuf size, over by at most one byte a field: every field of
 * the driver's requests is a string, a list of strings, an enum or a bool, with a field number
 * below 2048 (a tag of at most 2 bytes). `roughly`: a looser bound from string lengths alone (3
 * bytes a UTF-16 unit), enough to pass most requests without measuring them.
 */
export function encodedSizeBound(request: Readonly<Record<string, unknown>>, roughly = false): number {
  let total = 0
  const string = (text: string) => {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8 (a surrogate pair, 2 units, takes 4).
    const bytes = roughly ? text.length * 3 : Buffer.byteLength(text, 'utf8')
    return 2 + varintBytes(bytes) + bytes
  }
  for (const value of Object.values(request)) {
    if (typeof value === 'string') total += string(value)
    else if (Array.isArray(value)) for (const item of value) total += string(String(item))
    else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) total += 2 + varintBytes(value)
    else if (typeof value === 'boolean') total += 2 + 1
    else if (value !== undefined && value !== null) total += 2 + 10
  }
  return total
}

/**
 * Refuses a request over the connection's send limit before anything is sent, with a
 * DocumentTooLargeError (an answer: every cluster has the same limit, so it never fails over).
 * `limitBytes` undefined means no limit.
 */
export function checkRequestSize(
  rpc: string,
  table: string,
  request: Readonly<Record<string, unknown>>,
  limitBytes: number | undefined,
): void {
  if (limitBytes === undefined) return
  // Cheap first, without encoding anything: most requests are far below the limit.
  if (encodedSizeBound(request, true) <= limitBytes) return
  const bytes = encodedSizeBound(request)
  if (bytes <= limitBytes) return
  throw new DocumentTooLargeError(
    `${rpc} on ${table}: the request is ${bytes} bytes encoded, over the limit of ${limitBytes} bytes (grpc.max_send_message_length; the gateway accepts at most 32 MiB by default): nothing was sent`,
    { bytes, limitBytes },
  )
}
