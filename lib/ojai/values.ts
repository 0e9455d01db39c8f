/**
 * The OJAI value model.
 *
 * OJAI has seventeen value types. Plain JavaScript covers most of them; the rest get a small
 * immutable class each, so a value read from the store can be written back with its type intact
 * (an INT stays an INT, a LONG keeps all 64 bits).
 *
 * | OJAI type  | JavaScript                      | extended JSON            |
 * |------------|---------------------------------|--------------------------|
 * | NULL       | `null`                          | `null`                   |
 * | BOOLEAN    | `boolean`                       | `true` / `false`         |
 * | STRING     | `string`                        | `"…"`                    |
 * | BYTE       | {@link OByte}                   | `{"$numberByte":n}`      |
 * | SHORT      | {@link OShort}                  | `{"$numberShort":n}`     |
 * | INT        | {@link OInt}                    | `{"$numberInt":n}`       |
 * | LONG       | `bigint`                        | `{"$numberLong":n}`      |
 * | FLOAT      | {@link OFloat}                  | `{"$numberFloat":n}`     |
 * | DOUBLE     | `number`                        | plain number             |
 * | DECIMAL    | {@link ODecimal}                | `{"$decimal":"…"}`       |
 * | DATE       | {@link ODate}                   | `{"$dateDay":"…"}`       |
 * | TIME       | {@link OTime}                   | `{"$time":"…"}`          |
 * | TIMESTAMP  | {@link OTimestamp}              | `{"$date":"…"}`          |
 * | INTERVAL   | {@link OInterval}               | `{"$interval":ms}`       |
 * | BINARY     | `Uint8Array` (a `Buffer` is one) | `{"$binary":"base64"}`   |
 * | MAP        | plain object                    | `{…}`                    |
 * | ARRAY      | array                           | `[…]`                    |
 *
 * A plain JavaScript number is a DOUBLE, as in every OJAI client: `{ n: 35 }` is stored as the
 * double 35 and read back as `35`. An {@link OTimestamp} is either an instant (sent in UTC) or a
 * zone-less timestamp in the gateway's time zone (sent as written); see its doc.
 */
import { InvalidValueError } from './errors.js'

/**
 * Any OJAI value.
 * @category Documents and queries
 */
export type Value =
  | null
  | boolean
  | string
  | number
  | bigint
  | Uint8Array
  | OByte
  | OShort
  | OInt
  | OFloat
  | ODecimal
  | ODate
  | OTime
  | OTimestamp
  | OInterval
  | readonly Value[]
  | DocumentMap

/**
 * A MAP value: field name to value. `undefined` fields are treated as absent, as in JSON.
 * @category Documents and queries
 */
export interface DocumentMap {
  readonly [field: string]: Value | undefined
}

/**
 * The key of a document: a UTF-8 string or binary. A string and a binary key never collide.
 * @category Documents and queries
 */
export type DocumentId = string | Uint8Array

/**
 * A document: a MAP whose `_id`, when present, is a {@link DocumentId}.
 * @category Documents and queries
 */
export interface Document extends DocumentMap {
  readonly _id?: DocumentId
}

/**
 * A document that can be written: it names its key.
 * @category Documents and queries
 */
export interface DocumentWithId extends Document {
  readonly _id: DocumentId
}

// ---------------------------------------------------------------------------------------------
// Typed documents: compile-time shapes for `Store<T>`. Nothing here exists at run time.

/**
 * The values that are neither a MAP nor an ARRAY: what a projection cannot cut into.
 * @category Documents and queries
 */
export type ScalarValue = Exclude<Value, readonly Value[] | DocumentMap>

/**
 * `V` where every part of it is an OJAI {@link Value}, `never` where a part is not (a function, a
 * `Date`, a `Map`, `unknown`…), so `V extends ValueShape<V>` holds only for storable types. Nested
 * interfaces are checked field by field: unlike {@link DocumentMap} this needs no index signature.
 * @category Documents and queries
 */
