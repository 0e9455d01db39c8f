/**
 * The fleet simulator's accounting, on small fleets and short scenarios: the virtual clock orders
 * timers as RxJS's own VirtualTimeScheduler does, the modelled cluster keeps its capacity and
 * faults, every request a run sends is counted once, probes are counted alike by clients and
 * cluster, and the JSON has its exact shape. The figures of full runs are `npm run fleet`'s
 * business, not pass/fail tests.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { timer, VirtualTimeScheduler, type Subscription } from 'rxjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { HEALTHY, ModelCluster } from '../../bench/fleet/cluster.js'
import {
  failbackTimes,
  figuresOf,
  fleetDocument,
  peak,
  probeRate,
  riseMs,
  type LoadChart,
  type ScenarioDetail,
  type ScenarioFigures,
} from '../../bench/fleet/figures.js'
import { downPeriods, incidentMs, PRIMARY, recoveries, SCENARIOS, type Scenario } from '../../bench/fleet/scenarios.js'
import { FleetScheduler } from '../../bench/fleet/scheduler.js'
import { accepts, DEFAULT_CONFIG, simulate, type ClientRecord, type FleetConfig, type RunResult } from '../../bench/fleet/simulate.js'
import { lineSvg } from '../../bench/svg.js'
import { seededRandom } from '../../lib/chaos/distribution.js'
import { DEFAULT_HOLDS_MS } from '../../lib/failover/index.js'
import { UnavailableError } from '../../lib/ojai/errors.js'
import { runChild } from '../support/child-exit.js'

const S = 1000
/** Requests both clusters received other than probe pings and reads: one per attempt of an operation. */
function attemptsSent(run: RunResult): number {
  const total = (pick: (l: RunResult['load'][number]) => number[]) => run.load.flatMap(pick).reduce((a, b) => a + b, 0)
  return total((l) => l.sent) - total((l) => l.probes)
}

const JSON_KEYS = [
  'name',
  'primaryPeakOverSteady',
  'secondaryPeakOverSteady',
  'probesPerClientPerMin',
  'failbackSpreadMs',
  'hedgeExtraRatio',
  'goodput',
  'errorRatio',
]

describe('FleetScheduler', () => {
  it('runs timers in the order of the stock VirtualTimeScheduler (time, then scheduling order), cancelled ones never', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ delay: fc.integer({ min: 0, max: 50 }), cancel: fc.boolean() }), { maxLength: 60 }), (timers) => {
        const order = (scheduler: VirtualTimeScheduler) => {
          const ran: number[] = []
          const subs: Subscription[] = timers.map((t, i) => scheduler.schedule(() => ran.push(i), t.delay))
          timers.forEach((t, i) => t.cancel && subs[i]?.unsubscribe())
          scheduler.flush()
          return ran
        }
        expect(order(new FleetScheduler())).toEqual(order(new VirtualTimeScheduler()))
      }),
    )
  })

  it('reschedules an action in place, runs chunks up to a time, and keeps whole milliseconds', () => {
    const s = new FleetScheduler()
    const ticks: number[] = []
    const sub = timer(10, 10, s).subscribe(() => ticks.push(s.now()))
    s.runUntil(35)
    expect(ticks).toEqual([10, 20, 30])
    expect(s.now()).toBe(35)
    sub.unsubscribe()
    s.runUntil(100)
    expect(ticks).toEqual([10, 20, 30])
    const at: number[] = []
    s.schedule(() => at.push(s.now()), 0.4)
    s.schedule(() => at.push(s.now()), 2.6)
    s.flush()
    expect(at).toEqual([101, 103])
  })
})

