/**
 * Equality and order of OJAI values, as conditions, sorts and the key order of a store see them.
 *
 * The numeric family (BYTE, SHORT, INT, LONG, FLOAT, DOUBLE, DECIMAL) compares by numeric value
 * across types, exactly: a LONG beyond 2^53 is never rounded to a double for the comparison, and a
 * DECIMAL compares digit by digit. Whether BYTE and DECIMAL join the family is unconfirmed for the
 * real gateway; the protocol recommends they do (the OJAI type enumeration calls them numeric).
 *
 * NaN (only reachable from JavaScript, never from JSON) follows IEEE: it equals nothing, not even
 * itself, and is not comparable; {@link orderValues} sorts it after every other number.
 *
 * Timestamps: an instant (`…Z`, an offset, a Date) and a zone-less timestamp (`2016-02-22T10:26:12.487`,
 * "the gateway's time zone") are one family. Two zone-less timestamps compare by their wall-clock
 * reading, which is right whatever the gateway's zone, since both are read in the same one. A
 * zone-less timestamp against an instant compares as if it were in UTC: the embedded gateway, whose
 * conditions and `$orderby` use these functions, runs in UTC, and a real gateway running in UTC
 * gives the same answers. On a gateway in another zone such a mixed comparison shifts by that
 * zone's offset; write instants (with `Z`) when a table mixes both kinds.
 */
import { DECIMAL_PARTS } from './decimal-parts.js'
import { ODate, ODecimal, OInterval, OTime, OTimestamp, OByte, OFloat, OInt, OShort } from './values.js'
import type { DocumentId, DocumentMap, Value } from './values.js'

// ---------------------------------------------------------------------------------------------
// Numeric family

/** The plain number of a numeric value held as a JS number (DOUBLE, FLOAT, INT, SHORT, BYTE), else undefined. */
function smallNumber(v: Value): number | undefined {
  if (typeof v === 'number') return v
  if (v instanceof OInt || v instanceof OShort || v instanceof OByte || v instanceof OFloat) return v.value
  return undefined
}

/**
 * True for every member of the numeric family.
 * @category Internals
 */
export function isNumeric(v: Value | undefined): boolean {
  return (
    typeof v === 'number' ||
    typeof v === 'bigint' ||
    v instanceof OInt ||
    v instanceof OShort ||
    v instanceof OByte ||
    v instanceof OFloat ||
    v instanceof ODecimal
  )
}

/** A finite non-zero number as `0.d1d2d3… × 10^exp`, digits without leading or trailing zeros. */
interface Exact {
  readonly sign: -1 | 0 | 1
  readonly digits: string
  readonly exp: number
}

const ZERO: Exact = { sign: 0, digits: '', exp: 0 }

function exactFromDigits(sign: -1 | 1, digits: string, pointPos: number): Exact {
  let start = 0
  while (start < digits.length && digits.charCodeAt(start) === 48) start++
  let end = digits.length
  while (end > start && digits.charCodeAt(end - 1) === 48) end--
  if (start === end) return ZERO
  return { sign, digits: digits.slice(start, end), exp: pointPos - start }
}

function exactFromBigint(b: bigint): Exact {
  if (b === 0n) return ZERO
  const text = (b < 0n ? -b : b).toString()
  return exactFromDigits(b < 0n ? -1 : 1, text, text.length)
}

/** Exact decimal expansion of a finite double: x = m / 2^s, so x = m·5^s / 10^s. */
function exactFromNumber(x: number): Exact {
  if (x === 0) return ZERO
  if (Number.isInteger(x)) return exactFromBigint(BigInt(x))
  let m = x
  let s = 0
  while (!Number.isInteger(m)) {
    m *= 2
    s++
  }
  const scaled = BigInt(m) * 5n ** BigInt(s)
  const text = (scaled < 0n ? -scaled : scaled).toString()
  return exactFromDigits(x < 0 ? -1 : 1, text, text.length - s)
}

function exactFromDecimal(d: ODecimal): Exact {
  const m = DECIMAL_PARTS.exec(d.value)
  if (m === null) return ZERO
  const intPart = m[2] ?? ''
  const frac = m[3] ?? ''
  const exp = m[4] === undefined ? 0 : Number(m[4])
  return exactFromDigits(m[1] === '-' ? -1 : 1, intPart + frac, intPart.length + exp)
}

function compareExact(a: Exact, b: Exact): number {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1
  if (a.sign === 0) return 0
  let mag: number
  if (a.exp !== b.exp) mag = a.exp < b.exp ? -1 : 1
  else if (a.digits === b.digits) mag = 0
  else mag = a.digits < b.digits ? -1 : 1 // same-position digit strings: lexicographic = numeric
  return a.sign * mag
}

type Num = number | bigint | ODecimal

