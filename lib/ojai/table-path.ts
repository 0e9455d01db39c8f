/**
 * The one rule about table paths the client and the embedded gateway share: a path is taken as
 * written, never resolved, so a `.` or `..` segment (`/apps/x/../users`) is refused rather than
 * read as a table the user did not mean. Pure: each side throws its own error with the text.
 */

/**
 * What is wrong with `path`'s segments, as a message that names it and says what to fix, or
 * undefined when it has no `.` or `..` segment.
 * @category Internals
 */
export function dotSegmentProblem(path: string): string | undefined {
  const segments = path.split('/')
  if (!segments.some((s) => s === '.' || s === '..')) return undefined
  const resolved: string[] = []
  for (const s of segments) {
    if (s === '' || s === '.') continue
    if (s === '..') resolved.pop()
    else resolved.push(s)
  }
  const meant = resolved.length === 0 ? '' : `; if you mean ${JSON.stringify(`/${resolved.join('/')}`)}, write that`
  return `table path ${JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path)} has a "." or ".." segment: table paths are not resolved, write the path without them${meant}`
}