export type ValueShape<V> = V extends Value | undefined
  ? V
  : V extends (...args: never[]) => unknown
    ? never
    : V extends readonly (infer E)[]
      ? readonly ValueShape<E>[]
      : V extends object
        ? { readonly [K in keyof V]: ValueShape<V[K]> }
        : never

/**
 * The constraint of a typed store's document type: `T extends DocumentShape<T>` holds when every
 * field of `T` is an OJAI value and its `_id`, if it declares one, is a {@link DocumentId}. Plain
 * interfaces satisfy it (`interface User { _id: string; name: string; tags: string[] }`), and so
 * does {@link Document}.
 * @category Documents and queries
 */
export type DocumentShape<T> = { readonly [K in keyof T]: K extends '_id' ? DocumentId | undefined : ValueShape<T[K]> }

/**
 * A document of type `T` that can be written: `T` with its key, required (`T`'s own key type when
 * it declares one). `WithId<Document>` is {@link DocumentWithId}.
 * @category Documents and queries
 */
export type WithId<T> = T & { readonly _id: '_id' extends keyof T ? NonNullable<T[Extract<'_id', keyof T>]> : DocumentId }

/**
 * What a projection (`findById`'s `fields`) returns of a `T`: any field may be missing, at any
 * depth (`address.city` returns an `address` with only a `city`), `_id` included unless listed.
 * An untyped document (one with an index signature, such as {@link Document}) is returned as it is.
 * @category Documents and queries
 */
export type Projected<T> = string extends keyof T ? T : { [K in keyof T]?: ProjectedValue<T[K]> }

/**
 * A field value of a {@link Projected} document: maps and array elements are projected too.
 * @category Documents and queries
 */
export type ProjectedValue<V> = V extends ScalarValue | null | undefined
  ? V
  : V extends readonly (infer E)[]
    ? V extends E[]
      ? ProjectedValue<E>[]
      : readonly ProjectedValue<E>[]
    : V extends object
      ? Projected<V>
      : V

/**
 * The OJAI type names, as `$typeof` spells them.
 * @category Internals
 */
export const OJAI_TYPES = [
  'null',
  'boolean',
  'string',
  'byte',
  'short',
  'int',
  'long',
  'float',
  'double',
  'decimal',
  'date',
  'time',
  'timestamp',
  'interval',
  'binary',
  'map',
  'array',
] as const

/** @category Documents and queries */
export type OjaiType = (typeof OJAI_TYPES)[number]

function checkInteger(type: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidValueError(`${type} must be an integer from ${min} to ${max}, got ${String(value)}`)
  }
  // -0 would survive in memory but not on the wire (JSON has no integer -0).
  return value + 0
}

/**
 * An 8-bit signed integer (OJAI BYTE).
 * @category Documents and queries
 */
export class OByte {
  readonly value: number
  constructor(value: number) {
    this.value = checkInteger('OByte', value, -128, 127)
  }
  valueOf(): number {
    return this.value
  }
  toString(): string {
    return String(this.value)
  }
}

/**
 * A 16-bit signed integer (OJAI SHORT).
 * @category Documents and queries
 */
export class OShort {
  readonly value: number
  constructor(value: number) {
    this.value = checkInteger('OShort', value, -32768, 32767)
  }
  valueOf(): number {
    return this.value
  }
  toString(): string {
    return String(this.value)
  }
}

/**
 * A 32-bit signed integer (OJAI INT).
 * @category Documents and queries
 */
export class OInt {
  readonly value: number
  constructor(value: number) {
    this.value = checkInteger('OInt', value, -2147483648, 2147483647)
  }
  valueOf(): number {
    return this.value
  }
  toString(): string {
    return String(this.value)
  }
}

/**
 * A 32-bit IEEE float (OJAI FLOAT). The value is rounded to float precision on construction.
 * @category Documents and queries
 */
