/**
 * "Did you mean" for names the user typed: connection-string options, every options object (see
 * check-options.ts), the channel options the driver owns, operation names and fake-store scripts
 * all reject unknown names with the nearest known one.
 */

/** Levenshtein distance (insert, delete, substitute), case as given. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length] ?? 0
}

/**
 * The suffix of an "unknown name" message: ` (did you mean "x"?)` when a known name is close
 * (case-insensitively, within two edits, or a fifth of its length for long names such as
 * `grpc.keepalive_time_ms`; a unit suffix such as `Ms` may be left out, so `timout` finds
 * `timeoutMs`), else the list of known names.
 */
export function didYouMean(name: string, known: readonly string[]): string {
  const lower = name.toLowerCase()
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of known) {
    const full = candidate.toLowerCase()
    const withoutUnit = full.replace(/_?ms$/, '')
    const d = Math.min(editDistance(lower, full), withoutUnit === full ? Infinity : editDistance(lower, withoutUnit))
    if (d < bestDistance && d <= Math.max(2, Math.floor(candidate.length / 5))) {
      best = candidate
      bestDistance = d
    }
  }
  return best !== undefined ? ` (did you mean "${best}"?)` : ` (known options: ${known.join(', ')})`
}