describe('ModelCluster', () => {
  const make = (capacityPerSec: number, scheduler = new FleetScheduler()) =>
    new ModelCluster({
      name: 'c',
      capacityPerSec,
      latency: { medianMs: 2, sigma: 0 },
      scheduler,
      random: seededRandom(1),
      probeId: 'probe',
    })

  it('starts no more requests per second than its capacity, in arrival order, and counts what it is sent', () => {
    const scheduler = new FleetScheduler()
    const c = make(100, scheduler)
    const answered: number[] = []
    for (let i = 0; i < 300; i++) c.findById('k').subscribe({ complete: () => answered.push(i) })
    scheduler.runUntil(1000)
    expect(c.load.sent[0]).toBe(300)
    expect(c.load.served[0]).toBe(100)
    scheduler.flush()
    expect(answered).toEqual(Array.from({ length: 300 }, (_, i) => i))
    expect(c.load.served).toEqual([100, 100, 100])
    expect(c.maxQueue).toBe(299)
  })

  it('drops a cancelled request from its queue without using a slot', () => {
    const scheduler = new FleetScheduler()
    const c = make(10, scheduler)
    const subs = Array.from({ length: 20 }, () => c.findById('k').subscribe())
    subs.slice(1, 11).forEach((s) => s.unsubscribe())
    scheduler.flush()
    expect(c.cancelledInQueue).toBe(10)
    expect(c.load.served.reduce((a, b) => a + b, 0)).toBe(10)
  })

  it('black hole: never answers; refuse: UNAVAILABLE, provably unsent; slow: latency times the factor; pings counted', () => {
    const scheduler = new FleetScheduler()
    const c = make(1000, scheduler)
    const events: string[] = []
    c.fault = { kind: 'black-hole' }
    c.findById('k').subscribe({ next: () => events.push('black-hole answered') })
    c.fault = { kind: 'refuse' }
    c.ping().subscribe({ error: (e: unknown) => events.push(`refused at ${scheduler.now()} ${e instanceof UnavailableError && e.unsent}`) })
    c.fault = { kind: 'slow', factor: 25 }
    c.findById('probe').subscribe({ complete: () => events.push(`slow at ${scheduler.now()}`) })
    c.fault = HEALTHY
    // Behind the slow read in the queue: its slot begins 1 ms later (capacity 1,000/s).
    c.ping().subscribe({ complete: () => events.push(`ping at ${scheduler.now()}`) })
    scheduler.flush()
    expect(events).toEqual(['refused at 1 true', 'ping at 3', 'slow at 50'])
    expect(c.load.sent[0]).toBe(4)
    expect(c.load.probes[0]).toBe(3)
    expect(c.pings).toBe(2)
  })
})

describe('scenario timelines', () => {
  it('every scenario has a steady window before its first fault and ends after its last change', () => {
    for (const s of SCENARIOS) {
      const first = Math.min(...s.faults.map((f) => f.atMs))
      expect(s.steadyMs[1], s.name).toBeLessThanOrEqual(first)
      expect(Math.max(...s.faults.map((f) => f.atMs)), s.name).toBeLessThan(s.durationMs)
    }
  })

  it('derives down periods, recoveries and the incident from the fault changes', () => {
    const flapping = SCENARIOS.find((s) => s.name === 'flapping') as Scenario
    expect(downPeriods(flapping, PRIMARY)[0]).toEqual([40 * S, 55 * S])
    expect(recoveries(flapping, PRIMARY)[0]).toBe(55 * S)
    const down = SCENARIOS.find((s) => s.name === 'primary-down') as Scenario
    expect(downPeriods(down, PRIMARY)).toEqual([[40 * S, down.durationMs]])
    expect(recoveries(down, PRIMARY)).toEqual([])
    expect(incidentMs(down)).toEqual([40 * S, down.durationMs])
  })
})

