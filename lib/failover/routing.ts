/**
 * Where operations and the active cluster go: pure functions of the clusters' health.
 *
 * A cluster's standing, best first:
 * 1. `up` and not held: answers, and nothing says to stay away;
 * 2. `silent` and not held: requests outstanding, none answered for longer than its latency
 *    explains (silence.ts); may be a black hole, may be a pause;
 * 3. `suspect` and not held: timed out last time, may only be slow;
 * 4. held (left by a failover, hold not over), `up`, `silent` or `suspect`;
 * 5. `down`: never chosen.
 *
 * The rules, in the words of the design:
 * - never move an operation or the active cluster to a cluster known down or inside its hold
 *   while it can still be served where it is;
 * - a new operation does not start on a `silent` cluster while one in standing 1 exists, and a
 *   read in flight on a cluster that falls silent moves on at once to one (see {@link startAvoidingSilence});
 * - an attempt that only timed out moves on only to a cluster in standing 1: otherwise it keeps
 *   waiting on its cluster (up to the longer bound) instead of trading a slow cluster for a worse one;
 * - an attempt that failed outright (refused, reset) moves on to the best cluster not down;
 * - ties go in ring order after the cluster that failed;
 * - a cluster an operator drained (a bit set in `drained`, see the routing mode in
 *   cluster-state.ts) is never chosen, neither as the active cluster nor for an operation.
 */
import type { ClusterHealth } from './health.js'

/** Why the last attempt ended without an answer. */
export type Failure = 'timeout' | 'error'

const NONE = -1

/** Standings, best first (see the module doc). */
const UP = 4
const SILENT = 3
const SUSPECT = 2
const HELD = 1
const DOWN = 0

/** Standing of a cluster at `now`: {@link UP} best … {@link DOWN} never (see the module doc). */
export function standing(health: ClusterHealth, now: number): number {
  if (health.state === 'down') return DOWN
  if (health.holdUntil !== undefined && health.holdUntil > now) return HELD
  return health.state === 'up' ? UP : health.state === 'silent' ? SILENT : SUSPECT
}

/** True when the cluster is in standing 1: `up` and not held (see the module doc). */
export function isUpAndFree(health: ClusterHealth, now: number): boolean {
  return standing(health, now) === UP
}

/**
 * The best cluster among `view` for leaving `from` after `failure`, skipping clusters in the
 * `excluded` bit set; -1 when there is none worth moving to.
 */
export function bestAfter(view: readonly ClusterHealth[], from: number, failure: Failure, excluded: number, now: number): number {
  const needed = failure === 'timeout' ? UP : HELD
  let best = NONE
  let bestStanding = 0
  const n = view.length
  for (let i = 1; i < n; i++) {
    const c = (from + i) % n
    if ((excluded & (1 << c)) !== 0) continue
    const s = standing(view[c] as ClusterHealth, now)
    if (s >= needed && s > bestStanding) {
      best = c
      bestStanding = s
    }
  }
  return best
}

/**
 * The cluster the active one should fail over to after it failed (`failure`), or -1 to stay:
 * only to a cluster in better standing than the active one has now, never to a drained one.
 */
export function failoverTarget(view: readonly ClusterHealth[], active: number, failure: Failure, now: number, drained = 0): number {
  const target = bestAfter(view, active, failure, (1 << active) | drained, now)
  if (target < 0) return NONE
  return standing(view[target] as ClusterHealth, now) > standing(view[active] as ClusterHealth, now) ? target : NONE
}

/** The cluster of highest priority (lowest index) before `active` that is up, not held and not drained, or -1. */
export function failbackTarget(view: readonly ClusterHealth[], active: number, now: number, drained = 0): number {
  for (let c = 0; c < active; c++) if ((drained & (1 << c)) === 0 && standing(view[c] as ClusterHealth, now) === UP) return c
  return NONE
}

/**
 * Where the active cluster goes when an operator drains it: the best standing among the clusters
 * not drained, even down (the operator asked for the move), ties to the highest priority.
 */
export function undrainedTarget(view: readonly ClusterHealth[], drained: number, now: number): number {
  let best = NONE
  let bestStanding = -1
  for (let c = 0; c < view.length; c++) {
    if ((drained & (1 << c)) !== 0) continue
    const s = standing(view[c] as ClusterHealth, now)
    if (s > bestStanding) {
      best = c
      bestStanding = s
    }
  }
  return best
}

/**
 * Where a new operation starts when `chosen` is the cluster the routing mode picked: there, unless
 * it is `silent` and another cluster (not drained) is up and not held; then the best of those.
 * Operations already running are not moved by this (see steps/attempt.ts for reads in flight).
 */
export function startAvoidingSilence(view: readonly ClusterHealth[], chosen: number, drained: number, now: number): number {
  if ((view[chosen] as ClusterHealth).state !== 'silent') return chosen
  const elsewhere = bestAfter(view, chosen, 'timeout', drained | (1 << chosen), now)
  return elsewhere < 0 ? chosen : elsewhere
}

/**
 * Does cluster `c` need probing: not drained (a drained cluster gets no traffic at all, probes
 * included), and either silent (active or not: a probe's answer ends the suspicion, or its
 * failure convicts), or not active and held or not known up.
 */
export function needsProbe(health: ClusterHealth, isActive: boolean, isDrained = false): boolean {
  if (isDrained) return false
  return health.state === 'silent' || (!isActive && (health.state !== 'up' || health.holdUntil !== undefined))
}
