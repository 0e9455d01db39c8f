/**
 * Judges a chaos run from its history and the final state of every cluster after replication
 * has converged. Pure: same input, same verdict.
 *
 * The data schemes make every question decidable:
 * - Writes (idempotent and conditional) store a value unique to the write under `key`
 *   (`{ _id: key, v: value }`). A key is a register: the final value must come from a write that
 *   may have taken effect. Keys written once are the simple case: an acknowledged write must be
 *   there.
 * - Increments append their own operation id to the key's `ops` array in the same atomic
 *   mutation that adds to `n`. `$append` is not idempotent, which is the point: an increment
 *   applied twice leaves its id twice. An acknowledged increment whose id is absent was lost.
 *
 * ## Overtaken writes
 *
 * An acknowledged write W is *overtaken* when a value it should have replaced shows up after W's
 * acknowledgment: the value comes from a write V whose operation ended (was acknowledged) before
 * W was invoked. V then took effect after W, although the caller saw V end before W began: an
 * attempt of V that the client abandoned (a timeout on a slow cluster, then the answer from
 * another) reached a cluster late and won there, and last-writer-wins replication carried it
 * everywhere. Evidence:
 * - the final value of W's key on any cluster (always judged; W also counts as lost);
 * - with {@link CheckOptions.freshReads}, a read invoked after W's acknowledgment that returned
 *   V's value (the overtaking may be undone later by another write, so only such a read shows it).
 *
 * Only an acknowledged write has a known end. A write whose caller saw a timeout or an ambiguous
 * error may still be applied at any later time (held in a black hole, a paused process), so it
 * may legitimately win over anything: it never overtakes. Concurrent writes (V ended after W was
 * invoked) may take effect in either order. When several writes stored the same value, the value
 * is blamed on V only if every one of them ended before W was invoked.
 *
 * ## Stale reads of a client's own writes
 *
 * A read by a client (a workload process) of a document it wrote itself, invoked after that write
 * W was acknowledged, that returned an older version: nothing, or a value only writes ended before
 * W was invoked could have stored (the same test as for an overtaken write, so a concurrent or
 * unacknowledged write's value is never stale). Replicas that lag make such reads possible; a
 * store that routes a document's reads to the cluster that acknowledged its last write avoids
 * them while that cluster can serve. So each is:
 * - *unavoidable* when the cluster that acknowledged W was down (killed, paused, partitioned,
 *   refusing: a downtime span of the history) at some moment of the read;
 * - *avoidable* otherwise, and also when the history does not say which cluster acknowledged W.
 *
 * They are counted, not judged: they do not make a run invalid.
 */
import type { HistorySnapshot, Operation, Switch } from './history.js'
import { summarize, type LatencySummary } from './percentiles.js'

/** What the checker needs from one stored document. */
export interface KeyState {
  /** Register documents: the `v` field. */
  readonly value?: string
  /** Counter documents: the operation ids appended by increments, in stored order. */
  readonly ops?: readonly string[]
  /** Counter documents: the `n` field. */
  readonly n?: number
}

/** One cluster's documents for the run's keys. */
export type ClusterState = ReadonlyMap<string, KeyState>

export interface CheckOptions {
  /** The cluster the client prefers; switches to it count as failbacks. */
  readonly primary: string
  /** The FailoverStore's `timeoutMs`. */
  readonly timeoutMs: number
  /** The FailoverStore's `secondaryTimeoutMs`. */
  readonly secondaryTimeoutMs: number
  /** Slack added to `timeoutMs + secondaryTimeoutMs` before an operation is a hang. Default 1000 ms. */
  readonly hangMarginMs?: number
  /**
   * The FailoverStore's `settleMs`: a write that moved on may wait this long after its answer for
   * the attempt it left behind, so a write's bound is longer by as much. Default 0.
   */
  readonly settleMs?: number
  /**
   * After a span with every cluster down, how long idempotent errors are still excused (the
   * client needs a probe or an attempt to see a cluster come back).
   * Default `timeoutMs + secondaryTimeoutMs`.
   */
  readonly recoveryGraceMs?: number
  /** Time from heal to identical cluster states, measured by the runner; `null` if they never converged. */
  readonly convergenceMs?: number | null
  /**
   * Every read is answered by a copy holding every write acknowledged before the read was
   * invoked (one cluster, or replication that acknowledges only once every copy has the write).
   * Then reads are judged too: one that returns a value overtaken before it began is an
   * overtaken write. Default false: with asynchronous replication a read from a replica may be
   * stale, and a stale read looks exactly like an overtaking one.
   */
  readonly freshReads?: boolean
}

