/**
 * Bounds on the work and memory Find streams may take, so that no number of concurrent Finds,
 * however large their documents, exhausts the heap or starves other calls:
 *
 * - **Slots.** At most `maxStreams` Finds are served at once, at most `maxStreamsPerConnection` of
 *   them from one client connection (so one client cannot take every slot). A Find over the cap
 *   waits, in arrival order, holding nothing but its request; its cancellation or deadline ends
 *   the wait at once. At most `maxWaiting` wait; one more is answered RESOURCE_EXHAUSTED (a busy
 *   server: clients retry or fail over).
 * - **Bytes in flight.** Result messages written to the network but not yet flushed count against
 *   `maxBufferedBytes`, all streams together, and against a window of {@link STREAM_WINDOW_BYTES}
 *   per stream; a stream over either waits for its earlier messages to flush. A single message
 *   larger than the budget is sent alone. A client that does not read therefore holds at most
 *   its window (or one message) and its slot, never more.
 * - **Turns.** Producing results (reading, filtering, projecting, encoding) runs in steps from one
 *   queue, at most `sliceMs` of them per event-loop turn, so other calls (Ping, FindById) are
 *   served between slices however many Finds are busy.
 *
 * Why the defaults: 64 streams × (one 256 KiB window or one message) stays far below a small
 * container's memory while leaving every core busy; 16 per connection lets four clients share the
 * gateway fairly (the official clients open one connection each); 64 MiB in flight lets large
 * documents (up to the 32 MiB message limit) still stream two at a time; 5 ms slices keep the
 * added latency of other calls to a few milliseconds.
 */
import { setImmediate as nextTurn } from 'node:timers'

/** @category Gateway */
export interface FindLimits {
  /** Find streams served at once by the gateway. Default 64. */
  readonly maxStreams?: number
  /** Find streams served at once for one client connection. Default 16. */
  readonly maxStreamsPerConnection?: number
  /** Finds waiting for a slot before further ones are answered RESOURCE_EXHAUSTED. Default 1 024. */
  readonly maxWaiting?: number
  /** Bytes of result messages written but not yet flushed, all streams together. Default 64 MiB. */
  readonly maxBufferedBytes?: number
  /** Bytes of documents a sorted find (`$orderby`) may hold to sort; beyond, UNSUPPORTED_OPERATION. Default 32 MiB. */
  readonly maxSortBytes?: number
  /** Longest run of Find work in one event-loop turn, in ms. Default 5. */
  readonly sliceMs?: number
}

/** @category Internals */
export const DEFAULT_FIND_LIMITS: Required<FindLimits> = Object.freeze({
  maxStreams: 64,
  maxStreamsPerConnection: 16,
  maxWaiting: 1024,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxSortBytes: 32 * 1024 * 1024,
  sliceMs: 5,
})

/** Bytes one stream may have written and not yet flushed before it waits (one larger message is allowed alone). */
export const STREAM_WINDOW_BYTES = 256 * 1024

/** Thrown by {@link FindThrottle.admit} when too many Finds already wait. */
export class TooManyFindsError extends Error {
  constructor(limits: Required<FindLimits>) {
    super(`the gateway is busy: ${limits.maxStreams} Find streams are running and ${limits.maxWaiting} more are waiting; retry later`)
    this.name = 'TooManyFindsError'
  }
}

interface Waiter {
  readonly connection: string
  readonly grant: (release: () => void) => void
}

/** The three bounds of the module comment, shared by every Find of one gateway. */
export class FindThrottle {
  readonly limits: Required<FindLimits>
  private running = 0
  private readonly perConnection = new Map<string, number>()
  private readonly waiting: Waiter[] = []
  private buffered = 0
  private readonly byteWaiters: { readonly bytes: number; readonly go: () => void }[] = []
  private readonly steps: (() => void)[] = []
  private pumping = false

