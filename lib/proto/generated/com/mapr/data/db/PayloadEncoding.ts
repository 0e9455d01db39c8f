// Original file: maprdb-server.proto

export const PayloadEncoding = {
  UNKNOWN_ENCODING: 0,
  JSON_ENCODING: 1,
} as const;

export type PayloadEncoding =
  | 'UNKNOWN_ENCODING'
  | 0
  | 'JSON_ENCODING'
  | 1

export type PayloadEncoding__Output = typeof PayloadEncoding[keyof typeof PayloadEncoding]
