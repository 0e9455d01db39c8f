import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeDocument, decodeValue, encodeDocument, encodeValue } from '../../lib/ojai/codec.js'
import { sameValue } from '../../lib/ojai/document.js'
import type { Document } from '../../lib/ojai/values.js'
import { document, value } from './arbitraries.js'

const RUNS = { numRuns: 300 }

describe('codec properties', () => {
  it('decode(encode(doc)) is the same document, types included', () => {
    fc.assert(
      fc.property(document, (doc) => {
        expect(sameValue(decodeDocument(encodeDocument(doc)), doc)).toBe(true)
      }),
      RUNS,
    )
  })

  it('encoding is stable: encode(decode(encode(doc))) === encode(doc)', () => {
    fc.assert(
      fc.property(document, (doc) => {
        const text = encodeDocument(doc)
        expect(encodeDocument(decodeDocument(text))).toBe(text)
      }),
      RUNS,
    )
  })

  it('any value, also at the top level, round trips', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(sameValue(decodeValue(encodeValue(v)), v)).toBe(true)
      }),
      RUNS,
    )
  })

  it('the careful path (taken for a LONG beyond 2^53) decodes like the fast one', () => {
    fc.assert(
      fc.property(document, fc.bigInt({ min: 2n ** 53n, max: 2n ** 63n - 1n }), (doc, big) => {
        const text = encodeDocument(doc)
        const withBig = `{"zzBig":{"$numberLong":${big}}${text === '{}' ? '}' : `,${text.slice(1)}`}`
        const decoded = decodeDocument(withBig)
        const { zzBig, ...rest } = decoded
        expect(zzBig).toBe(big)
        expect(sameValue(rest as Document, decodeDocument(text))).toBe(true)
      }),
      RUNS,
    )
  })

  it('every encoding is valid JSON', () => {
    fc.assert(
      fc.property(document, (doc) => {
        expect(() => JSON.parse(encodeDocument(doc)) as unknown).not.toThrow()
      }),
      RUNS,
    )
  })
})
