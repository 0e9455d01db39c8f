/**
 * A Jepsen-style workload: concurrent logical clients ("processes"), each issuing one operation at
 * a time through a Store (normally a FailoverStore) and recording every invocation and outcome in
 * a {@link History}. The data schemes are the ones the checker reads (see checker.ts):
 *
 * | type              | call                                                        | document                  |
 * |-------------------|-------------------------------------------------------------|---------------------------|
 * | write-idempotent  | `insertOrReplace({ _id: r<k>, w-<p>-<n> or o-<p>-<j>, v })` | register, `v` unique      |
 * | write-conditional | `insert({ _id: i-<p>-<n>, v })` (a fresh key)               | register written once     |
 * | increment         | `update(c<k>, { $append: { ops: [opId] }, $increment: { n: 1 } })` | counter, ids appended |
 * | read              | `findById(r<k>)`                                            |                           |
 *
 * `writesPerOwnKey` gives each process keys of its own, each written that many times in a row
 * before the process moves to its next key. A process issues one operation at a time, so every
 * write to such a key begins after the previous one ended: an earlier write that lands late
 * overtakes the later ones (see checker.ts), and once the process has moved on nothing
 * overwrites it, so it stays in the final state for the checker to see.
 *
 * No operation gets a deadline from the workload: the store's own timeouts must end it, and an
 * operation that never ends is exactly what the checker calls a hang. {@link Workload.stop}
 * waits a bounded time and then abandons (unsubscribes) what is left.
 */
import { firstValueFrom, timeout, toArray, type Observable, type Subscription } from 'rxjs'
import { OjaiError } from '../ojai/errors.js'
import type { Document } from '../ojai/values.js'
import type { CallOptions, Store } from '../store.js'
import type { AnsweringClusters } from './answering-clusters.js'
import type { ClusterState, KeyState } from './checker.js'
import type { History, OpType, Outcome } from './history.js'
import type { Random } from './distribution.js'

/** The part of a Store the workload uses. */
export type WorkloadStore = Pick<Store, 'insertOrReplace' | 'insert' | 'update' | 'findById'>

/** Relative weights of the operation types. */
export interface WorkloadMix {
  readonly writeIdempotent: number
  readonly writeConditional: number
  readonly increment: number
  readonly read: number
}

export const DEFAULT_MIX: WorkloadMix = Object.freeze({ writeIdempotent: 3, writeConditional: 1, increment: 2, read: 4 })

export interface WorkloadOptions {
  readonly store: WorkloadStore
  readonly history: History
  /** Logical clients, one operation in flight each. Default 8. */
  readonly concurrency?: number
  /** Operation weights. Default {@link DEFAULT_MIX}. */
  readonly mix?: Partial<WorkloadMix>
  /** Register keys shared by idempotent writes and reads. Default 16. */
  readonly registerKeys?: number
  /** Counter keys shared by increments. Default 8. */
  readonly counterKeys?: number
  /** Share of idempotent writes that go to a fresh key instead of a shared register. Default 0.25. */
  readonly freshKeyShare?: number
  /**
   * When above 0, idempotent writes go to the process's own keys instead (shared registers and
   * fresh keys are not used): each key written this many times in a row, then the next key.
   * Default 0.
   */
  readonly writesPerOwnKey?: number
  /** Stop issuing after this many operations in total. Default: until {@link Workload.stop}. */
  readonly maxOps?: number
  /** Pause between one process's operations, ms. Default 0. */
  readonly thinkMs?: number
  /**
   * Spread of each pause, in [0, 1]: a pause is drawn uniformly from `thinkMs * (1 ± thinkJitter)`,
   * so processes do not run in lockstep. Default 0.
   */
  readonly thinkJitter?: number
  /** Default `Math.random`; pass a seeded one to replay a run. */
  readonly random?: Random
  /** Name of the cluster serving now, recorded with each outcome. Default: none recorded. */
  readonly activeCluster?: () => string | undefined
  /**
   * Learns which cluster answered each operation (a FailoverStore's diagnostics), recorded with its
   * outcome in place of `activeCluster`, which is then only the fallback (an operation no cluster
   * answered). Default: `activeCluster` only.
   */
  readonly answers?: AnsweringClusters
  /** Options for increments (e.g. a strategy override to prove the checker catches duplicates). */
  readonly incrementOptions?: CallOptions
}

export const registerKey = (k: number): string => `r${k}`
/** The `j`th own key of process `p` (see {@link WorkloadOptions.writesPerOwnKey}). */
export const ownKey = (p: number, j: number): string => `o-${p}-${j}`
export const counterKey = (k: number): string => `c${k}`

