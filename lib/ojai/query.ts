/**
 * OJAI queries: $select, $where, $orderby, $limit, $offset. CONTRACT STUB: signatures fixed; implementation being written.
 */
import type { Condition } from './condition.js'
import type { FieldPath } from './field-path.js'
import type { DocumentId, DocumentMap } from './values.js'

/** A query as JSON: `{"$select":["a"],"$where":{…},"$orderby":{"a":"desc"},"$limit":10,"$offset":5}`; `{}` = all. */
export type QueryJson = DocumentMap

export interface OrderKey {
  readonly path: FieldPath
  readonly direction: 'asc' | 'desc'
}

export declare class Query {
  private constructor()
  static parse(input: QueryJson | string): Query
  static from(input: Query | QueryJson | string | undefined): Query
  readonly select: readonly FieldPath[] | undefined
  readonly where: Condition | undefined
  readonly orderBy: readonly OrderKey[]
  readonly limit: number | undefined
  readonly offset: number
  /** True when results come in ascending `_id` order (no $orderby, or `$orderby` on `_id` asc only). */
  readonly isIdOrdered: boolean
  /**
   * The query that continues this one after `delivered` results, the last of which had key `lastId`
   * (only for id-ordered queries): where AND `_id > lastId`, offset 0, limit reduced.
   */
  resumeAfter(lastId: DocumentId, delivered: number): Query
  toJsonString(): string
}
