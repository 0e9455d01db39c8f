/**
 * A hybrid logical clock packed into one safe integer: `wallMillis * 1024 + counter`.
 *
 * Replication orders every document's operations by this timestamp (then origin id; see
 * oplog.ts), and a put replaces what is older, so it must be (a) close to wall time, so "last"
 * means what a human expects, and (b) strictly monotonic and ahead of every timestamp this gateway
 * has seen from a peer (operations and watermarks), so a write that causally follows a replicated
 * one always orders after it, even when the peer's wall clock runs ahead; a local write is then
 * always the newest operation of its document and is appended without replay. Packing into a
 * double keeps comparisons and storage trivial; 10 counter bits leave room until the year 2248.
 */
export class HybridClock {
  private last = 0

  /** @param now wall clock in milliseconds (injectable for tests). */
  constructor(private readonly now: () => number = Date.now) {}

  /** A fresh timestamp for a local event, greater than every timestamp issued or observed. */
  tick(): number {
    const physical = Math.floor(this.now()) * COUNTER_SPAN
    this.last = physical > this.last ? physical : this.last + 1
    return this.last
  }

  /** Records a timestamp received from a peer so later local events order after it. */
  observe(remote: number): void {
    if (Number.isSafeInteger(remote) && remote > this.last) this.last = remote
  }

  /** The most recent timestamp issued or observed (0 before any). */
  peek(): number {
    return this.last
  }
}

export const COUNTER_SPAN = 1024

/** The largest clock offset a gateway takes (`clockOffsetMs`), either way: one day. */
export const MAX_CLOCK_OFFSET_MS = 86_400_000

/**
 * `now` shifted by `offsetMs`: the wall clock of a machine whose clock runs that many ms ahead
 * (positive) or behind (negative). `now` itself when the offset is 0.
 */
export function skewedClock(now: () => number, offsetMs: number): () => number {
  return offsetMs === 0 ? now : () => now() + offsetMs
}

/** The wall-clock milliseconds part of a packed timestamp. */
export function wallMillisOf(ts: number): number {
  return Math.floor(ts / COUNTER_SPAN)
}

/**
 * Last-writer-wins order of two versions (table entries): positive when `a` wins. Equal
 * timestamps are broken by the origin gateway id so every replica picks the same winner.
 */
export function compareVersions(
  a: { readonly ts: number; readonly origin: string },
  b: { readonly ts: number; readonly origin: string },
): number {
  if (a.ts !== b.ts) return a.ts > b.ts ? 1 : -1
  return a.origin === b.origin ? 0 : a.origin > b.origin ? 1 : -1
}
