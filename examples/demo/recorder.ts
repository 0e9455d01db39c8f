/**
 * Watches a FailoverStore while the workload runs: turns `cluster$` into spans, `events$` into
 * the events worth a line, and the workload's history into one sample per second. Everything is
 * stamped on the history's clock, so the live view, the summary and the report agree.
 */
import type { Subscription } from 'rxjs'
import type { FailoverStore, FailoverStoreEvent } from '../../lib/index.js'
import type { Operation } from '../../lib/chaos/history.js'
import { summarize } from '../../lib/chaos/percentiles.js'
import type { ClusterSpan, DemoEvent, SecondSample } from './types.js'

export interface RecorderOptions {
  /** ms since the run started. */
  readonly clock: () => number
  readonly onEvent?: (event: DemoEvent) => void
  readonly onSecond?: (sample: SecondSample) => void
}

interface OpenSpan {
  readonly cluster: string
  readonly fromMs: number
  readonly reason: ClusterSpan['reason']
}

export class Recorder {
  readonly events: DemoEvent[] = []
  readonly seconds: SecondSample[] = []
  readonly spans: ClusterSpan[] = []
  /** Times of hedged reads (they are counted, not printed one by one). */
  readonly hedgeTimes: number[] = []
  private open: OpenSpan | undefined
  private phaseName = 'starting'
  private lastTickMs = 0
  private timeoutsThisSecond = 0
  private hedgesThisSecond = 0
  private hedgeTarget = ''
  /** Give-ups of this second by `operation: reasons`, printed as one line at the tick. */
  private gaveUp = new Map<string, number>()
  private subscriptions: Subscription[] = []

  constructor(private readonly o: RecorderOptions) {}

  get phase(): string {
    return this.phaseName
  }

  get activeCluster(): string | undefined {
    return this.open?.cluster
  }

  note(type: DemoEvent['type'], text: string): void {
    const event: DemoEvent = { atMs: this.o.clock(), type, text }
    this.events.push(event)
    this.o.onEvent?.(event)
  }

  startPhase(name: string, title: string, index: number, count: number): void {
    this.phaseName = name
    this.note('phase', `phase ${index}/${count} ${name}: ${title}`)
  }

  attach(store: FailoverStore): void {
    this.subscriptions.push(
      store.cluster$.subscribe((status) => {
        const now = this.o.clock()
        const previous = this.open
        if (previous !== undefined) this.spans.push({ ...previous, toMs: now })
        this.open = { cluster: status.name, fromMs: now, reason: status.reason }
        if (status.reason === 'failover' && previous !== undefined) {
          const hold =
            status.holdUntil === undefined ? '' : `, primary not probed for ${((status.holdUntil - status.since) / 1000).toFixed(1)} s`
          this.note('failover', `failover ${previous.cluster} -> ${status.name} (${status.cause ?? 'unavailable'}${hold})`)
        } else if (status.reason === 'failback' && previous !== undefined) {
          this.note('failback', `failback ${previous.cluster} -> ${status.name} (primary answered its health probe)`)
        }
      }),
      store.events$.subscribe((event) => this.onStoreEvent(event)),
    )
  }

  private onStoreEvent(event: FailoverStoreEvent): void {
    switch (event.type) {
      case 'timeout':
        this.timeoutsThisSecond++
        return
      case 'hedge':
        this.hedgesThisSecond++
        this.hedgeTarget = event.to
        this.hedgeTimes.push(this.o.clock())
        return
      case 'probe-ok':
        this.note('probe-ok', `probe of ${event.cluster} ok (attempt ${event.attempt})`)
        return
      case 'probe-failed':
        this.note('probe-failed', `probe of ${event.cluster} failed (${event.reason}), next in ${(event.nextDelayMs / 1000).toFixed(1)} s`)
        return
      case 'gave-up': {
        // An outage can make many writes give up at once: one line per second, not per write.
        const key = `${event.operation} (${event.causes.map((c) => `${c.cluster} ${c.reason}`).join(', ')})`
        this.gaveUp.set(key, (this.gaveUp.get(key) ?? 0) + 1)
        return
      }
      default:
        // failover / failback: reported from cluster$ (one line per switch, not per operation).
        return
    }
  }

  /** Closes the second ending now, from the operations completed since the previous tick. */
  tick(operations: readonly Operation[]): SecondSample {
    const now = this.o.clock()
    const from = this.lastTickMs
    const latencies: number[] = []
    let errors = 0
    for (const op of operations) {
      const done = op.completeMs
      if (done === undefined || done <= from || done > now) continue
      latencies.push(done - op.invokeMs)
      if (op.outcome !== 'ok') errors++
    }
    const elapsed = Math.max(1, now - from) / 1000
    const sample: SecondSample = {
      atMs: now,
      phase: this.phaseName,
      ops: Math.round(latencies.length / elapsed),
      p99Ms: latencies.length === 0 ? 0 : summarize(latencies).p99Ms,
      cluster: this.open?.cluster ?? '?',
      errors,
      timeouts: this.timeoutsThisSecond,
      hedges: this.hedgesThisSecond,
    }
    for (const [key, n] of this.gaveUp) this.note('gave-up', `${n} x ${key}: not tried elsewhere, error to the caller`)
    this.gaveUp.clear()
    if (this.hedgesThisSecond > 0)
      this.note('hedge', `${this.hedgesThisSecond} slow read(s) also sent to ${this.hedgeTarget}; the first answer won`)
    this.lastTickMs = now
    this.timeoutsThisSecond = 0
    this.hedgesThisSecond = 0
    this.seconds.push(sample)
    this.o.onSecond?.(sample)
    return sample
  }

  /** Ends the open span and stops listening. */
  finish(): void {
    for (const s of this.subscriptions) s.unsubscribe()
    this.subscriptions = []
    if (this.open !== undefined) {
      this.spans.push({ ...this.open, toMs: this.o.clock() })
      this.open = undefined
    }
  }
}
