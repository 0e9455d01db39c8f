/**
 * The write fence: a later write of a document is not sent while an earlier write of it, from this
 * store, may still land somewhere.
 *
 * A write that ended without an acknowledgment while one of its attempts was unknown (failed after
 * it may have been sent) or still running leaves that attempt possibly in a gateway's hands: a
 * reset connection is not proof that nothing will land. Applied later, it would carry a later
 * timestamp than a write the caller makes now, and under last-writer-wins replication it would
 * win. So the document is fenced: every write of it from this store fails at once with
 * {@link PendingWriteError}, nothing sent, until for every cluster that may hold the old attempt
 * both are true:
 * - `settleMs` has passed since the fence was raised: the time the store gives any attempt to
 *   land (see settle.ts);
 * - the cluster is `up`: it answers again, so a process that was frozen has run since.
 *
 * ```
 * write v1    ---#                 unknown on c1 at 3 (a reset after the request went out)
 * fence       ---[================ c1: until 3 + settleMs and c1 up again
 * write v2          #              PendingWriteError at once, not sent
 * write v2                    -a|  after the fence: sent, acknowledged
 * ```
 *
 * This is the one timing assumption of the write guarantee, said plainly: a request that reached
 * a gateway is applied within `settleMs` of the moment the store stopped waiting for it, once that
 * gateway runs, or never. Reads are not fenced. At most {@link MAX_FENCED} documents are fenced at
 * once; past that the oldest fence is dropped (a store with that many documents in doubt has a
 * cluster down, and its writes fail anyway).
 */
import { PendingWriteError } from './errors.js'
import type { HealthBook } from './health.js'
import type { DocumentId } from '../ojai/values.js'
import { keyOf } from './session.js'

/** How many documents may be fenced at once. @category Internals */
export const MAX_FENCED = 10_000

interface Fence {
  readonly cluster: number
  readonly raisedAt: number
  readonly why: string
}

export class WriteFence {
  private readonly fences = new Map<string, readonly Fence[]>()

  constructor(
    private readonly names: readonly string[],
    private readonly health: HealthBook,
    private readonly settleMs: number,
  ) {}

  /** A write of `id` ended with an attempt on each of `clusters` that may still land (`why`), at scheduler time `now`. */
  raise(id: DocumentId, clusters: readonly { readonly cluster: number; readonly why: string }[], now: number): void {
    if (clusters.length === 0) return
    const key = keyOf(id)
    const fences = [...(this.fences.get(key) ?? []), ...clusters.map((c) => ({ cluster: c.cluster, raisedAt: now, why: c.why }))]
    this.fences.delete(key)
    this.fences.set(key, fences)
    if (this.fences.size > MAX_FENCED) this.fences.delete(this.fences.keys().next().value as string)
  }

  /** The error for a write of `id` at scheduler time `now` while it is fenced, or undefined (the fence lifted). */
  check(operation: string, id: DocumentId, now: number): PendingWriteError | undefined {
    if (this.fences.size === 0) return undefined
    const key = keyOf(id)
    const fences = this.fences.get(key)
    if (fences === undefined) return undefined
    const standing = fences.filter((f) => now < f.raisedAt + this.settleMs || this.health.of(f.cluster).state !== 'up')
    if (standing.length === 0) {
      this.fences.delete(key)
      return undefined
    }
    this.fences.set(key, standing)
    const pending = [...new Set(standing.map((f) => this.names[f.cluster] ?? String(f.cluster)))]
    return new PendingWriteError(
      operation,
      id,
      pending,
      standing.map((f) => `${this.names[f.cluster] ?? f.cluster}: ${f.why}`).join('; '),
      this.settleMs,
    )
  }
}