export class OFloat {
  readonly value: number
  constructor(value: number) {
    if (typeof value !== 'number' || Number.isNaN(value)) {
      throw new InvalidValueError(`OFloat must be a number, got ${String(value)}`)
    }
    this.value = Math.fround(value)
  }
  valueOf(): number {
    return this.value
  }
  toString(): string {
    return String(this.value)
  }
}

/**
 * The LONG range: a bigint outside it is not an OJAI value.
 * @category Documents and queries
 */
export const MIN_LONG = -(2n ** 63n)
/** @category Documents and queries */
export const MAX_LONG = 2n ** 63n - 1n

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/**
 * An arbitrary-precision decimal (OJAI DECIMAL), kept as its decimal text so no digit is lost.
 * @category Documents and queries
 */
export class ODecimal {
  readonly value: string
  constructor(value: string | number | bigint) {
    const text = typeof value === 'string' ? value.trim() : String(value)
    if (!DECIMAL.test(text)) {
      throw new InvalidValueError(`ODecimal needs decimal digits such as "123.456", got ${JSON.stringify(String(value))}`)
    }
    this.value = text
  }
  toNumber(): number {
    return Number(this.value)
  }
  toString(): string {
    return this.value
  }
}

const DATE_DAY = /^([+-]?\d{4,})-(\d{2})-(\d{2})$/

/** The years a JavaScript `Date` can represent completely, so `toEpochDay` is always defined. */
const MIN_YEAR = -271820
const MAX_YEAR = 275759

// Plain arithmetic: `Date.UTC` maps years 0 to 99 onto 1900 to 1999, which made 0000-02-29 invalid.
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

function dateDayParts(text: string): [number, number, number] {
  const m = typeof text === 'string' ? DATE_DAY.exec(text) : null
  if (!m) throw new InvalidValueError(`ODate expects "yyyy-MM-dd", got ${JSON.stringify(text)}`)
  return [Number(m[1]), Number(m[2]), Number(m[3])]
}

/**
 * A calendar day without time or zone (OJAI DATE), `yyyy-MM-dd`.
 * @category Documents and queries
 */
export class ODate {
  readonly year: number
  /** 1 to 12. */
  readonly month: number
  /** 1 to 31. */
  readonly day: number

  /**
   * A day from its year, month (1 to 12) and day, or from `yyyy-MM-dd` text as {@link parse} reads
   * it (so the official client's `new ODate('2012-10-20')` works unchanged).
   */
  constructor(text: string)
  constructor(year: number, month: number, day: number)
  constructor(yearOrText: number | string, month?: number, day?: number) {
    const [y, m, d] = typeof yearOrText === 'string' ? dateDayParts(yearOrText) : [yearOrText, month as number, day as number]
    if (
      !Number.isInteger(y) ||
      y < MIN_YEAR ||
      y > MAX_YEAR ||
      !Number.isInteger(m) ||
      m < 1 ||
      m > 12 ||
      !Number.isInteger(d) ||
      d < 1 ||
      d > daysInMonth(y, m)
    ) {
      throw new InvalidValueError(`ODate needs a real calendar day, got ${y}-${m}-${d}`)
    }
    this.year = y + 0
    this.month = m
    this.day = d
  }

  /** Parses `yyyy-MM-dd` (ISO years beyond 9999 may carry a sign: `+10000-01-01`). */
  static parse(text: string): ODate {
    return new ODate(text)
  }

  /** The day of a JavaScript `Date`, read in UTC. */
  static fromDate(date: Date): ODate {
    return new ODate(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())
  }

  /** Days since 1970-01-01 (negative before). */
  toEpochDay(): number {
    const d = new Date(0)
    d.setUTCFullYear(this.year, this.month - 1, this.day)
    return Math.round(d.getTime() / 86_400_000)
  }

