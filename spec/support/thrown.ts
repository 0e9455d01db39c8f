/** What a call refuses with: the specs of bad input ask for the error itself, then check its class and message. */
import type { OjaiError } from '../../lib/ojai/errors.js'

/** A typed error's class, as a row of a bad-input table names it. */
export type ErrorClass = abstract new (...args: never[]) => OjaiError

/** An ill-typed value, as a JavaScript caller (or a typo in an untyped object) passes it. */
export function bad<T>(value: unknown): T {
  return value as T
}

/** The error `run` throws, or undefined when it returns. */
export function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  return undefined
}

/** The error `run` throws or its promise rejects with, or undefined when it resolves. */
export async function rejection(run: () => unknown): Promise<unknown> {
  try {
    await run()
  } catch (error) {
    return error
  }
  return undefined
}
