/**
 * The failure scenarios: each a timeline of faults played against a running workload. Faults are
 * real: proxies hold, reset or refuse bytes on the wire; gateways are SIGKILLed or SIGSTOPped.
 *
 * Every timeline must end with every cluster healed and running; the runner checks convergence
 * and judges the history afterwards. A timeline marks spans where a cluster cannot serve
 * (`ctx.down` / `ctx.up`) so the checker knows when callers may see errors.
 */
import type { FailoverStoreOptions } from '../failover/options.js'
import type { CheckResult } from './checker.js'
import { bimodal } from './distribution.js'
import type { ClusterHarness, GatewayNode } from './cluster.js'
import type { WorkloadOptions } from './workload.js'

/** Durations of a run. Quick fits in `npm test`; full is the real suite. */
export interface Pace {
  readonly name: 'quick' | 'full'
  /** Healthy traffic before the first fault. */
  readonly healthyMs: number
  /** How long a fault lasts. */
  readonly faultMs: number
  /** Healthy traffic after the heal (failback happens here). */
  readonly healedMs: number
  /** Flapping: time on and off. */
  readonly flapMs: number
  /** Flapping: fault cycles. */
  readonly flaps: number
  /** After the timeline, keep the workload running (healthy) until this many operations. */
  readonly minOps: number
  /** Bound on that extra running. */
  readonly maxExtraMs: number
  /** Logical clients. */
  readonly concurrency: number
  /** Bound on waiting for replicas to agree after the workload stopped. */
  readonly convergenceTimeoutMs: number
  /** FailoverStore options for the run (timeouts, holds, probes). */
  readonly failover: FailoverStoreOptions
}

export const QUICK: Pace = Object.freeze({
  name: 'quick',
  healthyMs: 300,
  faultMs: 800,
  healedMs: 1000,
  flapMs: 400,
  flaps: 3,
  minOps: 0,
  maxExtraMs: 0,
  concurrency: 6,
  convergenceTimeoutMs: 10_000,
  // 300 ms: the quick suite runs beside other specs on a small shared machine, where a healthy
  // gateway's tail reaches 100 ms; a tighter timeout there measures the machine, not failover.
  failover: {
    timeoutMs: 300,
    secondaryTimeoutMs: 2000,
    hold: { holdsMs: [300, 600], decayAfterMs: 2000 },
    probe: { backoff: { initialMs: 100, maxMs: 300, jitter: 0.2 } },
  },
})

export const FULL: Pace = Object.freeze({
  name: 'full',
  healthyMs: 2000,
  faultMs: 5000,
  healedMs: 6000,
  flapMs: 1500,
  flaps: 5,
  minOps: 10_000,
  maxExtraMs: 120_000,
  concurrency: 16,
  convergenceTimeoutMs: 30_000,
  failover: {
    timeoutMs: 200,
    secondaryTimeoutMs: 2000,
    hold: { holdsMs: [1000, 2000, 4000], decayAfterMs: 10_000 },
    probe: { backoff: { initialMs: 200, maxMs: 1000, jitter: 0.2 } },
  },
})

export interface ScenarioContext {
  readonly harness: ClusterHarness
  readonly primary: GatewayNode
  readonly secondary: GatewayNode
  readonly pace: Pace
  /** The FailoverStore's `timeoutMs` in this run (the pace's, or the run's override). */
  readonly timeoutMs: number
  /** Bounded sleep; returns early (resolves) when the run is aborted. */
  sleep(ms: number): Promise<void>
  /** Starts a named phase (latency is summarized per phase). */
  phase(name: string): void
  /** Marks a cluster unable to serve from now on / able again. */
  down(node: GatewayNode): void
  up(node: GatewayNode): void
}

/** How a scenario shapes the workload (see workload.ts); a run's own `mix` wins over the scenario's. */
export type ScenarioWorkload = Pick<WorkloadOptions, 'mix' | 'writesPerOwnKey' | 'thinkMs' | 'thinkJitter'>

