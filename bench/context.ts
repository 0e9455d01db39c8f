/** What every section gets: the run's size and a progress logger. */
export interface BenchContext {
  /** `--quick`: fewer repetitions and shorter runs; the whole bench under 3 minutes. */
  readonly quick: boolean
  /** Progress lines (stderr), so stdout holds only the tables. */
  readonly log: (line: string) => void
}

export interface Picture {
  /** File name, written beside the JSON document. */
  readonly file: string
  readonly svg: string
}

/** One section's outcome: the printed rows, the JSON part, and any pictures. */
export interface SectionOutput<J> {
  readonly title: string
  readonly rows: readonly Readonly<Record<string, string | number | boolean | null>>[]
  readonly json: J
  readonly pictures?: readonly Picture[]
  /** Lines printed under the table (definitions, verdicts against the targets). */
  readonly notes?: readonly string[]
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