export type Anomaly =
  | { readonly kind: 'lost-write'; readonly opId: number; readonly key: string; readonly cluster: string; readonly detail: string }
  /**
   * Acknowledged write `opId` overtaken by write `byOpId`, which ended before it began (see the
   * module doc). `cluster` is where it shows: the cluster whose final state holds the value, or
   * for a read the cluster recorded with the read. `detail` says which evidence.
   */
  | {
      readonly kind: 'overtaken-write'
      readonly opId: number
      readonly byOpId: number
      readonly key: string
      readonly cluster: string
      readonly detail: string
    }
  /**
   * Read `opId` by the client that wrote `key` returned an older version than its acknowledged
   * write `writeId` (see the module doc). `cluster` acknowledged the write; `avoidable` is false
   * when it was down during the read.
   */
  | {
      readonly kind: 'stale-own-read'
      readonly opId: number
      readonly writeId: number
      readonly key: string
      readonly cluster: string
      readonly avoidable: boolean
      readonly detail: string
    }
  | { readonly kind: 'duplicate-apply'; readonly opId: number; readonly key: string; readonly cluster: string; readonly times: number }
  | { readonly kind: 'unexplained'; readonly key: string; readonly cluster: string; readonly detail: string }
  | { readonly kind: 'counter-mismatch'; readonly key: string; readonly cluster: string; readonly detail: string }
  | { readonly kind: 'divergent'; readonly key: string; readonly detail: string }
  | { readonly kind: 'caller-error'; readonly opId: number; readonly error: string }
  | { readonly kind: 'hang'; readonly opId: number; readonly elapsedMs: number }

export interface PhaseLatency extends LatencySummary {
  readonly name: string
}

export interface CheckResult {
  /** Operations invoked. */
  readonly ops: number
  readonly okOps: number
  readonly failedOps: number
  readonly unknownOps: number
  /** Acknowledged writes or increments whose effect is missing from some cluster. */
  readonly lostWrites: number
  /** The part of {@link lostWrites} that are increments (a shared counter overwritten by a stale copy). */
  readonly lostIncrements: number
  /**
   * Acknowledged writes overtaken by an earlier write (see the module doc). Those seen in a final
   * state are also in {@link lostWrites}; those seen only by a read are not.
   */
  readonly overtakenWrites: number
  /**
   * Reads by a client of a document it wrote that returned an older version than its acknowledged
   * write (see the module doc), while the cluster that acknowledged it was reachable.
   */
  readonly avoidableStaleOwnReads: number
  /** The same while the cluster that acknowledged the write was down: no cluster that could answer had it. */
  readonly unavoidableStaleOwnReads: number
  /** Increments applied more than once on some cluster. */
  readonly duplicateApplies: number
  /** Idempotent operations (idempotent writes, reads) that failed while a cluster was up. */
  readonly callerErrors: number
  /** Operations without an outcome within `timeoutMs + secondaryTimeoutMs + hangMarginMs`. */
  readonly hangs: number
  /** Values or ids no operation of the run could have written; counters whose `n` disagrees with `ops`. */
  readonly unexplained: number
  /** False when cluster states differ. */
  readonly converged: boolean
  readonly convergenceMs: number | null
  readonly failovers: number
  readonly failbacks: number
  /** Over every operation with an outcome. */
  readonly latency: LatencySummary
  readonly phases: readonly PhaseLatency[]
  /** Every anomaly found (capped per kind by {@link MAX_ANOMALIES_PER_KIND}). */
  readonly anomalies: readonly Anomaly[]
  /** True when nothing was lost, overtaken, duplicated, hung, unexplained or divergent and callers saw no error they should not have. */
  readonly valid: boolean
}

export const MAX_ANOMALIES_PER_KIND = 50

