/**
 * The driver's logger: a pino child that redacts credentials wherever they might appear, so a
 * debug log can be shared without leaking a password or a token. The driver itself never logs
 * credentials; redaction is the second line of defence.
 */
import pino, { type Logger } from 'pino'
import { HIDDEN } from './connection-string.js'

/** What pino writes in place of a censored value, as everywhere else in the driver. */
export const REDACTED = HIDDEN

/** Paths pino censors in every log line of the driver. */
export const REDACT_PATHS = [
  'password',
  'authorization',
  'token',
  'headers.authorization',
  'metadata.authorization',
  '*.password',
  '*.authorization',
  '*.token',
  '*["bearer-token"]',
]

let silent: Logger | undefined

/** The child logger the driver writes to; a silent logger when the user gave none. */
export function driverLogger(logger: Logger | undefined, bindings: Record<string, unknown>): Logger {
  if (logger === undefined) {
    silent ??= pino({ level: 'silent' })
    return silent
  }
  return logger.child({ component: 'ojai-driver', ...bindings }, { redact: { paths: REDACT_PATHS, censor: REDACTED } })
}
