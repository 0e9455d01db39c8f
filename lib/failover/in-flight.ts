/**
 * The operations currently subscribed, so close() can end them. An intrusive doubly linked list:
 * adding and removing an operation is four pointer writes, no allocation (a Set would hash and
 * allocate per operation on the hot path).
 */
export interface InFlightEntry {
  prevOp: InFlightEntry | null
  nextOp: InFlightEntry | null
  tracked: boolean
}

export class InFlight<E extends InFlightEntry> {
  private head: E | null = null
  size = 0

  add(entry: E): void {
    entry.prevOp = null
    entry.nextOp = this.head
    if (this.head !== null) this.head.prevOp = entry
    this.head = entry
    entry.tracked = true
    this.size++
  }

  delete(entry: E): void {
    if (!entry.tracked) return
    const { prevOp, nextOp } = entry
    if (prevOp === null) this.head = nextOp as E | null
    else prevOp.nextOp = nextOp
    if (nextOp !== null) nextOp.prevOp = prevOp
    entry.prevOp = entry.nextOp = null
    entry.tracked = false
    this.size--
  }

  /** A snapshot, safe to iterate while entries remove themselves. */
  toArray(): E[] {
    const out: E[] = []
    for (let e: InFlightEntry | null = this.head; e !== null; e = e.nextOp) out.push(e as E)
    return out
  }
}