export function check(history: HistorySnapshot, clusters: ReadonlyMap<string, ClusterState>, options: CheckOptions): CheckResult {
  const anomalies = new AnomalyList()
  const ops = history.operations

  const lost = new Set<number>()
  const overtaken = new Set<number>()
  const duplicated = new Set<number>()
  let unexplained = 0
  for (const [cluster, state] of clusters) {
    const found = checkCluster(cluster, state, ops, anomalies)
    for (const id of found.lost) lost.add(id)
    for (const id of found.overtaken) overtaken.add(id)
    for (const id of found.duplicated) duplicated.add(id)
    unexplained += found.unexplained
  }
  if (options.freshReads === true) for (const id of findOvertakingReads(ops, anomalies)) overtaken.add(id)
  const staleOwnReads = findStaleOwnReads(history, anomalies)

  const divergent = divergentKeys(clusters)
  for (const [key, detail] of divergent) anomalies.add({ kind: 'divergent', key, detail })

  const callerErrors = findCallerErrors(history, options, anomalies)
  const hangs = findHangs(history, options, anomalies)
  const { failovers, failbacks } = countSwitches(history.switches, options.primary)

  const completed = ops.filter((op) => op.completeMs !== undefined)
  const latencies = completed.map((op) => (op.completeMs as number) - op.invokeMs)
  const result: Omit<CheckResult, 'valid'> = {
    ops: ops.length,
    okOps: ops.filter((op) => op.outcome === 'ok').length,
    failedOps: ops.filter((op) => op.outcome === 'fail').length,
    unknownOps: ops.filter((op) => op.outcome === 'info').length,
    lostWrites: lost.size,
    lostIncrements: ops.filter((op) => op.type === 'increment' && lost.has(op.id)).length,
    overtakenWrites: overtaken.size,
    duplicateApplies: duplicated.size,
    avoidableStaleOwnReads: staleOwnReads.avoidable,
    unavoidableStaleOwnReads: staleOwnReads.unavoidable,
    callerErrors,
    hangs,
    unexplained,
    converged: divergent.size === 0,
    convergenceMs: options.convergenceMs === undefined ? null : options.convergenceMs,
    failovers,
    failbacks,
    latency: summarize(latencies),
    phases: phaseLatencies(history, completed),
    anomalies: anomalies.list,
  }
  return {
    ...result,
    valid:
      result.lostWrites === 0 &&
      result.overtakenWrites === 0 &&
      result.duplicateApplies === 0 &&
      result.callerErrors === 0 &&
      result.hangs === 0 &&
      result.unexplained === 0 &&
      result.converged,
  }
}

class AnomalyList {
  readonly list: Anomaly[] = []
  private readonly perKind = new Map<string, number>()
  add(anomaly: Anomaly): void {
    const n = this.perKind.get(anomaly.kind) ?? 0
    this.perKind.set(anomaly.kind, n + 1)
    if (n < MAX_ANOMALIES_PER_KIND) this.list.push(anomaly)
  }
}

function isWrite(op: Operation): boolean {
  return op.type === 'write-idempotent' || op.type === 'write-conditional'
}

function groupByKey(ops: readonly Operation[], predicate: (op: Operation) => boolean): Map<string, Operation[]> {
  const groups = new Map<string, Operation[]>()
  for (const op of ops) {
    if (!predicate(op)) continue
    const list = groups.get(op.key)
    if (list === undefined) groups.set(op.key, [op])
    else list.push(op)
  }
  return groups
}

/**
 * When an operation is known to have ended: its acknowledgment. A write without one (failed
 * ambiguously, timed out, still pending) may take effect at any later time.
 */
