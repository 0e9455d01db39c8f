/**
 * The protocol reference's documented condition example set (Section 10.2): eight documents whose
 * `tags` field takes every container shape, and fourteen conditions with their exact match sets.
 * The pure evaluator (spec/ojai) and the gateway (spec/gateway) are both held to it.
 */
import type { Document } from '../../lib/ojai/values.js'

export const EXAMPLE_DOCUMENTS: readonly Document[] = [
  { _id: '001', tags: ['electronics', 'ipod', 'apple'] },
  { _id: '002', tags: 'ipod' },
  { _id: '003', tags: 10 },
  { _id: '004', tags: [10, 'ipod', { t: 'ipod' }] },
  { _id: '005', tags: { t: 'ipod' } },
  { _id: '006', tags: [{ t: 'ipod' }, { t: 'apple' }] },
  {
    _id: '007',
    tags: [
      { t: 'ipod', v: 10 },
      { t: 'apple', v: 9 },
    ],
  },
  { _id: '008', tags: { t: 'ipod', v: 10 } },
].map((d, i) => ({ ...d, name: `Ipod 00${i + 1}` }))

/** [condition JSON text, the `_id`s it matches, in `_id` order]. */
export const EXAMPLE_CONDITIONS: readonly (readonly [string, readonly string[]])[] = [
  ['{"$exists":"tags.v"}', ['008']],
  ['{"$eq":{"tags":10}}', ['003']],
  ['{"$eq":{"tags.t":"ipod"}}', ['005', '008']],
  ['{"$eq":{"tags":{"t":"ipod"}}}', ['005']],
  ['{"$eq":{"tags":{"v":10,"t":"ipod"}}}', ['008']],
  ['{"$eq":{"tags":["electronics","ipod","apple"]}}', ['001']],
  ['{"$eq":{"tags":["ipod","electronics","apple"]}}', []],
  ['{"$between":{"tags":[5,15]}}', ['003']],
  ['{"$like":{"tags[1]":"ip%"}}', ['001', '004']],
  ['{"$typeof":{"tags":"map"}}', ['005', '008']],
  ['{"$typeof":{"tags":"array"}}', ['001', '004', '006', '007']],
  ['{"$sizeof":{"tags":{"$ge":3}}}', ['001', '002', '004']],
  ['{"$in":{"tags":["ipod",10,{"t":"ipod"}]}}', ['002', '003', '005']],
  ['{"$eq":{"tags[]":"ipod"}}', ['001', '002', '004']],
]