describe('figures from hand-made counts', () => {
  it('peak, rise and failback times', () => {
    expect(peak([1, 5, 3, 5], 0, 4)).toEqual([1, 5])
    expect(peak([1, 5, 3], 2, 3)).toEqual([2, 3])
    expect(riseMs([0, 5, 10, 50, 95, 100], 100, 0, 1000)).toBe(2000)
    expect(riseMs([0, 5], 100, 0, 1000)).toBeNull()
    const clients: ClientRecord[] = [
      { failovers: [], failbacks: [5, 30], probes: [[], []] },
      { failovers: [], failbacks: [25], probes: [[], []] },
      { failovers: [], failbacks: [], probes: [[], []] },
    ]
    expect(failbackTimes(clients, 20)).toEqual([25, 30])
  })

  it('probe rate: from 2 min into a long outage, over every client', () => {
    const s: Scenario = {
      name: 'x',
      description: '',
      durationMs: 400 * S,
      steadyMs: [0, 10 * S],
      faults: [{ atMs: 100 * S, cluster: PRIMARY, fault: { kind: 'black-hole' } }],
    }
    const probes = (times: number[]): ClientRecord => ({ failovers: [], failbacks: [], probes: [times.map((t) => t * S), []] })
    // Window [220 s, 400 s) = 3 min: 6 and 3 probes in it (the ones at 150 s and 219 s are before it).
    const clients = [probes([150, 219, 220, 250, 280, 310, 340, 370]), probes([230, 300, 399])]
    expect(probeRate(s, clients)).toEqual({ perClientPerMin: 1.5, maxPerClientPerMin: 2, windowMin: 3 })
  })
})

describe('a small fleet run', () => {
  const config: FleetConfig = { ...DEFAULT_CONFIG, clients: 20, ratePerClient: 5, seed: 7 }
  const scenario: Scenario = {
    name: 'small-heal',
    description: 'primary black-holed 20-70 s, healed',
    durationMs: 140 * S,
    steadyMs: [10 * S, 20 * S],
    faults: [
      { atMs: 20 * S, cluster: PRIMARY, fault: { kind: 'black-hole' } },
      { atMs: 70 * S, cluster: PRIMARY, fault: HEALTHY },
    ],
  }
  let run: RunResult
  let figures: ScenarioFigures
  let detail: ScenarioDetail
  let chart: LoadChart
  beforeAll(() => {
    run = simulate(scenario, config)
    ;({ figures, detail, chart } = figuresOf(run))
  })

  it('counts every operation once, and every request sent once: operations, reroutes, hedges and probes', () => {
    const t = run.totals
    expect(t.operations).toBe(run.ops.issued.reduce((a, b) => a + b, 0))
    expect(t.operations).toBeGreaterThan(0.99 * 20 * 5 * 140)
    expect(t.ok + t.errors + t.unfinished).toBe(t.operations)
    expect(attemptsSent(run)).toBe(t.operations - t.fencedWrites + t.sameClusterRetries + t.reroutes + t.hedges)
    expect(t.failovers).toBe(20)
    expect(t.failbacks).toBe(20)
  })

  it('the steady load is the fleet rate, all on the primary', () => {
    expect(detail.steadyPerSec).toBeCloseTo(100, 0)
    expect(chart.primary.slice(10, 20).every((v) => Math.abs(v - 1) < 0.02)).toBe(true)
    expect(chart.secondary.slice(10, 20).every((v) => v === 0)).toBe(true)
    // During the outage the secondary carries the load and the primary gets probes only.
    expect(chart.secondary.slice(30, 60).every((v) => Math.abs(v - 1) < 0.1)).toBe(true)
    expect(chart.primary.slice(30, 60)).toEqual(chart.primaryProbes.slice(30, 60))
  })

  it('counts probes alike on both sides: one ping per probe at the primary, one event per probe at the clients', () => {
    expect(detail.probesSeenByClients).toBeGreaterThan(20)
    // A probe still in flight when the run ends has no event yet: at most one per client.
    expect(detail.pingsSeenByPrimary - detail.probesSeenByClients).toBeGreaterThanOrEqual(0)
    expect(detail.pingsSeenByPrimary - detail.probesSeenByClients).toBeLessThanOrEqual(20)
  })

  it('fails back every client within the first hold plus 60 s of the heal, and gives figures in range', () => {
    expect(detail.failedBackShare).toBe(1)
    expect(detail.failbackP99AfterHealMs as number).toBeLessThanOrEqual((DEFAULT_HOLDS_MS[0] as number) + 60 * S)
    expect(figures.failbackSpreadMs as number).toBeGreaterThanOrEqual(0)
    expect(figures.secondaryPeakOverSteady).toBeGreaterThanOrEqual(1)
    expect(figures.goodput).toBeGreaterThan(0.9)
    expect(figures.goodput + figures.errorRatio).toBeLessThanOrEqual(1)
    expect(figures.hedgeExtraRatio).toBe(0)
  })

  it('is reproducible from its seed', () => {
    expect(figuresOf(simulate(scenario, config)).figures).toEqual(figures)
  })

  it('writes the JSON in its exact shape, numbers to four significant digits', () => {
    const doc = fleetDocument(20, [{ figures, detail, chart }])
    expect(Object.keys(doc)).toEqual(['clients', 'scenarios'])
    expect(doc.clients).toBe(20)
    expect(Object.keys(doc.scenarios[0] as object)).toEqual(JSON_KEYS)
    const ratio = doc.scenarios[0]?.secondaryPeakOverSteady as number
    expect(ratio.toString().replace(/^0\.0*|\./g, '').length).toBeLessThanOrEqual(4)
  })

  it('draws a line per series', () => {
    const svg = lineSvg(
      't',
      [
        { label: 'a', values: chart.primary },
        { label: 'b', values: chart.secondary, dashed: true },
      ],
      1000,
      chart.marks,
      'load',
      1,
    )
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg.match(/<polyline/g)?.length).toBe(2)
    expect(svg).toContain('stroke-dasharray="6 4"')
  })
})

