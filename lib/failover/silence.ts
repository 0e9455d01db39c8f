/**
 * Suspicion from evidence: a cluster that has requests outstanding and has answered none of them
 * for longer than its own answer latency explains is *silent*, within milliseconds, long before
 * any operation's `timeoutMs` runs out.
 *
 * For each cluster the watch keeps:
 * - its answer latency, learned from answered attempts on the runnable clock (the client's own
 *   stalls excluded, as for every limit), as a smoothed mean and mean deviation
 *   (`srtt + 4 * rttvar`, the retransmission-timeout estimator of RFC 6298);
 * - the attempts sent to it since it was last *heard* (an answer: a value, a completion, a
 *   semantic error, a find's next document, a probe's success) that are still outstanding, and
 *   when the first of them went out. Attempts sent before the last answer are excused: the
 *   cluster has shown it is alive since, and their lateness is its queue's or its tail's.
 *
 * At each heartbeat of the timekeeper (every `stall.tickMs`, on time only: a late beat first lets
 * the event loop read the answers waiting in the socket) a cluster is found silent when attempts
 * sent since it was last heard are outstanding, and the first of them went out longer ago than
 * its threshold:
 *
 * ```
 * threshold = clamp(srtt + 4 * rttvar, floorMs, ceilingMs), once minSamples answers are learned
 * ```
 *
 * With fewer answers learned, nothing explains its latency yet and the watch says nothing: a
 * store that starts against a dead cluster fails over on `timeoutMs`, as before.
 *
 * ```
 * answers on c1  -a-a-a-a-a-a                      (srtt 2, rttvar 1: threshold max(6, floor 15) = 15)
 * requests on c1 -r-r-r-r-r-r-r-r-r-r-r-r          c1 black-holed at 12: nothing answers after it
 * beats          ----------|---------|---------|
 * health(c1)     up----------------------silent    silent at the first beat after 12 + 15 (at 30)
 * ```
 *
 * What suspicion does (failover-store.ts, steps/attempt.ts, routing.ts): the cluster's health
 * becomes `silent` and a `silent` event is emitted; new operations start elsewhere while a cluster
 * is up and not held; reads in flight on it move on at once (no hedge budget is spent: silence is
 * not slowness); writes in flight keep their attempts (settle.ts). The active cluster does not
 * change: that still takes a timeout or an error. The prober probes a silent cluster at once; the
 * first answer from it, a probe's or an operation's, ends the suspicion (`heard` event).
 *
 * Per attempt this costs two counter updates and, on an answer, one estimator update: no timer,
 * no allocation.
 */

/**
 * When a cluster counts as silent (see the module doc of silence.ts). `false` turns suspicion off:
 * only `timeoutMs` and errors move operations.
 * @category Failover
 */
export interface SilenceOptions {
  /**
   * Never suspect a cluster heard from less than this long ago, ms. Default 15: about twice a
   * healthy gateway's p99 on a loaded machine, so the gateway's own short pauses (a GC, a flush)
   * do not count. The client's pauses never do: the check runs only on a heartbeat that came on
   * time, after the event loop read the sockets.
   */
  readonly floorMs?: number
  /**
   * Always suspect a cluster not heard from for this long with requests outstanding, however slow
   * it usually is, ms. Default 250: half the default `timeoutMs`.
   */
  readonly ceilingMs?: number
  /** Answers to learn from before a cluster can be suspected. Default 16. */
  readonly minSamples?: number
}

/** @category Internals */
export const DEFAULT_SILENCE: Required<SilenceOptions> = Object.freeze({ floorMs: 15, ceilingMs: 250, minSamples: 16 })

/** What the watch found: `cluster` has `outstanding` attempts sent since it was last heard, the first `silentMs` ago (over `thresholdMs`). */
export interface Silence {
  readonly cluster: number
  readonly silentMs: number
  readonly thresholdMs: number
  readonly outstanding: number
}

export class SilenceWatch {
  /** Per cluster: answers heard so far; an attempt remembers the count it was sent under. */
  private readonly epoch: Int32Array
  /** Attempts sent since the last answer and still outstanding. */
  private readonly unexcused: Int32Array
  /** Runnable time the first of them went out. */
  private readonly since: Float64Array
  private readonly srtt: Float64Array
  private readonly rttvar: Float64Array
  private readonly samples: Int32Array

  constructor(
    clusters: number,
    private readonly options: Required<SilenceOptions> | false,
    /** Asked at each beat about a cluster past its threshold; false when it is not up (already suspect, or worse). */
    private readonly isUp: (cluster: number) => boolean,
    private readonly onSilent: (silence: Silence) => void,
  ) {
    this.epoch = new Int32Array(clusters)
    this.unexcused = new Int32Array(clusters)
    this.since = new Float64Array(clusters)
    this.srtt = new Float64Array(clusters)
    this.rttvar = new Float64Array(clusters)
    this.samples = new Int32Array(clusters)
  }

  /** An attempt went out to `cluster` at runnable time `now`; returns its epoch, for {@link ended}. */
  sent(cluster: number, now: number): number {
    const unexcused = this.unexcused[cluster] as number
    this.unexcused[cluster] = unexcused + 1
    if (unexcused === 0) this.since[cluster] = now
    return this.epoch[cluster] as number
  }

  /** An attempt on `cluster` sent in `epoch` ended, however it ended. */
  ended(cluster: number, epoch: number): void {
    if (epoch === this.epoch[cluster]) this.unexcused[cluster] = (this.unexcused[cluster] as number) - 1
  }

  /**
   * `cluster` answered at runnable time `now`: every attempt outstanding on it is excused.
   * `latencyMs` is the attempt's time to its first answer, or -1 when there is none to learn (a
   * later document of a stream, a probe).
   */
  heard(cluster: number, now: number, latencyMs: number): void {
    this.epoch[cluster] = ((this.epoch[cluster] as number) + 1) | 0
    this.unexcused[cluster] = 0
    this.since[cluster] = now
    if (latencyMs < 0) return
    const n = this.samples[cluster] as number
    if (n === 0) {
      this.srtt[cluster] = latencyMs
      this.rttvar[cluster] = latencyMs / 2
    } else {
      const srtt = this.srtt[cluster] as number
      this.rttvar[cluster] = (this.rttvar[cluster] as number) * 0.75 + Math.abs(latencyMs - srtt) * 0.25
      this.srtt[cluster] = srtt * 0.875 + latencyMs * 0.125
    }
    if (n < 0x7fffffff) this.samples[cluster] = n + 1
  }

  /** How long `cluster` may stay unheard with requests outstanding before it is silent; Infinity while its latency is not learned. */
  thresholdOf(cluster: number): number {
    const o = this.options
    if (o === false || (this.samples[cluster] as number) < o.minSamples) return Infinity
    const explained = (this.srtt[cluster] as number) + 4 * (this.rttvar[cluster] as number)
    return Math.min(o.ceilingMs, Math.max(o.floorMs, Math.ceil(explained)))
  }

  /** The heartbeat's check, at runnable time `now`. */
  check(now: number): void {
    if (this.options === false) return
    const n = this.unexcused.length
    for (let c = 0; c < n; c++) {
      const outstanding = this.unexcused[c] as number
      if (outstanding === 0) continue
      const silentMs = now - (this.since[c] as number)
      const thresholdMs = this.thresholdOf(c)
      if (silentMs > thresholdMs && this.isUp(c)) this.onSilent({ cluster: c, silentMs, thresholdMs, outstanding })
    }
  }
}
