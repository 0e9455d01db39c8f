/**
 * The write guarantee when a connection fails after a request may have been sent: four cases, each
 * against real gateway processes that replicate to each other, the primary A reached through its
 * fault proxy, and a FailoverStore from connectFailover (public API only).
 *
 * In every case a caller writes one document twice, the second write after the first one's
 * outcome: `v1`, then `insertOrReplace {v: 'v2'}` (at once, or as UnsettledWriteError advises: see
 * {@link WriteGuaranteeCaller}). A's gateway (or A's whole process) holds v1 while the client's
 * connection to A fails, so v1 lands on A after the connection is gone. Once both replicas have
 * converged, the document must hold the last acknowledged value: an acknowledged write overwritten
 * by an earlier one is lost. A write may instead end with UnsettledWriteError naming A as pending;
 * any other error is reported as unexpected.
 *
 * | case                | v1                     | what happens to A                                                         |
 * |---------------------|------------------------|---------------------------------------------------------------------------|
 * | `reset-held-write`  | insertOrReplace v1     | A's gateway holds it 1.2 s; the proxy resets the client side once it arrived, keeping its own connection to A |
 * | `reset-held-delete` | delete                 | the same                                                                  |
 * | `reset-straggler`   | insertOrReplace v1     | `timeoutMs` 200, A holds it 1.5 s: it times out and moves to B; at 500 ms the proxy resets the client side of the attempt left on A |
 * | `frozen-keepalive`  | insertOrReplace v1     | A's process is SIGSTOPped; `settleMs` 8 000, keepalive 1 000 / 1 000 ms closes the connection; SIGCONT after v2's outcome (or, for a caller waiting for A, before v2) |
 *
 * In `frozen-keepalive` the proxy holds (black hole) what the client sends after v1 reached A's
 * socket buffer: the keepalive PING, which a frozen A would not answer anyway, and the close, as a
 * network would that has not delivered it yet when A thaws; it passes them on once A has had time
 * to apply v1. Without that hold, whether A applies v1 after SIGCONT is a race inside the gateway,
 * which does not apply a write whose call it already knows cancelled (about half the runs).
 *
 * Timings are bounds only: nothing here passes or fails on speed.
 */
import { first, firstValueFrom, lastValueFrom, timeout, type Observable } from 'rxjs'
import { connectFailover, type ConnectFailoverOptions } from '../connect-failover.js'
import { PendingWriteError, UnsettledWriteError } from '../failover/errors.js'
import { GatewayControlClient } from '../gateway/control-client.js'
import type { RpcName } from '../gateway/faults.js'
import { OjaiError } from '../ojai/errors.js'
import { messageOf } from '../ojai/message-of.js'
import type { ClusterHarness, GatewayNode } from './cluster.js'
import { awaitConvergence, createTableEverywhere } from './runner.js'

export const WRITE_GUARANTEE_CASES = ['reset-held-write', 'reset-held-delete', 'reset-straggler', 'frozen-keepalive'] as const
export type WriteGuaranteeCase = (typeof WRITE_GUARANTEE_CASES)[number]

/** What one write of the caller ended with. */
export interface WriteOutcome {
  /** e.g. `insertOrReplace v1`, `delete`. */
  readonly label: string
  /** The value the write sets (`null`: it deletes the document). */
  readonly value: string | null
  readonly acknowledged: boolean
  /** The error's `code` (an OjaiError) or name; undefined when acknowledged. */
  readonly code?: string
  readonly error?: unknown
  /** When it ended, in ms since v1 started. */
  readonly endedAtMs: number
}

export interface WriteGuaranteeResult {
  readonly case: WriteGuaranteeCase
  /** v1, then v2 (the seeded v0 is not counted). */
  readonly writes: readonly WriteOutcome[]
  /** Whether both replicas held the same document within the bound. */
  readonly converged: boolean
  /** The value on each replica at the end, by cluster name (`null`: no document). */
  readonly final: Readonly<Record<string, string | null>>
  /** The value of the last acknowledged write (v0 when neither was). */
  readonly lastAcknowledged: string | null
  /** Acknowledged writes overwritten by an earlier write, on the replica where most were. */
  readonly lost: number
  /** Errors the guarantee does not explain: anything but UnsettledWriteError naming A as pending. */
  readonly unexpectedErrors: readonly string[]
  /** What happened when, in ms since v1 started: for failure messages and the experiment's log. */
  readonly timeline: readonly string[]
}

