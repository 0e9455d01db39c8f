/**
 * The text of anything thrown: an Error's message, anything else as a string. The one helper for
 * quoting a caught value in a message; kept out of the package's exports (an implementation aid,
 * not API).
 */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