  toString(): string {
    // ISO-8601 (and Java's LocalDate) need a sign on years with more than four digits.
    const y =
      this.year < 0 ? '-' + String(-this.year).padStart(4, '0') : this.year > 9999 ? `+${this.year}` : String(this.year).padStart(4, '0')
    return `${y}-${String(this.month).padStart(2, '0')}-${String(this.day).padStart(2, '0')}`
  }
}

const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/

function timeOfDayMillis(text: string): number {
  const m = TIME.exec(text)
  if (!m) throw new InvalidValueError(`OTime expects "HH:mm:ss" or "HH:mm:ss.SSS", got ${JSON.stringify(text)}`)
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)]
  if (h > 23 || min > 59 || s > 59) throw new InvalidValueError(`OTime out of range: ${JSON.stringify(text)}`)
  const ms = m[4] === undefined ? 0 : Number(m[4].slice(0, 3).padEnd(3, '0'))
  return ((h * 60 + min) * 60 + s) * 1000 + ms
}

/**
 * A time of day without date or zone, millisecond precision (OJAI TIME).
 * @category Documents and queries
 */
export class OTime {
  /** Milliseconds since midnight, 0 to 86 399 999. */
  readonly millisOfDay: number

  /**
   * From milliseconds since midnight, or from text as {@link parse} reads it (so the official
   * client's `new OTime('10:26:12')` works unchanged).
   */
  constructor(millisOfDayOrText: number | string) {
    const millisOfDay = typeof millisOfDayOrText === 'string' ? timeOfDayMillis(millisOfDayOrText) : millisOfDayOrText
    if (!Number.isInteger(millisOfDay) || millisOfDay < 0 || millisOfDay >= 86_400_000) {
      throw new InvalidValueError(`OTime needs milliseconds since midnight from 0 to 86399999, got ${String(millisOfDay)}`)
    }
    this.millisOfDay = millisOfDay + 0
  }

  /**
   * Parses ISO local time as the OJAI reader does: `HH:mm`, `HH:mm:ss` or `HH:mm:ss.S…` (up to
   * nine fraction digits; digits beyond milliseconds are dropped).
   */
  static parse(text: string): OTime {
    return new OTime(text)
  }

  static of(hours: number, minutes: number, seconds = 0, millis = 0): OTime {
    return new OTime(((hours * 60 + minutes) * 60 + seconds) * 1000 + millis)
  }

  get hours(): number {
    return Math.floor(this.millisOfDay / 3_600_000)
  }
  get minutes(): number {
    return Math.floor(this.millisOfDay / 60_000) % 60
  }
  get seconds(): number {
    return Math.floor(this.millisOfDay / 1000) % 60
  }
  get millis(): number {
    return this.millisOfDay % 1000
  }

  /** `HH:mm:ss`, with `.SSS` only when the milliseconds are not zero (as the OJAI writer does). */
  toString(): string {
    const two = (n: number) => String(n).padStart(2, '0')
    const base = `${two(this.hours)}:${two(this.minutes)}:${two(this.seconds)}`
    return this.millis === 0 ? base : `${base}.${String(this.millis).padStart(3, '0')}`
  }
}

/** ISO-8601 calendar date, optional time, optional zone (`Z`, `±hh`, `±hhmm`, `±hh:mm`). */
const ISO_DATE_TIME = /^([+-]\d{6}|\d{4})-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/

function parseIso(text: string): { millis: number; zoneless: boolean } {
  const m = typeof text === 'string' ? ISO_DATE_TIME.exec(text) : null
  let millis = Number.NaN
  const zone = m?.[2]
  if (m) {
    let iso = text
    // Date.parse reads a zone-less date-time in the process's zone and a bare date in UTC; both
    // are wanted here as the wall-clock reading counted as UTC.
    if (zone === undefined && text.includes('T')) iso = `${text}Z`
    else if (zone !== undefined && zone !== 'Z') {
      // Date.parse only knows ±hh:mm; ISO also allows ±hh and ±hhmm.
      const digits = zone.slice(1).replace(':', '')
      iso = `${text.slice(0, text.length - zone.length)}${zone[0]}${digits.slice(0, 2)}:${digits.slice(2).padEnd(2, '0')}`
    }
    millis = Date.parse(iso)
  }
  if (Number.isNaN(millis)) {
    throw new InvalidValueError(
      `OTimestamp expects an ISO-8601 date-time such as "2016-02-22T10:26:12.487Z" (an instant) or "2016-02-22T10:26:12.487" (no zone: the gateway's time zone), got ${typeof text === 'string' ? JSON.stringify(text) : String(text)}`,
    )
  }
  return { millis, zoneless: zone === undefined }
}