/**
 * What the caller does after v1's outcome.
 * - `at-once`: writes v2 at once, whatever v1 ended with.
 * - `documented`: follows UnsettledWriteError's advice when v1 ends with it: before writing a
 *   different value, waits until every pending cluster answers again (`health$` shows it `up`),
 *   reads the document back, then writes v2. After an acknowledgment it writes v2 at once.
 */
export type WriteGuaranteeCaller = 'at-once' | 'documented'

export interface WriteGuaranteeOptions {
  /** Default `at-once`. */
  readonly caller?: WriteGuaranteeCaller
  /** The FailoverStore's hold after a switch (`hold.holdsMs[0]`), which delays the probes that bring A back `up`. Default: the store's default. */
  readonly holdMs?: number
  /** The document written. Default `w`. */
  readonly key?: string
  /** Bound on each write's outcome. Default 30 000 ms. */
  readonly writeBoundMs?: number
  /** Bound on the replicas' convergence after A has applied v1. Default 30 000 ms. */
  readonly convergeBoundMs?: number
}

/** How long A's gateway holds v1 (the latency fault) in the reset cases. */
const HOLD_MS: Record<Exclude<WriteGuaranteeCase, 'frozen-keepalive'>, number> = {
  'reset-held-write': 1200,
  'reset-held-delete': 1200,
  'reset-straggler': 1500,
}
/** When the straggler's connection is reset, after v1 started. */
const STRAGGLER_RESET_AT_MS = 500
/** After the proxy started forwarding v1 to the frozen A, the time allowed for the rest of its bytes. */
const FORWARD_SETTLE_MS = 50
/** After A took v1 off its socket, the time allowed for its write and the shipment to B to start. */
const APPLY_MARGIN_MS = 1000
const ARRIVAL_BOUND_MS = 10_000
/** Bound on a `documented` caller's wait for the pending cluster to be up: the store's default hold (20 s) before its probes, and slack. */
const UP_BOUND_MS = 90_000

let tables = 0

/**
 * Runs one case on a running two-cluster harness (`A` primary, `B`), on a fresh table. Leaves the
 * harness as it found it: faults cleared, A's proxy passing, A running.
 */