function toNum(v: Value): Num | undefined {
  if (typeof v === 'number' || typeof v === 'bigint') return v
  const small = smallNumber(v)
  if (small !== undefined) return small
  return v instanceof ODecimal ? v : undefined
}

function compareNumberBigint(x: number, b: bigint): number | undefined {
  if (Number.isNaN(x)) return undefined
  if (x === Infinity) return 1
  if (x === -Infinity) return -1
  const floor = Math.floor(x)
  const fb = BigInt(floor)
  if (fb < b) return -1
  if (fb > b) return 1
  return x === floor ? 0 : 1
}

function toExact(n: Num): Exact {
  if (typeof n === 'number') return exactFromNumber(n)
  if (typeof n === 'bigint') return exactFromBigint(n)
  return exactFromDecimal(n)
}

function compareNums(a: Num, b: Num): number | undefined {
  if (typeof a === 'number') {
    if (typeof b === 'number') return a < b ? -1 : a > b ? 1 : a === b ? 0 : undefined
    if (typeof b === 'bigint') return compareNumberBigint(a, b)
  } else if (typeof a === 'bigint') {
    if (typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0
    if (typeof b === 'number') {
      const r = compareNumberBigint(b, a)
      // `0 - r`, not `-r`: equal values compare as 0, never -0.
      return r === undefined ? undefined : 0 - r
    }
  }
  // a DECIMAL is involved: rare, so exact digit comparison is fine here
  if (typeof a === 'number' && !Number.isFinite(a)) return Number.isNaN(a) ? undefined : a > 0 ? 1 : -1
  if (typeof b === 'number' && !Number.isFinite(b)) return Number.isNaN(b) ? undefined : b > 0 ? -1 : 1
  return compareExact(toExact(a), toExact(b))
}

/**
 * Numeric comparison across the family; undefined when either is not numeric or is NaN.
 * @category Internals
 */
export function compareNumeric(a: Value, b: Value): number | undefined {
  const x = toNum(a)
  if (x === undefined) return undefined
  const y = toNum(b)
  if (y === undefined) return undefined
  return compareNums(x, y)
}

// ---------------------------------------------------------------------------------------------
// Strings and bytes

/**
 * Compares strings by Unicode code point, which is the order of their UTF-8 bytes. Plain `<` on
 * JS strings compares UTF-16 code units, which puts U+10000… before U+E000…; the fix-up below
 * moves surrogates above the rest of the BMP.
 * @category Internals
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000
      }
      return x < y ? -1 : 1
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0
}

/**
 * Bytewise (unsigned) comparison; a proper prefix sorts first.
 * @category Internals
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i] as number
    const y = b[i] as number
    if (x !== y) return x < y ? -1 : 1
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

// ---------------------------------------------------------------------------------------------
// Families

/** Value families; the numbers double as the `$orderby` rank across families. */
const Family = {
  Number: 0,
  String: 1,
  Boolean: 2,
  Date: 3,
  Time: 4,
  Timestamp: 5,
  Interval: 6,
  Binary: 7,
  Array: 8,
  Map: 9,
  Null: 10,
} as const
type Family = (typeof Family)[keyof typeof Family]

function familyOf(v: Value): Family {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return Family.Number
    case 'string':
      return Family.String
    case 'boolean':
      return Family.Boolean
    default:
      if (v === null) return Family.Null
      if (Array.isArray(v)) return Family.Array
      if (v instanceof Uint8Array) return Family.Binary
      if (v instanceof OInt || v instanceof OShort || v instanceof OByte || v instanceof OFloat || v instanceof ODecimal)
        return Family.Number
      if (v instanceof ODate) return Family.Date
      if (v instanceof OTime) return Family.Time
      if (v instanceof OTimestamp) return Family.Timestamp
      if (v instanceof OInterval) return Family.Interval
      return Family.Map
  }
}

function dateKey(d: ODate): number {
  return (d.year * 16 + d.month) * 32 + d.day
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0
}

/** Compares two scalars of the same non-numeric family. */
function compareSameScalar(f: Family, a: Value, b: Value): number {
  switch (f) {
    case Family.String:
      return compareStrings(a as string, b as string)
    case Family.Boolean:
      return a === b ? 0 : a === false ? -1 : 1
    case Family.Date:
      return sign(dateKey(a as ODate) - dateKey(b as ODate))
    case Family.Time:
      return sign((a as OTime).millisOfDay - (b as OTime).millisOfDay)
    case Family.Timestamp:
      return sign((a as OTimestamp).epochMillis - (b as OTimestamp).epochMillis)
    case Family.Interval:
      return sign((a as OInterval).millis - (b as OInterval).millis)
    case Family.Binary:
      return compareBytes(a as Uint8Array, b as Uint8Array)
    default:
      return 0
  }
}

function definedKeys(m: DocumentMap): string[] {
  return Object.keys(m).filter((k) => m[k] !== undefined)
}