function checkEpochMillis(epochMillis: number): number {
  if (!Number.isInteger(epochMillis) || Number.isNaN(new Date(epochMillis).getTime())) {
    throw new InvalidValueError(`OTimestamp needs whole milliseconds since the epoch, got ${String(epochMillis)}`)
  }
  return epochMillis + 0
}

/**
 * A point in time with millisecond precision (OJAI TIMESTAMP), in one of two kinds, kept apart as
 * the user wrote them:
 *
 * - an **instant**: built from epoch milliseconds, a `Date`, or text with `Z` or an offset
 *   (`2016-02-22T11:26:12.487+01:00`). It goes on the wire in UTC, `{"$date":"2016-02-22T10:26:12.487Z"}`:
 *   the same instant on every gateway.
 * - a **zone-less** timestamp: text without a zone (`2016-02-22T10:26:12.487`, the spelling of the
 *   official samples). It goes on the wire exactly as written, as the official clients send it,
 *   and a gateway reads it in **the gateway's own time zone** (the OJAI reader's rule; the
 *   embedded gateway runs in UTC and keeps the text as written).
 *
 * Reading back keeps the kind: `{"$date":"…Z"}` decodes to an instant, a zone-less text to a
 * zone-less timestamp with the same text. {@link isZoneless} tells them apart.
 *
 * Comparison (`compareValues`, `valueEquals`, `orderValues`, and so conditions and `$orderby` in
 * the embedded gateway): two zone-less timestamps compare by their wall-clock reading, whatever
 * the zone; a zone-less timestamp against an instant compares as if it were in UTC, which is what
 * a gateway running in UTC (the embedded one) does. The type-strict `sameValue` never calls an
 * instant and a zone-less timestamp equal.
 * @category Documents and queries
 */
export class OTimestamp {
  /**
   * For an instant: milliseconds since the Unix epoch. For a zone-less timestamp: its wall-clock
   * reading counted as UTC, i.e. the instant it denotes on a gateway running in UTC (use
   * {@link atOffset} for another zone).
   */
  readonly epochMillis: number
  /** The text of a zone-less timestamp as written; undefined for an instant. */
  private readonly zonelessText: string | undefined

  /**
   * From epoch milliseconds or a `Date` (an instant), or from ISO-8601 text as {@link parse} reads
   * it (the official client's `new OTimestamp('2016-02-22T10:26:12.487')` works unchanged).
   */
  constructor(value: number | Date | string) {
    if (typeof value === 'string') {
      const parsed = parseIso(value)
      this.epochMillis = parsed.millis + 0
      this.zonelessText = parsed.zoneless ? value : undefined
    } else {
      this.epochMillis = checkEpochMillis(value instanceof Date ? value.getTime() : value)
      this.zonelessText = undefined
    }
  }

  /**
   * Parses ISO-8601: `yyyy-MM-dd`, optionally `THH:mm`, `:ss`, `.S…` (up to nine fraction digits;
   * digits beyond milliseconds do not change the value), and a zone (`Z`, `±hh`, `±hhmm`, `±hh:mm`).
   * With a zone the result is an instant; without one it is zone-less and keeps the text as
   * written. Only ISO forms are accepted: `Date.parse` alone would also take locale formats such
   * as "March 7 2020".
   */
  static parse(text: string): OTimestamp {
    return new OTimestamp(text)
  }

