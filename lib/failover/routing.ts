/**
 * Where operations and the active cluster go: pure functions of the clusters' health.
 *
 * A cluster's standing, best first:
 * 1. `up` and not held: answers, and nothing says to stay away;
 * 2. `suspect` and not held: timed out last time, may only be slow;
 * 3. held (left by a failover, hold not over), `up` or `suspect`;
 * 4. `down`: never chosen.
 *
 * The rules, in the words of the design:
 * - never move an operation or the active cluster to a cluster known down or inside its hold
 *   while it can still be served where it is;
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

/** Standing of a cluster at `now`: 3 best … 0 never (see the module doc). */
export function standing(health: ClusterHealth, now: number): number {
  if (health.state === 'down') return 0
  if (health.holdUntil !== undefined && health.holdUntil > now) return 1
  return health.state === 'up' ? 3 : 2
}

/**
 * The best cluster among `view` for leaving `from` after `failure`, skipping clusters in the
 * `excluded` bit set; -1 when there is none worth moving to.
 */
export function bestAfter(view: readonly ClusterHealth[], from: number, failure: Failure, excluded: number, now: number): number {
  const needed = failure === 'timeout' ? 3 : 1
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
  for (let c = 0; c < active; c++) if ((drained & (1 << c)) === 0 && standing(view[c] as ClusterHealth, now) === 3) return c
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
 * Does cluster `c` need probing: not active, not drained (a drained cluster gets no traffic at all,
 * probes included), and held or not known up.
 */
export function needsProbe(health: ClusterHealth, isActive: boolean, isDrained = false): boolean {
  return !isActive && !isDrained && (health.state !== 'up' || health.holdUntil !== undefined)
}