export interface Scenario {
  readonly name: string
  readonly description: string
  /** Default: the runner's workload (every operation type, shared keys). */
  readonly workload?: ScenarioWorkload
  /** Before the FailoverStore exists (e.g. the primary is down at start-up). */
  before?(ctx: ScenarioContext): Promise<void>
  /** The timeline, played while the workload runs. Must leave every cluster healed and running. */
  run(ctx: ScenarioContext): Promise<void>
  /** Extra requirements beyond the checker's; returns the violations. */
  expect?(result: CheckResult): string[]
}

async function withFault(
  ctx: ScenarioContext,
  node: GatewayNode,
  name: string,
  apply: () => Promise<void> | void,
  heal: () => Promise<void> | void,
): Promise<void> {
  ctx.phase('healthy')
  await ctx.sleep(ctx.pace.healthyMs)
  ctx.phase(name)
  ctx.down(node)
  await apply()
  await ctx.sleep(ctx.pace.faultMs)
  await heal()
  ctx.up(node)
  ctx.phase('healed')
  await ctx.sleep(ctx.pace.healedMs)
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'blackhole',
    description: 'the client-to-primary link drops every byte (no FIN, no RST); replication keeps running',
    run: (ctx) =>
      withFault(
        ctx,
        ctx.primary,
        'blackhole',
        () => ctx.primary.clientProxy.blackhole(),
        () => ctx.primary.clientProxy.pass(),
      ),
  },
  {
    name: 'reset',
    description: 'every connection to the primary is reset, and new ones too',
    run: (ctx) =>
      withFault(
        ctx,
        ctx.primary,
        'reset',
        () => ctx.primary.clientProxy.reset(),
        () => ctx.primary.clientProxy.pass(),
      ),
  },
  {
    name: 'refuse',
    description: 'the primary refuses connections (ECONNREFUSED) while its process stays up',
    run: (ctx) =>
      withFault(
        ctx,
        ctx.primary,
        'refuse',
        () => ctx.primary.clientProxy.refuse(),
        () => ctx.primary.clientProxy.pass(),
      ),
  },
  {
    name: 'kill-restart',
    description: 'the primary gateway is SIGKILLed, then restarted on its data',
    run: (ctx) =>
      withFault(
        ctx,
        ctx.primary,
        'killed',
        () => ctx.primary.kill(),
        () => ctx.primary.start(),
      ),
  },
  {
    name: 'pause',
    description: 'the primary gateway is SIGSTOPped (hung: connections open, nothing answers), then SIGCONTed',
    run: (ctx) =>
      withFault(
        ctx,
        ctx.primary,
        'paused',
        () => ctx.primary.pause(),
        () => ctx.primary.resume(),
      ),
  },
  {
    name: 'slow-primary',
    description: "gray failure: 5% of the primary's answers are delayed 300 ms (3x the timeout)",
    async run(ctx) {
      ctx.phase('healthy')
      await ctx.sleep(ctx.pace.healthyMs)
      // Not marked down: a slow cluster still serves, so callers must see no error.
      ctx.phase('slow')
      await ctx.primary.clientProxy.setMode({ kind: 'latency', downstreamMs: bimodal(0, 300, 0.05) })
      await ctx.sleep(ctx.pace.faultMs)
      await ctx.primary.clientProxy.pass()
      ctx.phase('healed')
      await ctx.sleep(ctx.pace.healedMs)
    },
  },
  /**
   * The write-overtaking hazard: the primary turns slower than `timeoutMs` for every request, so a
   * write sent to it times out and is acknowledged by the secondary while its first attempt is
   * still on its way to the primary. Each client writes its own keys three times in a row, so each
   * write to a key begins after the one before was acknowledged; if an abandoned attempt then
   * lands on the primary, it is applied last, wins there and, by last-writer-wins replication,
   * everywhere: the checker reports the client's later writes to that key as overtaken.
   *
   * - The delay is twice `timeoutMs` each way: a request reaches the primary only after the
   *   failover and after the client's next write, and a whole round trip (4x `timeoutMs`) still
   *   fits in `secondaryTimeoutMs` at both paces, so a client that waits for its abandoned attempt
   *   to settle can still answer in time.
   * - Clients pause 0-100 ms between operations, so when the primary turns slow most of them are
   *   idle and their next writes go to the primary, still the active cluster: those requests cross
   *   the slow link. Without a pause every client would already be waiting on the primary with its
   *   request delivered, and the store would fail over before any of them sent another.
   */
  {
    name: 'slow-primary-writes',
    description:
      'every byte to and from the primary is delayed 2x timeoutMs while clients rewrite their own keys: no write overtaken by its own abandoned attempt',
    workload: { mix: { writeIdempotent: 1, writeConditional: 0, increment: 0, read: 0 }, writesPerOwnKey: 3, thinkMs: 50, thinkJitter: 1 },
    async run(ctx) {
      ctx.phase('healthy')
      await ctx.sleep(ctx.pace.healthyMs)
      // Not marked down: a slow cluster still serves, so callers must see no error.
      ctx.phase('slow')
      await ctx.primary.clientProxy.latency(2 * ctx.timeoutMs)
      await ctx.sleep(ctx.pace.faultMs)
      await ctx.primary.clientProxy.pass()
      ctx.phase('healed')
      await ctx.sleep(ctx.pace.healedMs)
    },
    expect(result) {
      // Without a failover no write had an abandoned attempt: the run proved nothing.
      return result.failovers === 0 ? ['no failover (the slow primary was never left)'] : []
    },
  },
  {
    name: 'flapping',
    description: 'the primary link is black-holed and healed every few hundred ms (quick) or seconds (full)',
    async run(ctx) {
      ctx.phase('healthy')
      await ctx.sleep(ctx.pace.healthyMs)
      ctx.phase('flapping')
      for (let i = 0; i < ctx.pace.flaps; i++) {
        ctx.down(ctx.primary)
        await ctx.primary.clientProxy.blackhole()
        await ctx.sleep(ctx.pace.flapMs)
        await ctx.primary.clientProxy.pass()
        ctx.up(ctx.primary)
        await ctx.sleep(ctx.pace.flapMs)
      }
      ctx.phase('healed')
      await ctx.sleep(ctx.pace.healedMs)
    },
  },
  {
    name: 'primary-down-at-start',
    description: 'the primary refuses connections before the FailoverStore is created; it comes back later',
    async before(ctx) {
      ctx.down(ctx.primary)
      await ctx.primary.clientProxy.refuse()
    },
    async run(ctx) {
      ctx.phase('primary-down')
      await ctx.sleep(ctx.pace.faultMs)
      await ctx.primary.clientProxy.pass()
      ctx.up(ctx.primary)
      ctx.phase('healed')
      await ctx.sleep(ctx.pace.healedMs)
    },
  },
  {
    name: 'both-down-then-one',
    description: 'the primary is black-holed and the secondary killed; the secondary returns, then the primary',
    async run(ctx) {
      const { primary, secondary } = ctx
      ctx.phase('healthy')
      await ctx.sleep(ctx.pace.healthyMs)
      ctx.phase('both-down')
      ctx.down(primary)
      ctx.down(secondary)
      await primary.clientProxy.blackhole()
      await secondary.kill()
      await ctx.sleep(ctx.pace.faultMs)
      ctx.phase('secondary-back')
      await secondary.start()
      ctx.up(secondary)
      await ctx.sleep(ctx.pace.faultMs)
      await primary.clientProxy.pass()
      ctx.up(primary)
      ctx.phase('healed')
      await ctx.sleep(ctx.pace.healedMs)
    },
  },
  {
    name: 'secondary-down',
    description: 'the secondary is killed while the primary is healthy: nothing may change for callers',
    run: (ctx) =>
      withFault(
        ctx,
        ctx.secondary,
        'secondary-down',
        () => ctx.secondary.kill(),
        () => ctx.secondary.start(),
      ),
    expect(result) {
      const violations: string[] = []
      if (result.failovers !== 0) violations.push(`${result.failovers} failovers (expected none)`)
      const errors = result.failedOps + result.unknownOps
      if (errors !== 0) violations.push(`${errors} operations failed (expected none)`)
      return violations
    },
  },
]

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name)
}
