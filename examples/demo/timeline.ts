/**
 * The demo's script: six phases played against a steady workload. Each phase applies its fault
 * at its start; a phase's share of `--duration` is its `weight` / total weight.
 *
 * Faults are real: the primary's fault proxy holds every byte (black hole), the primary's
 * gateway process is SIGKILLed and started again on its data, and the primary's gateway is told
 * (over its control port) to answer a few calls slowly.
 */
import type { GatewayNode } from '../../lib/chaos/cluster.js'

export interface TimelineContext {
  readonly primary: GatewayNode
  /** Records a fault line in the live view and the report. */
  fault(text: string): void
  /** The primary cannot serve from now on / can again (the checker excuses errors in between). */
  down(): void
  up(): void
  /** Makes some of the primary's answers slow, or clears that. */
  slowPrimary(on: boolean): Promise<void>
}

export interface DemoPhase {
  readonly name: string
  readonly title: string
  readonly weight: number
  /** Applied at the start of the phase. */
  readonly enter?: (ctx: TimelineContext) => Promise<void>
  /** Applied at the end, before the next phase starts (its time counts in this phase). */
  readonly leave?: (ctx: TimelineContext) => Promise<void>
}

export const PHASES: readonly DemoPhase[] = [
  { name: 'healthy', title: 'both clusters healthy; the primary serves', weight: 8 },
  {
    name: 'blackhole',
    title: "the primary's network drops every byte (no FIN, no RST)",
    weight: 10,
    async enter(ctx) {
      ctx.down()
      await ctx.primary.clientProxy.blackhole()
      ctx.fault(`${ctx.primary.name}: client link black-holed`)
    },
  },
  {
    name: 'healed',
    title: 'network healed; after its hold the primary is probed and failed back to',
    weight: 10,
    async enter(ctx) {
      await ctx.primary.clientProxy.pass()
      ctx.up()
      ctx.fault(`${ctx.primary.name}: client link healed`)
    },
  },
  {
    name: 'killed',
    title: "the primary's gateway process is SIGKILLed (connections refused)",
    weight: 8,
    async enter(ctx) {
      ctx.down()
      await ctx.primary.kill()
      ctx.fault(`${ctx.primary.name}: gateway SIGKILLed`)
    },
    async leave(ctx) {
      // Starting takes a moment; the primary is still down meanwhile, so it counts here.
      await ctx.primary.start()
      ctx.up()
      ctx.fault(`${ctx.primary.name}: gateway restarted on its data`)
    },
  },
  { name: 'restarted', title: 'the primary is back with every write it acknowledged; replication catches up; failback', weight: 10 },
  {
    name: 'slow',
    title: "3% of the primary's answers take 250 ms; reads are hedged to the secondary",
    weight: 12,
    async enter(ctx) {
      await ctx.slowPrimary(true)
      ctx.fault(`${ctx.primary.name}: 3% of calls delayed 250 ms`)
    },
    async leave(ctx) {
      await ctx.slowPrimary(false)
      ctx.fault(`${ctx.primary.name}: delays cleared`)
    },
  },
]

export const TOTAL_WEIGHT = PHASES.reduce((sum, p) => sum + p.weight, 0)

/** Length of each phase for a run of `durationMs`; at least `minMs` each. */
export function phaseDurations(durationMs: number, minMs = 1500): number[] {
  return PHASES.map((p) => Math.max(minMs, Math.round((durationMs * p.weight) / TOTAL_WEIGHT)))
}
