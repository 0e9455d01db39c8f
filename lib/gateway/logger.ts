/**
 * The logging the gateway needs: a pino logger fits as is. Default: silent.
 * @category Gateway
 */
export interface GatewayLogger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

const noop = () => {}

export const SILENT: GatewayLogger = { debug: noop, info: noop, warn: noop, error: noop }