export async function runWriteGuaranteeCase(
  harness: ClusterHarness,
  kase: WriteGuaranteeCase,
  options: WriteGuaranteeOptions = {},
): Promise<WriteGuaranteeResult> {
  const a = harness.node('A')
  const b = harness.node('B')
  const key = options.key ?? 'w'
  const writeBoundMs = options.writeBoundMs ?? 30_000
  const path = `/write-guarantee/${kase}-${process.pid}-${++tables}`
  await createTableEverywhere(harness.nodes, path)

  const control = new GatewayControlClient(address(a), { timeoutMs: 5000 })
  const store = connectFailover({
    clusters: [
      { name: 'A', connectionString: a.connectionString },
      { name: 'B', connectionString: b.connectionString },
    ],
    table: path,
    ...storeOptions(kase),
    ...(options.holdMs === undefined ? {} : { hold: { holdsMs: [options.holdMs] } }),
  })
  const timeline: string[] = []
  let started = performance.now()
  const at = () => Math.round(performance.now() - started)
  const note = (line: string) => timeline.push(`+${at()} ms ${line}`)
  store.events$.subscribe((e) => {
    if (e.type !== 'stall') note(`event ${e.type} ${'cluster' in e ? e.cluster : ''}${'to' in e ? ` -> ${e.to}` : ''}`)
  })

  try {
    // v0, acknowledged by A on a warm connection and replicated to B before any fault.
    await firstValueFrom(store.insertOrReplace({ _id: key, v: 'v0' }).pipe(timeout(writeBoundMs)), { defaultValue: undefined })
    const seeded = await awaitConvergence(harness.nodes, path, options.convergeBoundMs ?? 30_000, (states) =>
      [...states.values()].every((s) => s.get(key)?.value === 'v0'),
    )
    if (seeded.convergenceMs === null) throw new Error(`${kase}: the seeded v0 did not reach both replicas`)

    const rpc: RpcName = kase === 'reset-held-delete' ? 'Delete' : 'InsertOrReplace'
    const before = (await control.stats()).requests[rpc]
    const arrived = () => control.stats().then((s) => s.requests[rpc] > before)
    if (kase !== 'frozen-keepalive') await control.setFault(rpc, { type: 'latency', ms: HOLD_MS[kase], times: 1 })
    const sentToA = a.clientProxy.stats().bytesUpstream
    started = performance.now()
    if (kase === 'frozen-keepalive') {
      a.pause()
      note('A SIGSTOP')
    }
    const v1Sent =
      kase === 'reset-held-delete'
        ? write(store.delete(key), 'delete', null)
        : write(store.insertOrReplace({ _id: key, v: 'v1' }), 'insertOrReplace v1', 'v1')
    let arrivedAt = Number.NaN
    if (kase === 'frozen-keepalive') {
      await poll(async () => a.clientProxy.stats().bytesUpstream > sentToA, ARRIVAL_BOUND_MS, `${kase}: v1 forwarded to A`)
      await sleep(FORWARD_SETTLE_MS)
      await a.clientProxy.blackhole()
      note("v1 in A's socket buffer; A's proxy holds what follows (the keepalive PING, the close)")
    } else {
      await poll(arrived, ARRIVAL_BOUND_MS, `${kase}: v1 reaching A`)
      arrivedAt = performance.now()
      note(`v1 reached A, held ${HOLD_MS[kase]} ms`)
      if (kase === 'reset-straggler') await sleep(STRAGGLER_RESET_AT_MS - at())
      await a.clientProxy.resetClient()
      note("A's proxy reset the client side, kept its connection to A")
    }
    /** SIGCONT; once A has taken v1 off its socket and had time to apply it, the proxy delivers what it held (the close). */
    const thaw = async (): Promise<void> => {
      a.resume()
      note('A SIGCONT')
      await poll(arrived, ARRIVAL_BOUND_MS, `${kase}: A reading v1 after SIGCONT`).then(
        () => note('A took v1 off its socket'),
        () => note(`A did not take v1 off its socket within ${ARRIVAL_BOUND_MS} ms`),
      )
      await sleep(APPLY_MARGIN_MS)
      await a.clientProxy.pass()
    }
    const v1 = await outcome(v1Sent, writeBoundMs, at)
    note(`v1 ${describe(v1)}`)
    const pending = pendingOf(v1.error)
    if ((options.caller ?? 'at-once') === 'documented' && pending.length > 0) {
      // The freeze ends while the caller waits (it would wait for ever otherwise).
      if (a.state === 'paused') await thaw()
      await firstValueFrom(
        store.health$.pipe(
          first((view) => pending.every((name) => view.some((h) => h.name === name && h.state === 'up'))),
          timeout(UP_BOUND_MS),
        ),
      )
      note(`${pending.join(', ')} up again`)
      const back = await firstValueFrom(store.findById(key).pipe(timeout(writeBoundMs)))
      note(`read back ${JSON.stringify(back?.v ?? null)}`)
    }
    const v2 = await outcome(write(store.insertOrReplace({ _id: key, v: 'v2' }), 'insertOrReplace v2', 'v2'), writeBoundMs, at)
    note(`v2 ${describe(v2)}`)

    // Let A apply v1, which is still on its way, before looking at the replicas.
    if (kase === 'frozen-keepalive') {
      if (a.state === 'paused') await thaw()
    } else {
      await sleep(arrivedAt + HOLD_MS[kase] + APPLY_MARGIN_MS - performance.now())
    }
    const converged = await awaitConvergence(harness.nodes, path, options.convergeBoundMs ?? 30_000)
    const final: Record<string, string | null> = {}
    for (const node of harness.nodes) final[node.name] = converged.states.get(node.name)?.get(key)?.value ?? null
    note(`replicas ${converged.convergenceMs === null ? 'diverged' : 'converged'}: ${JSON.stringify(final)}`)

    const writes = [v1, v2]
    return {
      case: kase,
      writes,
      converged: converged.convergenceMs !== null,
      final,
      lastAcknowledged: [...writes].reverse().find((w) => w.acknowledged)?.value ?? 'v0',
      lost: Math.max(...Object.values(final).map((value) => lostWrites(writes, value))),
      unexpectedErrors: writes
        .filter((w) => !w.acknowledged && !pendingOnA(w.error))
        .map((w) => `${w.label}: ${w.code ?? ''} ${messageOf(w.error)}`),
      timeline,
    }
  } finally {
    if (a.state === 'paused') a.resume()
    await store.close({ graceMs: 0 })
    await control.clearFaults().catch(() => undefined)
    control.close()
    await a.clientProxy.pass()
  }
}