  constructor(limits: FindLimits = {}) {
    // Checked where they enter (startGateway, gateway/options.ts); a key set to undefined keeps its default.
    this.limits = { ...DEFAULT_FIND_LIMITS, ...Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) }
  }

  /**
   * Waits for a slot for a Find of `connection`; resolves with its release, or undefined when
   * `signal` aborted first. Throws {@link TooManyFindsError} when the waiting line is full.
   */
  admit(connection: string, signal: AbortSignal): Promise<(() => void) | undefined> {
    if (signal.aborted) return Promise.resolve(undefined)
    if (this.waiting.length === 0 && this.fits(connection)) return Promise.resolve(this.take(connection))
    if (this.waiting.length >= this.limits.maxWaiting) return Promise.reject(new TooManyFindsError(this.limits))
    return new Promise((resolve) => {
      const waiter: Waiter = {
        connection,
        grant: (release) => {
          signal.removeEventListener('abort', leave)
          resolve(release)
        },
      }
      const leave = () => {
        const i = this.waiting.indexOf(waiter)
        if (i >= 0) this.waiting.splice(i, 1)
        resolve(undefined)
      }
      signal.addEventListener('abort', leave, { once: true })
      this.waiting.push(waiter)
      // Those ahead may be held only by their own connection's cap: this one may still fit.
      this.wakeSlots()
    })
  }

  /** Reserves `bytes` of the gateway's in-flight budget if they fit now (or nothing else is in flight). */
  tryReserve(bytes: number): boolean {
    if (this.byteWaiters.length > 0 || !this.bytesFit(bytes)) return false
    this.buffered += bytes
    return true
  }

  /**
   * Reserves `bytes` of the in-flight budget, waiting in arrival order until they fit. Resolves
   * false when `signal` aborted first (nothing reserved).
   */
  reserve(bytes: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false)
    if (this.tryReserve(bytes)) return Promise.resolve(true)
    return new Promise((resolve) => {
      const waiter = {
        bytes,
        go: () => {
          signal.removeEventListener('abort', leave)
          this.buffered += bytes
          resolve(true)
        },
      }
      const leave = () => {
        const i = this.byteWaiters.indexOf(waiter)
        if (i >= 0) this.byteWaiters.splice(i, 1)
        this.wakeBytes()
        resolve(false)
      }
      signal.addEventListener('abort', leave, { once: true })
      this.byteWaiters.push(waiter)
    })
  }

  /** Returns bytes reserved with {@link reserve}. */
  unreserve(bytes: number): void {
    this.buffered -= bytes
    this.wakeBytes()
  }

  /**
   * Runs `work` (synchronous) in a later slice and resolves with its result: work runs in arrival
   * order, at most `sliceMs` of it per event-loop turn.
   */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.steps.push(() => {
        try {
          resolve(work())
        } catch (error) {
          reject(error)
        }
      })
      if (!this.pumping) {
        this.pumping = true
        nextTurn(this.pump)
      }
    })
  }

  /** For stats and tests. */
  snapshot(): { running: number; waiting: number; bufferedBytes: number } {
    return { running: this.running, waiting: this.waiting.length, bufferedBytes: this.buffered }
  }

  private readonly pump = (): void => {
    const end = performance.now() + this.limits.sliceMs
    // A step scheduled from within a step runs in a later turn: I/O gets its turn in between.
    let n = this.steps.length
    while (n-- > 0) {
      const step = this.steps.shift() as () => void
      step()
      if (performance.now() >= end) break
    }
    if (this.steps.length > 0) nextTurn(this.pump)
    else this.pumping = false
  }

  private fits(connection: string): boolean {
    return this.running < this.limits.maxStreams && (this.perConnection.get(connection) ?? 0) < this.limits.maxStreamsPerConnection
  }

  private take(connection: string): () => void {
    this.running++
    this.perConnection.set(connection, (this.perConnection.get(connection) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      this.running--
      const left = (this.perConnection.get(connection) as number) - 1
      if (left === 0) this.perConnection.delete(connection)
      else this.perConnection.set(connection, left)
      this.wakeSlots()
    }
  }

  /** Grants freed slots to the first waiters whose connection is under its cap. */
  private wakeSlots(): void {
    for (let i = 0; i < this.waiting.length && this.running < this.limits.maxStreams;) {
      const w = this.waiting[i] as Waiter
      if (!this.fits(w.connection)) {
        i++
        continue
      }
      this.waiting.splice(i, 1)
      w.grant(this.take(w.connection))
    }
  }

  private bytesFit(bytes: number): boolean {
    return this.buffered === 0 || this.buffered + bytes <= this.limits.maxBufferedBytes
  }

  private wakeBytes(): void {
    while (this.byteWaiters.length > 0 && this.bytesFit((this.byteWaiters[0] as { bytes: number }).bytes)) {
      ;(this.byteWaiters.shift() as { go: () => void }).go()
    }
  }
}