/** Outcome of an error: `fail` only when it proves the operation did not take effect. */
export function classifyError(error: unknown): { outcome: Outcome; error: string } {
  if (error instanceof OjaiError) {
    // Availability errors, timeouts, give-ups after failover, closes and writes left unsettled
    // (applied somewhere, an earlier attempt still pending) leave the effect unknown.
    const unknown =
      error.availability ||
      error.code === 'FAILOVER' ||
      error.code === 'CLOSED' ||
      error.code === 'RESUME_NOT_POSSIBLE' ||
      error.code === 'UNSETTLED_WRITE'
    return { outcome: unknown ? 'info' : 'fail', error: error.code }
  }
  return { outcome: 'info', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }
}

interface InFlight {
  readonly id: number
  readonly subscription: Subscription
}

export class Workload {
  private readonly o: Required<Omit<WorkloadOptions, 'activeCluster' | 'answers' | 'incrementOptions' | 'maxOps' | 'mix'>> & {
    readonly mix: WorkloadMix
    readonly maxOps: number
  }
  private readonly inFlight = new Map<number, InFlight>()
  private readonly settleWaiters = new Set<() => void>()
  private issued = 0
  private stopping = false
  private loops: Promise<void>[] = []
  private readonly seq: number[]
  /** Per process: idempotent writes issued to its own keys. */
  private readonly ownWrites: number[]
  /** Pending think-time sleeps, so stop() can end them at once (clearing alone would leave their promises pending forever). */
  private sleeps = new Map<NodeJS.Timeout, () => void>()

  constructor(private readonly options: WorkloadOptions) {
    this.o = {
      store: options.store,
      history: options.history,
      concurrency: options.concurrency ?? 8,
      mix: { ...DEFAULT_MIX, ...options.mix },
      registerKeys: options.registerKeys ?? 16,
      counterKeys: options.counterKeys ?? 8,
      freshKeyShare: options.freshKeyShare ?? 0.25,
      writesPerOwnKey: options.writesPerOwnKey ?? 0,
      maxOps: options.maxOps ?? Number.POSITIVE_INFINITY,
      thinkMs: options.thinkMs ?? 0,
      thinkJitter: Math.min(1, Math.max(0, options.thinkJitter ?? 0)),
      random: options.random ?? Math.random,
    }
    this.seq = Array.from({ length: this.o.concurrency }, () => 0)
    this.ownWrites = Array.from({ length: this.o.concurrency }, () => 0)
  }

  /** Operations invoked so far. */
  get operations(): number {
    return this.issued
  }

  /** Operations invoked and not settled. */
  get pending(): number {
    return this.inFlight.size
  }

  /**
   * Creates the counter documents (`{ ops: [], n: 0 }`) through the store, before any fault.
   * Rejects when one is not written within `timeoutMs`.
   */
  async seed(timeoutMs = 10_000): Promise<void> {
    for (let k = 0; k < this.o.counterKeys; k++) {
      await firstValueFrom(this.o.store.insertOrReplace({ _id: counterKey(k), ops: [], n: 0 }).pipe(timeout(timeoutMs)), {
        defaultValue: undefined,
      })
    }
  }

  /** Starts every process. Resolves when all of them have stopped issuing (maxOps or stop()). */
  start(): Promise<void> {
    if (this.loops.length > 0) throw new Error('workload already started')
    this.loops = Array.from({ length: this.o.concurrency }, (_, p) => this.process(p))
    return Promise.all(this.loops).then(() => undefined)
  }

