/**
 * Loads `lmdb`, an optional peer dependency: only durable storage needs it, so a client-only
 * install, or a gateway on memory storage, runs without its native code. Loaded on first use
 * (synchronously, through its CommonJS build: an engine opens in a constructor), never when the
 * gateway module is imported.
 */
import { createRequire } from 'node:module'
import type * as Lmdb from 'lmdb'
import { MissingDependencyError } from '../../ojai/errors.js'

/** The module loader to use; replaceable so a spec can stand in for an app without `lmdb`. */
export type ModuleLoader = (id: string) => unknown

/** `lmdb`'s exports; a {@link MissingDependencyError} naming the package when it is not installed. */
export function loadLmdb(load: ModuleLoader = createRequire(import.meta.url)): typeof Lmdb {
  try {
    return load('lmdb') as typeof Lmdb
  } catch (error) {
    if (!isMissing(error, 'lmdb')) throw error
    throw new MissingDependencyError(
      'durable storage ({ dir } or --data) needs the optional package lmdb, which is not installed: npm install lmdb',
      'lmdb',
      { cause: error },
    )
  }
}

/** True when `error` says that `name` itself (not one of its own dependencies) cannot be found. */
function isMissing(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'MODULE_NOT_FOUND' && error instanceof Error && error.message.includes(`'${name}'`)
}