/**
 * Equality as `$eq`, `$in` and `$ne` see it: numbers by numeric value across the family, maps by
 * content with key order ignored (`undefined` fields count as absent), arrays element by element
 * in order, binary bytewise, values of different non-numeric types never equal.
 * @category Internals
 */
export function valueEquals(a: Value, b: Value): boolean {
  if (a === b) return typeof a !== 'number' || !Number.isNaN(a)
  const fa = familyOf(a)
  if (fa !== familyOf(b)) return false
  switch (fa) {
    case Family.Number:
      return compareNumeric(a, b) === 0
    case Family.Null:
      return true
    case Family.Binary:
      return bytesEqual(a as Uint8Array, b as Uint8Array)
    case Family.Array: {
      const x = a as readonly Value[]
      const y = b as readonly Value[]
      if (x.length !== y.length) return false
      for (let i = 0; i < x.length; i++) if (!valueEquals(x[i] as Value, y[i] as Value)) return false
      return true
    }
    case Family.Map: {
      const x = a as DocumentMap
      const y = b as DocumentMap
      const keys = definedKeys(x)
      if (keys.length !== definedKeys(y).length) return false
      for (const k of keys) {
        if (!Object.prototype.hasOwnProperty.call(y, k)) return false
        const yv = y[k]
        if (yv === undefined || !valueEquals(x[k] as Value, yv)) return false
      }
      return true
    }
    default:
      return compareSameScalar(fa, a, b) === 0
  }
}

/**
 * Order as `$lt`/`$le`/`$gt`/`$ge`/`$between` see it: negative, zero or positive, or `undefined`
 * when the two are not comparable (different families, a map or array on either side, null
 * against non-null, NaN). `null` against `null` is 0.
 * @category Internals
 */
export function compareValues(a: Value, b: Value): number | undefined {
  const fa = familyOf(a)
  if (fa !== familyOf(b)) return undefined
  if (fa === Family.Number) return compareNumeric(a, b)
  if (fa === Family.Map || fa === Family.Array) return undefined
  if (fa === Family.Null) return 0
  return compareSameScalar(fa, a, b)
}

/**
 * The key order of a store: binary keys bytewise, string keys by their UTF-8 bytes, and every
 * binary key before every string key. The relative order of the two kinds is unconfirmed for the
 * real gateway; it is fixed here (binary first) so that scans, `$orderby` on `_id` and resumed
 * finds all agree.
 * @category Internals
 */
export function compareIds(a: DocumentId, b: DocumentId): number {
  if (typeof a === 'string') return typeof b === 'string' ? compareStrings(a, b) : 1
  return typeof b === 'string' ? -1 : compareBytes(a, b)
}

/**
 * A total order for `$orderby` over mixed types (`undefined` = the field is missing):
 * numbers (whole family, numerically; NaN last), then strings, booleans, dates, times,
 * timestamps, intervals, binaries, arrays (element by element), maps (by sorted keys, then
 * values), then `null`, then missing. `desc` reverses the whole order, so missing comes first.
 * @category Internals
 */
export function orderValues(a: Value | undefined, b: Value | undefined, direction: 'asc' | 'desc' = 'asc'): number {
  const r = orderAsc(a, b)
  return direction === 'desc' ? -r : r
}

function orderAsc(a: Value | undefined, b: Value | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1
  const fa = familyOf(a)
  const fb = familyOf(b)
  if (fa !== fb) return fa < fb ? -1 : 1
  switch (fa) {
    case Family.Number: {
      const r = compareNumeric(a, b)
      if (r !== undefined) return r
      const an = isNaNValue(a)
      const bn = isNaNValue(b)
      return an === bn ? 0 : an ? 1 : -1
    }
    case Family.Null:
      return 0
    case Family.Array: {
      const x = a as readonly Value[]
      const y = b as readonly Value[]
      const n = Math.min(x.length, y.length)
      for (let i = 0; i < n; i++) {
        const r = orderAsc(x[i], y[i])
        if (r !== 0) return r
      }
      return sign(x.length - y.length)
    }
    case Family.Map: {
      const x = a as DocumentMap
      const y = b as DocumentMap
      const xk = definedKeys(x).sort(compareStrings)
      const yk = definedKeys(y).sort(compareStrings)
      const n = Math.min(xk.length, yk.length)
      for (let i = 0; i < n; i++) {
        const kr = compareStrings(xk[i] as string, yk[i] as string)
        if (kr !== 0) return kr
        const vr = orderAsc(x[xk[i] as string], y[yk[i] as string])
        if (vr !== 0) return vr
      }
      return sign(xk.length - yk.length)
    }
    default:
      return compareSameScalar(fa, a, b)
  }
}

function isNaNValue(v: Value): boolean {
  const n = smallNumber(v)
  return n !== undefined && Number.isNaN(n)
}
