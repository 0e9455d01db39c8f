/**
 * The fleet scenarios: what happens to which cluster when, and what the fleet's stores are
 * configured with. Times are virtual ms from the start of the run. Every scenario begins with
 * 20 s of warm-up and 20 s of steady state (the reference for every load ratio) before its first
 * fault at 40 s.
 */
import type { FailoverStoreOptions } from '../../lib/failover/index.js'
import { HEALTHY, type Fault } from './cluster.js'

export const PRIMARY = 0
export const SECONDARY = 1

export interface FaultChange {
  readonly atMs: number
  readonly cluster: typeof PRIMARY | typeof SECONDARY
  readonly fault: Fault
}

export interface Scenario {
  readonly name: string
  /** One line for tables and charts. */
  readonly description: string
  readonly durationMs: number
  /** The pre-fault steady window, [from, to) ms. */
  readonly steadyMs: readonly [number, number]
  readonly faults: readonly FaultChange[]
  /** Capacity of [primary, secondary] as a multiple of the fleet's offered load. Default [1.5, 1.5]. */
  readonly capacity?: readonly [number, number]
  /** Extra options for every store of the fleet (on top of the scheduler, jitter source and heartbeat). */
  readonly options?: FailoverStoreOptions
  /** Drawn dashed on this scenario's chart for comparison (a variant of the same timeline). */
  readonly compareWith?: string
}

const S = 1000
const FAULT_AT = 40 * S
const STEADY: readonly [number, number] = [20 * S, FAULT_AT]
const BLACK_HOLE: Fault = Object.freeze({ kind: 'black-hole' })
const REFUSE: Fault = Object.freeze({ kind: 'refuse' })

/** The primary refuses for `downS` out of every `periodS`, `cycles` times: a crash-looping process. */
function flaps(cycles: number, periodS: number, downS: number): FaultChange[] {
  const changes: FaultChange[] = []
  for (let k = 0; k < cycles; k++) {
    const at = FAULT_AT + k * periodS * S
    changes.push({ atMs: at, cluster: PRIMARY, fault: REFUSE }, { atMs: at + downS * S, cluster: PRIMARY, fault: HEALTHY })
  }
  return changes
}

/** Ramped failback off: each client moves all its operations back at its failback. */
export const WITHOUT_RAMP: FailoverStoreOptions = Object.freeze({ failback: false })

const at = (seconds: number) => FAULT_AT + seconds * S

/** The same timeline with ramped failback off, drawn dashed on the original's chart. */
function withoutRamp(s: Scenario): readonly [Scenario, Scenario] {
  const name = `${s.name}-without-ramp`
  return [
    { ...s, compareWith: name },
    {
      ...s,
      name,
      description: `as ${s.name}, with failback: false (each client moves back at once)`,
      options: { ...s.options, ...WITHOUT_RAMP },
    },
  ]
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'primary-down',
    description: 'primary black-holed from 40 s to the end (4 min)',
    durationMs: at(240),
    steadyMs: STEADY,
    faults: [{ atMs: FAULT_AT, cluster: PRIMARY, fault: BLACK_HOLE }],
  },
  ...withoutRamp({
    name: 'heal',
    description: 'primary black-holed for 2 min (6 first holds), then healed',
    durationMs: at(240),
    steadyMs: STEADY,
    faults: [
      { atMs: FAULT_AT, cluster: PRIMARY, fault: BLACK_HOLE },
      { atMs: at(120), cluster: PRIMARY, fault: HEALTHY },
    ],
  }),
  ...withoutRamp({
    name: 'blip',
    description: 'primary black-holed for 10 s, healed before the first hold ends',
    durationMs: at(80),
    steadyMs: STEADY,
    faults: [
      { atMs: FAULT_AT, cluster: PRIMARY, fault: BLACK_HOLE },
      { atMs: at(10), cluster: PRIMARY, fault: HEALTHY },
    ],
  }),
  {
    name: 'flapping',
    description: 'primary refuses connections 15 s of every 60 s, 5 times',
    durationMs: at(300),
    steadyMs: STEADY,
    faults: flaps(5, 60, 15),
  },
  {
    name: 'slow-primary',
    description: 'primary 25 times slower (median 50 ms) for 2 min, hedging on (defaults)',
    durationMs: at(180),
    steadyMs: STEADY,
    faults: [
      { atMs: FAULT_AT, cluster: PRIMARY, fault: { kind: 'slow', factor: 25 } },
      { atMs: at(120), cluster: PRIMARY, fault: HEALTHY },
    ],
    options: { hedge: {} },
  },
  {
    name: 'secondary-small',
    description: 'secondary capacity half the offered load; primary black-holed for 90 s',
    durationMs: at(150),
    steadyMs: STEADY,
    faults: [
      { atMs: FAULT_AT, cluster: PRIMARY, fault: BLACK_HOLE },
      { atMs: at(90), cluster: PRIMARY, fault: HEALTHY },
    ],
    capacity: [1.5, 0.5],
  },
]

export function scenarioNamed(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name)
}

/**
 * The incident: from the first fault to the last return to health (or the end of the run when a
 * fault is still on then). Goodput, error share and latency are measured over operations issued
 * in it.
 */
export function incidentMs(s: Scenario): readonly [number, number] {
  const first = Math.min(...s.faults.map((f) => f.atMs))
  const last = s.faults.reduce((acc, f) => (f.atMs >= acc.atMs ? f : acc))
  return [first, last.fault.kind === 'none' ? last.atMs : s.durationMs]
}

/** Periods when `cluster` is black-holed or refusing, [from, to) ms. */
export function downPeriods(s: Scenario, cluster: number): [number, number][] {
  const periods: [number, number][] = []
  let from: number | undefined
  for (const f of [...s.faults].filter((c) => c.cluster === cluster).sort((a, b) => a.atMs - b.atMs)) {
    const down = f.fault.kind === 'black-hole' || f.fault.kind === 'refuse'
    if (down && from === undefined) from = f.atMs
    else if (!down && from !== undefined) {
      periods.push([from, f.atMs])
      from = undefined
    }
  }
  if (from !== undefined) periods.push([from, s.durationMs])
  return periods
}

/** Times `cluster` returned to health after a fault. */
export function recoveries(s: Scenario, cluster: number): number[] {
  const out: number[] = []
  let faulty = false
  for (const f of [...s.faults].filter((c) => c.cluster === cluster).sort((a, b) => a.atMs - b.atMs)) {
    if (f.fault.kind === 'none' && faulty) out.push(f.atMs)
    faulty = f.fault.kind !== 'none'
  }
  return out
}