describe('a small fleet with hedging', () => {
  it('counts every hedge once, per bucket and in total, within the budget', () => {
    const slow: Scenario = {
      name: 'small-slow',
      description: 'primary 25x slower 20-80 s, hedging on',
      durationMs: 90 * S,
      steadyMs: [10 * S, 20 * S],
      faults: [
        { atMs: 20 * S, cluster: PRIMARY, fault: { kind: 'slow', factor: 25 } },
        { atMs: 80 * S, cluster: PRIMARY, fault: HEALTHY },
      ],
      options: { hedge: {} },
    }
    const run = simulate(slow, { ...DEFAULT_CONFIG, clients: 20, ratePerClient: 5, seed: 3 })
    const { figures, detail } = figuresOf(run)
    const t = run.totals
    expect(t.hedges).toBeGreaterThan(0)
    expect(run.ops.hedges.reduce((a, b) => a + b, 0)).toBe(t.hedges)
    expect(t.hedgeEligibleReads).toBe(t.reads)
    expect(attemptsSent(run)).toBe(t.operations - t.fencedWrites + t.sameClusterRetries + t.reroutes + t.hedges)
    expect(figures.hedgeExtraRatio).toBeCloseTo(t.hedges / t.reads, 10)
    expect(figures.hedgeExtraRatio).toBeLessThanOrEqual(detail.hedgeBudgetRatio as number)
    expect(t.failovers).toBe(0)
  })
})

describe('the library options the scenarios use', () => {
  it('ramped failback can be turned off, and an unknown option is told apart', () => {
    expect(accepts({ failback: false })).toBe(true)
    expect(accepts({ noSuchOption: 1 } as never)).toBe(false)
  })
})

describe('npm run fleet', () => {
  it('writes the JSON and a chart per scenario beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-'))
    try {
      const json = join(dir, 'f.json')
      const run = runChild('bench/fleet/main.ts', ['--clients', '20', '--only', 'blip', '--jobs', '1', '--json', json], 25_000)
      const out = await run.wait()
      expect(out.code, out.stderr).toBe(0)
      const doc = JSON.parse(readFileSync(json, 'utf8')) as { clients: number; scenarios: Record<string, unknown>[] }
      expect(doc.clients).toBe(20)
      expect(doc.scenarios.map((s) => Object.keys(s))).toEqual([JSON_KEYS])
      expect(readFileSync(join(dir, 'f-blip.svg'), 'utf8')).toContain('<polyline')
      expect(out.stdout).toContain('blip')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('rejects a bad argument with the usage', async () => {
    const out = await runChild('bench/fleet/main.ts', ['--clients', 'many'], 25_000).wait()
    expect(out.code).toBe(2)
    expect(out.stderr).toContain('--clients must be an integer')
    expect(out.stderr).toContain('usage: npm run fleet')
  })
})