function knownEnd(op: Operation): number {
  return op.outcome === 'ok' ? (op.completeMs ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY
}

/**
 * The write that overtook acknowledged write `w`, when a value seen after `w`'s acknowledgment
 * can only have come from writes that ended before `w` was invoked. `sources` are the writes
 * that stored that value; the one that ended last is named. Undefined when any source may have
 * taken effect after `w` (concurrent, later or unacknowledged, or `w` itself).
 */
function overtakingWrite(w: Operation, sources: readonly Operation[]): Operation | undefined {
  let latest: Operation | undefined
  for (const source of sources) {
    if (knownEnd(source) >= w.invokeMs) return undefined
    if (latest === undefined || knownEnd(source) > knownEnd(latest)) latest = source
  }
  return latest
}

function checkCluster(
  cluster: string,
  state: ClusterState,
  ops: readonly Operation[],
  anomalies: AnomalyList,
): { lost: number[]; overtaken: number[]; duplicated: number[]; unexplained: number } {
  const lost: number[] = []
  const overtaken: number[] = []
  const duplicated: number[] = []
  let unexplained = 0

  for (const [key, writes] of groupByKey(ops, isWrite)) {
    const acked = writes.filter((w) => w.outcome === 'ok')
    if (acked.length === 0) continue
    const finalValue = state.get(key)?.value
    if (finalValue === undefined) {
      for (const w of acked) {
        lost.push(w.id)
        anomalies.add({ kind: 'lost-write', opId: w.id, key, cluster, detail: 'key missing' })
      }
      continue
    }
    // Values are unique per write in the workload, so the final value names the write that won
    // (or the writes, when a history repeats a value).
    const sources = writes.filter((w) => w.value === finalValue)
    if (sources.length === 0) {
      unexplained++
      anomalies.add({ kind: 'unexplained', key, cluster, detail: `value ${JSON.stringify(finalValue)} written by no operation` })
      continue
    }
    for (const w of acked) {
      const by = overtakingWrite(w, sources)
      if (by === undefined) continue
      lost.push(w.id)
      overtaken.push(w.id)
      anomalies.add({
        kind: 'overtaken-write',
        opId: w.id,
        byOpId: by.id,
        key,
        cluster,
        detail: `final value written by ${by.id}, which ended before ${w.id} began`,
      })
    }
  }

  const increments = groupByKey(ops, (op) => op.type === 'increment')
  for (const [key, incs] of increments) {
    const stored = state.get(key)?.ops ?? []
    const seen = new Map<string, number>()
    for (const id of stored) seen.set(id, (seen.get(id) ?? 0) + 1)
    const known = new Set(incs.map((op) => String(op.id)))
    for (const op of incs) {
      const times = seen.get(String(op.id)) ?? 0
      if (times > 1) {
        duplicated.push(op.id)
        anomalies.add({ kind: 'duplicate-apply', opId: op.id, key, cluster, times })
      }
      if (times === 0 && op.outcome === 'ok') {
        lost.push(op.id)
        anomalies.add({ kind: 'lost-write', opId: op.id, key, cluster, detail: 'increment missing' })
      }
    }
    for (const id of seen.keys()) {
      if (!known.has(id)) {
        unexplained++
        anomalies.add({ kind: 'unexplained', key, cluster, detail: `op id ${id} applied by no increment on this key` })
      }
    }
    const n = state.get(key)?.n
    if (n !== undefined && n !== stored.length) {
      unexplained++
      anomalies.add({ kind: 'counter-mismatch', key, cluster, detail: `n = ${n} but ${stored.length} ids` })
    }
  }
  return { lost, overtaken, duplicated, unexplained }
}

/**
 * Reads that saw an overtaken write (only sound with fresh reads, see
 * {@link CheckOptions.freshReads}): a read invoked after an acknowledged write W that returned a
 * value only writes ended before W began could have stored. Returns the overtaken writes' ids.
 */
function findOvertakingReads(ops: readonly Operation[], anomalies: AnomalyList): Set<number> {
  const overtaken = new Set<number>()
  const writesByKey = groupByKey(ops, isWrite)
  for (const read of ops) {
    if (read.type !== 'read' || read.outcome !== 'ok' || typeof read.value !== 'string') continue
    const writes = writesByKey.get(read.key) ?? []
    const sources = writes.filter((w) => w.value === read.value)
    if (sources.length === 0) continue
    for (const w of writes) {
      if (w.outcome !== 'ok' || knownEnd(w) >= read.invokeMs) continue
      const by = overtakingWrite(w, sources)
      if (by === undefined) continue
      overtaken.add(w.id)
      anomalies.add({
        kind: 'overtaken-write',
        opId: w.id,
        byOpId: by.id,
        key: read.key,
        cluster: read.cluster ?? 'unknown',
        detail: `read ${read.id}, invoked after ${w.id} was acknowledged, returned the value of ${by.id}, which ended before ${w.id} began`,
      })
    }
  }
  return overtaken
}

/**
 * Stale reads of a client's own writes (see the module doc): for each read, the last write of the
 * same document by the same process acknowledged before the read was invoked, and whether the
 * read returned an older version; split by whether the acknowledging cluster was down meanwhile.
 */
function findStaleOwnReads(history: HistorySnapshot, anomalies: AnomalyList): { avoidable: number; unavoidable: number } {
  const ops = history.operations
  const writesByKey = groupByKey(ops, isWrite)
  let avoidable = 0
  let unavoidable = 0
  for (const read of ops) {
    if (read.type !== 'read' || read.outcome !== 'ok' || read.value === undefined) continue
    const writes = writesByKey.get(read.key) ?? []
    let own: Operation | undefined
    for (const w of writes) {
      if (w.process !== read.process || knownEnd(w) >= read.invokeMs) continue
      if (own === undefined || knownEnd(w) > knownEnd(own)) own = w
    }
    if (own === undefined || read.value === own.value) continue
    if (read.value !== null) {
      const sources = writes.filter((w) => w.value === read.value)
      // A value no write stored is the final-state check's business (unexplained), not a version.
      if (sources.length === 0 || overtakingWrite(own, sources) === undefined) continue
    }
    const acknowledgedBy = own.cluster
    const end = read.completeMs ?? history.endMs
    const down =
      acknowledgedBy !== undefined &&
      history.downtime.some((d) => d.cluster === acknowledgedBy && d.fromMs <= end && read.invokeMs < (d.toMs ?? history.endMs))
    if (down) unavoidable++
    else avoidable++
    const lastSwitch = history.switches.filter((w) => w.atMs <= read.invokeMs).at(-1)
    const since = lastSwitch === undefined ? '' : `; ${Math.round(read.invokeMs - lastSwitch.atMs)} ms after the switch to ${lastSwitch.to}`
    anomalies.add({
      kind: 'stale-own-read',
      opId: read.id,
      writeId: own.id,
      key: read.key,
      cluster: acknowledgedBy ?? 'unknown',
      avoidable: !down,
      detail: `read ${read.id} by client ${read.process}${read.cluster === undefined ? '' : ` on ${read.cluster}`} returned ${read.value === null ? 'nothing' : JSON.stringify(read.value)}, older than its write ${own.id} (${JSON.stringify(own.value)}) acknowledged by ${acknowledgedBy ?? 'an unrecorded cluster'}${down ? ', which was down' : ''}${since}`,
    })
  }
  return { avoidable, unavoidable }
}

function sameState(a: KeyState | undefined, b: KeyState | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  if (a.value !== b.value || a.n !== b.n) return false
  const ao = a.ops ?? []
  const bo = b.ops ?? []
  return ao.length === bo.length && ao.every((id, i) => id === bo[i])
}

/** Keys whose state is not the same on every cluster, with a short description. */
export function divergentKeys(clusters: ReadonlyMap<string, ClusterState>): Map<string, string> {
  const states = [...clusters.entries()]
  const keys = new Set<string>()
  for (const [, state] of states) for (const key of state.keys()) keys.add(key)
  const out = new Map<string, string>()
  for (const key of keys) {
    const first = states[0]
    if (first === undefined) break
    for (const [cluster, state] of states.slice(1)) {
      if (!sameState(first[1].get(key), state.get(key))) {
        out.set(key, `${first[0]} and ${cluster} differ`)
        break
      }
    }
  }
  return out
}

/** Spans with every cluster down at once. */
export function allDownSpans(history: HistorySnapshot, clusters: readonly string[]): { fromMs: number; toMs: number }[] {
  if (clusters.length === 0) return []
  const points = new Set<number>()
  for (const d of history.downtime) {
    points.add(d.fromMs)
    points.add(d.toMs ?? history.endMs)
  }
  const sorted = [...points].sort((a, b) => a - b)
  const spans: { fromMs: number; toMs: number }[] = []
  for (let i = 0; i + 1 < sorted.length; i++) {
    const from = sorted[i] as number
    const to = sorted[i + 1] as number
    const mid = (from + to) / 2
    const allDown = clusters.every((c) =>
      history.downtime.some((d) => d.cluster === c && d.fromMs <= mid && mid < (d.toMs ?? history.endMs)),
    )
    if (!allDown) continue
    const last = spans[spans.length - 1]
    if (last !== undefined && last.toMs === from) last.toMs = to
    else spans.push({ fromMs: from, toMs: to })
  }
  return spans
}

function clustersOf(history: HistorySnapshot, options: CheckOptions): string[] {
  const names = new Set<string>([options.primary])
  for (const d of history.downtime) names.add(d.cluster)
  for (const s of history.switches) {
    names.add(s.from)
    names.add(s.to)
  }
  for (const op of history.operations) if (op.cluster !== undefined) names.add(op.cluster)
  return [...names]
}

function findCallerErrors(history: HistorySnapshot, options: CheckOptions, anomalies: AnomalyList): number {
  const grace = options.recoveryGraceMs ?? options.timeoutMs + options.secondaryTimeoutMs
  const spans = allDownSpans(history, clustersOf(history, options))
  let count = 0
  for (const op of history.operations) {
    if (op.type !== 'write-idempotent' && op.type !== 'read') continue
    if (op.outcome !== 'fail' && op.outcome !== 'info') continue
    // Applied by a cluster that could serve; the error says an earlier attempt was still pending
    // (the write-settle guarantee), not that no cluster served it. Or not sent because an earlier
    // write of the same document may still land (the write fence): a refusal for safety.
    if (op.error?.startsWith('UNSETTLED_WRITE') === true || op.error?.startsWith('PENDING_WRITE') === true) continue
    const end = op.completeMs ?? history.endMs
    const excused = spans.some((s) => op.invokeMs <= s.toMs + grace && end >= s.fromMs)
    if (excused) continue
    count++
    anomalies.add({ kind: 'caller-error', opId: op.id, error: op.error ?? op.outcome })
  }
  return count
}

/** Time of `spans` inside [fromMs, toMs]. */
function overlapMs(spans: HistorySnapshot['stalls'], fromMs: number, toMs: number): number {
  let total = 0
  for (const s of spans) total += Math.max(0, Math.min(toMs, s.toMs) - Math.max(fromMs, s.fromMs))
  return total
}

function findHangs(history: HistorySnapshot, options: CheckOptions, anomalies: AnomalyList): number {
  const bound = options.timeoutMs + options.secondaryTimeoutMs + (options.hangMarginMs ?? 1000)
  let count = 0
  for (const op of history.operations) {
    // A pending operation is judged by its age at the end of the run; one younger than the
    // bound is given the benefit of the doubt. The FailoverStore's limits run on time the client
    // could run: time it was stalled (reported by stall events) does not count against the bound.
    const end = op.completeMs ?? history.endMs
    const elapsed = end - op.invokeMs - overlapMs(history.stalls, op.invokeMs, end)
    if (elapsed > bound + (isWrite(op) ? (options.settleMs ?? 0) : 0)) {
      count++
      anomalies.add({ kind: 'hang', opId: op.id, elapsedMs: elapsed })
    }
  }
  return count
}

function countSwitches(switches: readonly Switch[], primary: string): { failovers: number; failbacks: number } {
  let failovers = 0
  let failbacks = 0
  for (const s of switches) {
    if (s.from === s.to) continue
    if (s.to === primary) failbacks++
    else if (s.from === primary) failovers++
    else failovers++
  }
  return { failovers, failbacks }
}

function phaseLatencies(history: HistorySnapshot, completed: readonly Operation[]): PhaseLatency[] {
  const phases = [...history.phases].sort((a, b) => a.startMs - b.startMs)
  if (phases.length === 0) return []
  const samples = phases.map(() => [] as number[])
  for (const op of completed) {
    let index = -1
    for (let i = 0; i < phases.length; i++) if ((phases[i] as { startMs: number }).startMs <= op.invokeMs) index = i
    if (index < 0) continue
    samples[index]?.push((op.completeMs as number) - op.invokeMs)
  }
  return phases.map((p, i) => ({ name: p.name, ...summarize(samples[i] ?? []) }))
}
