// Original file: maprdb-server.proto

export const InsertMode = {
  UNKNOWN_MODE: 0,
  INSERT_OR_REPLACE: 1,
  INSERT: 2,
  REPLACE: 3,
} as const;

export type InsertMode =
  | 'UNKNOWN_MODE'
  | 0
  | 'INSERT_OR_REPLACE'
  | 1
  | 'INSERT'
  | 2
  | 'REPLACE'
  | 3

export type InsertMode__Output = typeof InsertMode[keyof typeof InsertMode]
