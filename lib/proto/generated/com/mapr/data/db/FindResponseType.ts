// Original file: maprdb-server.proto

export const FindResponseType = {
  UNKNOWN_TYPE: 0,
  RESULT_DOCUMENT: 1,
  QUERY_PLAN: 2,
} as const;

export type FindResponseType =
  | 'UNKNOWN_TYPE'
  | 0
  | 'RESULT_DOCUMENT'
  | 1
  | 'QUERY_PLAN'
  | 2

export type FindResponseType__Output = typeof FindResponseType[keyof typeof FindResponseType]