function storeOptions(kase: WriteGuaranteeCase): Omit<ConnectFailoverOptions, 'clusters' | 'table'> {
  switch (kase) {
    case 'reset-held-write':
    case 'reset-held-delete':
      // Longer than the hold: only the reset can end v1's attempt on A.
      return { timeoutMs: 5000 }
    case 'reset-straggler':
      return { timeoutMs: 200 }
    case 'frozen-keepalive':
      return { settleMs: 8000, connectOptions: { channelOptions: { 'grpc.keepalive_time_ms': 1000, 'grpc.keepalive_timeout_ms': 1000 } } }
  }
}

/**
 * Acknowledged writes that the replica's `value` shows overwritten by an earlier write: those after
 * the write whose value it holds (all of them when it holds none: v0, or something else).
 */
export function lostWrites(writes: readonly Pick<WriteOutcome, 'value' | 'acknowledged'>[], value: string | null): number {
  let survivor = -1
  writes.forEach((w, i) => {
    if (w.value === value) survivor = i
  })
  return acknowledgedAfter(writes, survivor)
}

/** Acknowledged writes of one caller, in order, that come after the `survivor`-th (-1: none survived). */
export function acknowledgedAfter(writes: readonly Pick<WriteOutcome, 'acknowledged'>[], survivor: number): number {
  return writes.filter((w, i) => w.acknowledged && i > survivor).length
}

/** The clusters an UnsettledWriteError names as pending; none for anything else. */
function pendingOf(error: unknown): readonly string[] {
  return error instanceof UnsettledWriteError || error instanceof PendingWriteError ? error.pending : []
}

/**
 * The errors the guarantee allows: not acknowledged because an attempt on A may still land
 * (UnsettledWriteError), or not sent because an earlier write's attempt on A may (PendingWriteError).
 */
function pendingOnA(error: unknown): boolean {
  return pendingOf(error).includes('A')
}

function address(node: GatewayNode): string {
  return node.directConnectionString.replace(/\?.*$/, '')
}

type Pending = Promise<Omit<WriteOutcome, 'endedAtMs'>>

/** Starts a write now; never rejects. */
function write(source: Observable<void>, label: string, value: string | null): Pending {
  return lastValueFrom(source, { defaultValue: undefined }).then(
    () => ({ label, value, acknowledged: true }),
    (error: unknown) => ({
      label,
      value,
      acknowledged: false,
      error,
      code: error instanceof OjaiError ? error.code : error instanceof Error ? error.name : typeof error,
    }),
  )
}

async function outcome(pending: Pending, boundMs: number, at: () => number): Promise<WriteOutcome> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`a write had no outcome within ${boundMs} ms`)), boundMs)),
  )
  try {
    return { ...(await Promise.race([pending, bound])), endedAtMs: at() }
  } finally {
    clearTimeout(timer)
  }
}

function describe(w: WriteOutcome): string {
  return w.acknowledged ? 'acknowledged' : `failed ${w.code ?? ''}: ${messageOf(w.error)}`
}

async function poll(condition: () => Promise<boolean>, boundMs: number, what: string): Promise<void> {
  const deadline = performance.now() + boundMs
  while (!(await condition().catch(() => false))) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${boundMs} ms`)
    await sleep(10)
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
}
