/** Promise helpers for specs that await one store operation. */
import { lastValueFrom, type Observable } from 'rxjs'

/** Completes with the last value, or `undefined` when the operation emitted none. */
export function done<T>(source: Observable<T>): Promise<T | undefined> {
  return lastValueFrom(source, { defaultValue: undefined })
}

/** The error the operation ends with; rejects when it succeeds instead. */
export async function failure(source: Observable<unknown>): Promise<unknown> {
  try {
    await lastValueFrom(source)
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}