  /** The instant of a JavaScript `Date`. */
  static fromDate(date: Date): OTimestamp {
    return new OTimestamp(date.getTime())
  }

  /** True when the timestamp names no zone: a wall-clock reading in the gateway's time zone, not an instant. */
  get isZoneless(): boolean {
    return this.zonelessText !== undefined
  }

  /**
   * The instant this timestamp denotes when its zone is `offsetMinutes` east of UTC (60 for
   * +01:00, -300 for -05:00): for a zone-less timestamp, its wall-clock reading at that offset;
   * an instant is returned as it is.
   */
  atOffset(offsetMinutes: number): OTimestamp {
    if (this.zonelessText === undefined) return this
    if (!Number.isInteger(offsetMinutes) || Math.abs(offsetMinutes) > 18 * 60) {
      throw new InvalidValueError(`atOffset needs whole minutes east of UTC from -1080 to 1080, got ${String(offsetMinutes)}`)
    }
    return new OTimestamp(this.epochMillis - offsetMinutes * 60_000)
  }

  /**
   * The instant as a `Date`. A zone-less timestamp names no instant until its zone is known, so it
   * throws InvalidValueError: write `ts.atOffset(0).toDate()` for UTC (the embedded gateway's
   * zone) or `ts.atOffset(minutes).toDate()` for your gateway's.
   */
  toDate(): Date {
    if (this.zonelessText !== undefined) {
      throw new InvalidValueError(
        `OTimestamp ${JSON.stringify(this.zonelessText)} has no zone, so it names no instant: use ts.atOffset(0).toDate() for UTC (the embedded gateway's zone) or ts.atOffset(minutes) for your gateway's zone`,
      )
    }
    return new Date(this.epochMillis)
  }

  /** An instant: `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC, as the OJAI writer emits. Zone-less: the text as written. */
  toString(): string {
    return this.zonelessText ?? new Date(this.epochMillis).toISOString()
  }
}

/**
 * A duration in milliseconds (OJAI INTERVAL).
 * @category Documents and queries
 */
export class OInterval {
  readonly millis: number
  constructor(millis: number) {
    if (!Number.isSafeInteger(millis)) {
      throw new InvalidValueError(`OInterval needs a whole number of milliseconds, got ${String(millis)}`)
    }
    this.millis = millis + 0
  }
  toString(): string {
    return `${this.millis}ms`
  }
}

/**
 * True for a MAP value: a plain object, not an array, binary or one of the value classes.
 * @category Documents and queries
 */
export function isDocumentMap(value: unknown): value is DocumentMap {
  if (value === null || typeof value !== 'object') return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * The OJAI type of a value, as `$typeof` names it.
 * @category Documents and queries
 */
export function typeOf(value: Value): OjaiType {
  switch (typeof value) {
    case 'boolean':
      return 'boolean'
    case 'string':
      return 'string'
    case 'number':
      return 'double'
    case 'bigint':
      return 'long'
    case 'object':
      if (value === null) return 'null'
      if (Array.isArray(value)) return 'array'
      if (value instanceof Uint8Array) return 'binary'
      if (value instanceof OInt) return 'int'
      if (value instanceof OShort) return 'short'
      if (value instanceof OByte) return 'byte'
      if (value instanceof OFloat) return 'float'
      if (value instanceof ODecimal) return 'decimal'
      if (value instanceof ODate) return 'date'
      if (value instanceof OTime) return 'time'
      if (value instanceof OTimestamp) return 'timestamp'
      if (value instanceof OInterval) return 'interval'
      return 'map'
    default:
      throw new InvalidValueError(`${typeof value} is not an OJAI value`)
  }
}

/**
 * True for a legal document key: a string or binary.
 * @category Documents and queries
 */
export function isDocumentId(value: unknown): value is DocumentId {
  return typeof value === 'string' || value instanceof Uint8Array
}
