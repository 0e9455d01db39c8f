/**
 * How the value checks and the codec say what is wrong and where: a problem found deep inside a
 * document is carried up as a {@link Fault} that collects its location on the way out, and ends
 * as a message such as `… at "a.b[2]"` (the location written as an OJAI field path).
 */
import { isDocumentMap } from './values.js'

/**
 * Where a value sits inside a document: field names and array indexes, outermost first.
 * @category Internals
 */
export type FieldLocation = readonly (string | number)[]

// A name needs quoting when the field-path grammar would read it differently (Section 8).
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be quoted
const PLAIN_NAME = /^[^`"\\.[\]\u0000-\u001f\s](?:[^`"\\.[\]\u0000-\u001f]*[^`"\\.[\]\u0000-\u001f\s])?$/

const NAME_ESCAPES: Readonly<Record<string, string>> = {
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '`': '\\`',
  '\\': '\\\\',
}

function quoteName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
  const escaped = name.replace(/[`\\\u0000-\u001f]/g, (c) => NAME_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return `\`${escaped}\``
}

/**
 * Writes a location as an OJAI field path, e.g. `a.b[2]` or `` `x.y`.z ``; the root is `""`.
 * @category Internals
 */
export function formatFieldLocation(location: FieldLocation): string {
  let out = ''
  for (const segment of location) {
    if (typeof segment === 'number') out += `[${segment}]`
    else {
      const name = PLAIN_NAME.test(segment) ? segment : quoteName(segment)
      out += out === '' ? name : `.${name}`
    }
  }
  return out
}

export function withArticle(name: string): string {
  return /^[AEIOU]/i.test(name) ? `an ${name}` : `a ${name}`
}

export function constructorName(value: object): string {
  const ctor: unknown = (value as { constructor?: unknown }).constructor
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'class instance'
}

/**
 * A short description of what a JavaScript value is, for error messages.
 * @category Internals
 */
export function describeKind(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `string ${JSON.stringify(value.slice(0, 40))}…` : `string ${JSON.stringify(value)}`
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`
    case 'bigint':
      return `bigint ${String(value)}n`
    case 'undefined':
      return 'undefined'
    case 'function':
      return 'a function'
    case 'symbol':
      return 'a symbol'
    default:
      if (value === null) return 'null'
      if (Array.isArray(value)) return 'an array'
      if (isDocumentMap(value)) return 'an object'
      return withArticle(constructorName(value as object))
  }
}

/** Carries a problem up through a walk, collecting the location on the way out. */
export class Fault {
  readonly location: (string | number)[] = []
  constructor(readonly reason: string) {}
}

/** Adds the segment being walked to a Fault passing through; anything else passes unchanged. */
export function at(error: unknown, segment: string | number | undefined): unknown {
  if (error instanceof Fault && segment !== undefined) error.location.unshift(segment)
  return error
}

/** The reason, followed by where it was found (nothing for the root). */
export function locatedMessage(fault: Fault): string {
  return fault.location.length === 0 ? fault.reason : `${fault.reason} at ${JSON.stringify(formatFieldLocation(fault.location))}`
}

export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message)
}

export type ErrorClass = new (message: string, options?: { cause?: unknown }) => Error

/** Turns what a walk threw into the public error class; anything unexpected passes through. */
export function toPublicError(error: unknown, make: ErrorClass, what: string): unknown {
  if (error instanceof Fault) return new make(locatedMessage(error))
  if (isStackOverflow(error)) return new make(`${what} is nested too deeply`, { cause: error })
  return error
}
