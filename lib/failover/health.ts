/**
 * Health of every cluster, from the outcomes of real operations and of probes.
 *
 * | state     | meaning                                        | entered on                                  |
 * |-----------|------------------------------------------------|---------------------------------------------|
 * | `up`      | answered last time it was asked                | an answer (value, completion, semantic error) or a good probe |
 * | `silent`  | requests outstanding, none answered for longer than its latency explains | silence (silence.ts), from `up` only; the first answer ends it |
 * | `suspect` | did not answer in time; may be slow, not dead  | a timeout                                   |
 * | `down`    | failed outright                                 | an availability error (refused, reset, UNAVAILABLE…) or a failed probe |
 *
 * A cluster the active cluster moved away from is also *held* until `holdUntil`: routing does not
 * make it active again before then (see routing.ts).
 *
 * ```
 * outcomes  ok--timeout--timeout--refused--probe ok
 * state     up--suspect----------down-----up
 *
 * outcomes  ok--(silence)--timeout        ok--(silence)--ok
 * state     up--silent-----suspect        up--silent-----up
 * ```
 *
 * `silent` is suspicion from evidence, not a verdict: new operations start elsewhere while a
 * cluster in better standing exists, but the active cluster moves only on a timeout or an error.
 *
 * `health$` replays the current view (BehaviorSubject) and emits only when a state changes, so
 * the per-operation cost of a healthy cluster is one comparison.
 */
import { BehaviorSubject, type Observable } from 'rxjs'

/** @category Failover */
export type HealthState = 'up' | 'silent' | 'suspect' | 'down'

/**
 * One cluster's health. A discriminated union: what is known depends on the state.
 * @category Failover
 */
export type ClusterHealth =
  | { readonly state: 'up'; readonly name: string; readonly since: number; readonly holdUntil?: number }
  | { readonly state: 'silent'; readonly name: string; readonly since: number; readonly why: string; readonly holdUntil?: number }
  | { readonly state: 'suspect'; readonly name: string; readonly since: number; readonly why: string; readonly holdUntil?: number }
  | { readonly state: 'down'; readonly name: string; readonly since: number; readonly why: string; readonly holdUntil?: number }

/** What one attempt or probe says about its cluster. */
export type Outcome =
  | { readonly kind: 'answered' }
  | { readonly kind: 'silent'; readonly why: string }
  | { readonly kind: 'timed-out'; readonly why: string }
  | { readonly kind: 'failed'; readonly why: string }

export const ANSWERED: Outcome = Object.freeze({ kind: 'answered' })

export class HealthBook {
  private readonly subject: BehaviorSubject<readonly ClusterHealth[]>
  readonly health$: Observable<readonly ClusterHealth[]>
  private view: ClusterHealth[]

  constructor(names: readonly string[], now: number) {
    this.view = names.map((name) => ({ state: 'up', name, since: now }))
    this.subject = new BehaviorSubject<readonly ClusterHealth[]>(this.view)
    this.health$ = this.subject.asObservable()
  }

  get current(): readonly ClusterHealth[] {
    return this.view
  }

  of(cluster: number): ClusterHealth {
    return this.view[cluster] as ClusterHealth
  }

  /** Records what an attempt or probe found; returns true when the state changed. */
  record(cluster: number, outcome: Outcome, now: number): boolean {
    const h = this.of(cluster)
    const hold = h.holdUntil === undefined ? {} : { holdUntil: h.holdUntil }
    let next: ClusterHealth
    switch (outcome.kind) {
      case 'answered':
        if (h.state === 'up') return false
        next = { state: 'up', name: h.name, since: now, ...hold }
        break
      case 'silent':
        // Suspicion only of a cluster thought up: anything worse is already known.
        if (h.state !== 'up') return false
        next = { state: 'silent', name: h.name, since: now, why: outcome.why, ...hold }
        break
      case 'timed-out':
        // A timeout says nothing new about a cluster already known to time out or be down.
        if (h.state === 'suspect' || h.state === 'down') return false
        next = { state: 'suspect', name: h.name, since: now, why: outcome.why, ...hold }
        break
      case 'failed':
        if (h.state === 'down') return false
        next = { state: 'down', name: h.name, since: now, why: outcome.why, ...hold }
        break
    }
    this.replace(cluster, next)
    return true
  }

  /** The cluster is held (not made active again) until `until`; `undefined` releases it. */
  hold(cluster: number, until: number | undefined): void {
    const h = this.of(cluster)
    if (h.holdUntil === until) return
    const { holdUntil: _, ...rest } = h
    this.replace(cluster, (until === undefined ? rest : { ...rest, holdUntil: until }) as ClusterHealth)
  }

  complete(): void {
    this.subject.complete()
  }

  private replace(cluster: number, health: ClusterHealth): void {
    const view = this.view.slice()
    view[cluster] = health
    this.view = view
    this.subject.next(view)
  }
}