  /**
   * Stops issuing, waits up to `drainTimeoutMs` for operations in flight, then abandons the rest
   * (they stay without outcome in the history). Resolves the number abandoned.
   */
  async stop(drainTimeoutMs: number): Promise<number> {
    this.stopping = true
    for (const [timer, wake] of this.sleeps) {
      clearTimeout(timer)
      wake()
    }
    this.sleeps.clear()
    for (const wake of this.settleWaiters) wake()
    const deadline = Date.now() + drainTimeoutMs
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(20, Math.max(1, deadline - Date.now()))))
    }
    const abandoned = this.inFlight.size
    for (const op of this.inFlight.values()) op.subscription.unsubscribe()
    this.inFlight.clear()
    for (const wake of this.settleWaiters) wake()
    await Promise.all(this.loops)
    return abandoned
  }

  private async process(p: number): Promise<void> {
    while (!this.stopping && this.issued < this.o.maxOps) {
      this.issued++
      await this.runOne(p)
      if (this.o.thinkMs > 0 && !this.stopping) await this.sleep(this.thinkTime())
    }
  }

  private thinkTime(): number {
    const { thinkMs, thinkJitter } = this.o
    return thinkJitter === 0 ? thinkMs : thinkMs * (1 + thinkJitter * (2 * this.o.random() - 1))
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.sleeps.delete(t)
        resolve()
      }, ms)
      this.sleeps.set(t, resolve)
    })
  }

  private pick(): OpType {
    const m = this.o.mix
    const total = m.writeIdempotent + m.writeConditional + m.increment + m.read
    const r = this.o.random() * total
    if (r < m.writeIdempotent) return 'write-idempotent'
    if (r < m.writeIdempotent + m.writeConditional) return 'write-conditional'
    if (r < m.writeIdempotent + m.writeConditional + m.increment) return 'increment'
    return 'read'
  }

  private index(n: number): number {
    return Math.min(n - 1, Math.floor(this.o.random() * n))
  }

  /** Where process `p`'s next idempotent write goes (`seq`: its operation number). */
  private writeKey(p: number, seq: number): string {
    const run = this.o.writesPerOwnKey
    if (run > 0) {
      const n = this.ownWrites[p] ?? 0
      this.ownWrites[p] = n + 1
      return ownKey(p, Math.floor(n / run))
    }
    return this.o.random() < this.o.freshKeyShare ? `w-${p}-${seq}` : registerKey(this.index(this.o.registerKeys))
  }

  private runOne(p: number): Promise<void> {
    const h = this.o.history
    const type = this.pick()
    const seq = (this.seq[p] = (this.seq[p] ?? 0) + 1)
    const value = `p${p}s${seq}`
    let id: number
    let call: Observable<unknown>
    let readValue = false
    switch (type) {
      case 'write-idempotent': {
        const key = this.writeKey(p, seq)
        id = h.invoke(p, type, key, { value })
        call = this.o.store.insertOrReplace({ _id: key, v: value })
        break
      }
      case 'write-conditional': {
        const key = `i-${p}-${seq}`
        id = h.invoke(p, type, key, { value })
        call = this.o.store.insert({ _id: key, v: value })
        break
      }
      case 'increment': {
        const key = counterKey(this.index(this.o.counterKeys))
        id = h.invoke(p, type, key, { amount: 1 })
        call = this.o.store.update(key, { $append: { ops: [String(id)] }, $increment: { n: 1 } }, this.options.incrementOptions)
        break
      }
      case 'read': {
        const key = registerKey(this.index(this.o.registerKeys))
        id = h.invoke(p, type, key)
        call = this.o.store.findById(key)
        readValue = true
        break
      }
    }
    const token = {}
    return new Promise<void>((resolve) => {
      let settled = false
      let last: unknown
      const finish = (outcome: Outcome, detail: { error?: string; value?: string | null }) => {
        if (settled) return
        settled = true
        this.inFlight.delete(id)
        this.settleWaiters.delete(resolve)
        const cluster = this.options.answers?.clusterOf(token) ?? this.options.activeCluster?.()
        h.complete(id, outcome, { ...detail, ...(cluster === undefined ? {} : { cluster }) })
        resolve()
      }
      // stop() wakes the process when it abandons this operation.
      this.settleWaiters.add(resolve)
      const observer = {
        next: (v: unknown) => (last = v),
        error: (error: unknown) => {
          const c = classifyError(error)
          // The message says which cluster failed how; kept short, it is for diagnosis only.
          const message = error instanceof Error ? error.message.slice(0, 300) : ''
          finish(c.outcome, { error: message === '' || !(error instanceof OjaiError) ? c.error : `${c.error}: ${message}` })
        },
        complete: () => finish('ok', readValue ? { value: readField(last as Document | null | undefined) } : {}),
      }
      const answers = this.options.answers
      const subscription = answers === undefined ? call.subscribe(observer) : answers.starting(token, () => call.subscribe(observer))
      if (!settled) this.inFlight.set(id, { id, subscription })
    })
  }
}

function readField(doc: Document | null | undefined): string | null {
  if (doc === null || doc === undefined) return null
  const v = (doc as { v?: unknown }).v
  return typeof v === 'string' ? v : null
}

/** Reads a cluster's documents into the form the checker compares. */
export async function readClusterState(store: Pick<Store, 'find'>, timeoutMs = 10_000): Promise<ClusterState> {
  const docs = await firstValueFrom(store.find().pipe(toArray(), timeout(timeoutMs)))
  const state = new Map<string, KeyState>()
  for (const doc of docs) {
    const map = doc as Record<string, unknown>
    const id = map._id
    if (typeof id !== 'string') continue
    state.set(id, toKeyState(map))
  }
  return state
}

function toKeyState(doc: Record<string, unknown>): KeyState {
  const out: { value?: string; ops?: string[]; n?: number } = {}
  if (typeof doc.v === 'string') out.value = doc.v
  if (Array.isArray(doc.ops)) out.ops = doc.ops.map((x) => String(x))
  const n = doc.n
  if (typeof n === 'number' || typeof n === 'bigint') out.n = Number(n)
  else if (n !== null && typeof n === 'object' && 'valueOf' in n) out.n = Number(n.valueOf())
  return out
}
