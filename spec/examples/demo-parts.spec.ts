import { describe, expect, it } from 'vitest'
import type { Operation } from '../../lib/chaos/history.js'
import { judge } from '../../examples/demo/run.js'
import { renderReport } from '../../examples/demo/report.js'
import { escapeHtml } from '../../examples/demo/svg.js'
import { bucketWidth, latencyBuckets, summarizePhases } from '../../examples/demo/summary.js'
import { PHASES, phaseDurations } from '../../examples/demo/timeline.js'
import type { DemoResult, PhaseSummary } from '../../examples/demo/types.js'
import { colorsFor, LiveView, phaseTable } from '../../examples/demo/view.js'

const op = (
  id: number,
  type: Operation['type'],
  invokeMs: number,
  latency: number,
  cluster: string,
  outcome: Operation['outcome'] = 'ok',
): Operation => ({
  id,
  process: 0,
  type,
  key: `k${id}`,
  invokeMs,
  completeMs: invokeMs + latency,
  outcome,
  cluster,
})

const windows = [
  { name: 'healthy', title: 'fine', fromMs: 0, toMs: 1000 },
  { name: 'blackhole', title: 'cut', fromMs: 1000, toMs: 2000 },
]

const ops: Operation[] = [
  op(1, 'read', 100, 2, 'east'),
  op(2, 'write-idempotent', 200, 4, 'east'),
  op(3, 'read', 990, 500, 'west'), // started in healthy, ended in blackhole: counts for healthy
  op(4, 'increment', 1100, 510, 'west', 'info'),
  op(5, 'read', 1500, 3, 'west'),
  { id: 6, process: 1, type: 'read', key: 'k6', invokeMs: 1600 }, // never completed
]

function phaseSummary(name: string, over: Partial<PhaseSummary> = {}): PhaseSummary {
  return {
    name,
    title: name,
    fromMs: 0,
    toMs: 1000,
    ops: 10,
    opsPerSecond: 10,
    p50Ms: 1,
    p99Ms: 2,
    maxMs: 3,
    readP99Ms: 2,
    writeP99Ms: 2,
    errors: 0,
    failovers: 0,
    failbacks: 0,
    hedges: 0,
    servedBy: { east: 1, west: 0 },
    ...over,
  }
}

const good: Parameters<typeof judge>[1] = {
  lostWrites: 0,
  duplicateApplies: 0,
  unexplained: 0,
  hangs: 0,
  callerErrors: 0,
  convergenceMs: 120,
  divergent: 0,
  documents: 42,
  aborted: false,
  traced: { description: 'findById: attempt on east timed-out after 500.3 ms, attempt on west answered in 1.2 ms', problems: [] },
}
const showcase = [
  phaseSummary('healthy'),
  phaseSummary('blackhole', { failovers: 1 }),
  phaseSummary('healed', { failbacks: 1 }),
  phaseSummary('killed', { failovers: 1 }),
  phaseSummary('restarted', { failbacks: 1 }),
  phaseSummary('slow', { hedges: 7 }),
]

describe('demo: per-phase summary', () => {
  const [healthy, blackhole] = summarizePhases(
    windows,
    ops,
    [
      { cluster: 'east', fromMs: 0, toMs: 1050, reason: 'initial' },
      { cluster: 'west', fromMs: 1050, toMs: 2000, reason: 'failover' },
    ],
    [1200, 1300, 500],
    ['east', 'west'],
  )

  it('attributes operations to the phase they started in and ignores unfinished ones', () => {
    expect(healthy?.ops).toBe(3)
    expect(blackhole?.ops).toBe(2)
    expect(healthy?.maxMs).toBe(500)
  })

  it('separates read and write tails, counts errors, switches and hedges per phase', () => {
    expect(healthy?.readP99Ms).toBe(500)
    expect(healthy?.writeP99Ms).toBe(4)
    expect(blackhole?.errors).toBe(1)
    expect(blackhole?.failovers).toBe(1)
    expect(healthy?.failovers).toBe(0)
    expect(blackhole?.hedges).toBe(2)
    expect(healthy?.hedges).toBe(1)
  })

  it('reports the share served while each cluster was active', () => {
    expect(healthy?.servedBy).toEqual({ east: 0.667, west: 0.333 })
    expect(blackhole?.servedBy).toEqual({ east: 0, west: 1 })
  })

  it('buckets latency by start time and cluster', () => {
    const buckets = latencyBuckets(ops, 1000)
    expect(buckets.map((b) => [b.fromMs, b.cluster, b.count])).toEqual([
      [0, 'east', 2],
      [0, 'west', 1],
      [1000, 'west', 2],
    ])
    expect(bucketWidth(60_000)).toBe(200)
    expect(bucketWidth(5_000)).toBe(100)
  })
})

describe('demo: timeline', () => {
  it('splits the duration by weight with a floor per phase', () => {
    const d = phaseDurations(60_000)
    expect(d).toHaveLength(PHASES.length)
    expect(d.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(59_990)
    expect(Math.min(...phaseDurations(6_000))).toBe(1500)
  })
})

describe('demo: checks', () => {
  it('all pass on a clean run that showed every behaviour', () => {
    const checks = judge(showcase, good)
    expect(checks.filter((c) => !c.ok)).toEqual([])
    expect(checks.length).toBeGreaterThanOrEqual(10)
  })

  it('a lost write, a divergent replica or a missing failback fails the run', () => {
    const failed = (over: Partial<typeof good>, phases = showcase) =>
      judge(phases, { ...good, ...over })
        .filter((c) => !c.ok)
        .map((c) => c.name)
    expect(failed({ lostWrites: 1 })).toEqual(['no acknowledged write lost'])
    expect(failed({ convergenceMs: null, divergent: 3 })).toEqual(['replicas converged'])
    expect(
      failed(
        {},
        showcase.map((p) => (p.name === 'healed' ? { ...p, failbacks: 0 } : p)),
      ),
    ).toEqual(['failback once the network healed'])
    expect(failed({ aborted: true })).toEqual(['timeline completed'])
    const traced = 'one failover traced by OpenTelemetry, its waterfall drawn from the recorded spans'
    expect(failed({ traced: null })).toEqual([traced])
    const wrong = judge(showcase, {
      ...good,
      traced: { description: 'findById: …', problems: ['row 2: bar at x=400', 'row 3: parent a, recorded b'] },
    })
    expect(wrong.find((c) => c.name === traced)).toEqual({
      name: traced,
      ok: false,
      detail: 'row 2: bar at x=400; row 3: parent a, recorded b',
    })
  })
})

describe('demo: output', () => {
  const result: DemoResult = {
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 2000,
    clusters: ['east', 'west'],
    settings: { timeoutMs: 500, table: '/demo/<users>' },
    phases: summarizePhases(windows, ops, [], [], ['east', 'west']),
    seconds: [{ atMs: 1000, phase: 'healthy', ops: 3, p99Ms: 500, cluster: 'east', errors: 0, timeouts: 0, hedges: 0 }],
    events: [
      { atMs: 1000, type: 'fault', text: 'east: <link> black-holed' },
      { atMs: 1050, type: 'failover', text: 'failover east -> west (TIMEOUT)' },
    ],
    clusterTimeline: [
      { cluster: 'east', fromMs: 0, toMs: 1050, reason: 'initial' },
      { cluster: 'west', fromMs: 1050, toMs: 2000, reason: 'failover' },
    ],
    latency: latencyBuckets(ops, 100),
    bucketMs: 100,
    totals: {
      ops: 5,
      errors: 1,
      failovers: 1,
      failbacks: 0,
      hedges: 0,
      lostWrites: 0,
      duplicateApplies: 0,
      hangs: 0,
      documents: 42,
      convergenceMs: 80,
    },
    checks: [{ name: 'replicas converged', ok: true, detail: 'same 42 documents' }],
    errorsByKind: { 'increment FAILOVER': 2 },
    trace: null,
    anomalies: [],
    ok: true,
  }

  it('the HTML report is self-contained: inline SVG charts, no script, no external resource, text escaped', () => {
    const html = renderReport(result)
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html.match(/<svg /g)?.length).toBe(3)
    expect(html).not.toMatch(/<script|src=|href=/)
    expect(html).toContain('east: &lt;link&gt; black-holed')
    expect(html).not.toContain('<link>')
    expect(html).toContain('/demo/&lt;users&gt;')
    expect(html).toContain('Every check passed.')
    expect(html).toContain('No traced operation failed over during this run.')
    expect(renderReport({ ...result, ok: false })).toContain('Some checks FAILED.')
    expect(escapeHtml('a"b&')).toBe('a&quot;b&amp;')
  })

  it('the live view writes plain lines without colour codes when colour is off', () => {
    const lines: string[] = []
    const view = new LiveView(colorsFor(true, { isTTY: true }), 'east', (l) => lines.push(l))
    view.second({ atMs: 3000, phase: 'blackhole', ops: 812, p99Ms: 503.2, cluster: 'west', errors: 2, timeouts: 8, hedges: 0 })
    view.event({ atMs: 3100, type: 'failover', text: 'failover east -> west (TIMEOUT)' })
    expect(lines).toEqual([
      '  3.0s  blackhole       812 ops/s  p99  503 ms  serving west  errors 2  timeouts 8',
      '  3.1s  >> failover east -> west (TIMEOUT)',
    ])
    // eslint-disable-next-line no-control-regex
    expect(lines.join('')).not.toMatch(/\u001b\[/)
    expect(colorsFor(false, { isTTY: false }).isColorSupported).toBe(false)
  })

  it('the phase table has one row per phase under a header', () => {
    const table = phaseTable(result.phases).split('\n')
    expect(table).toHaveLength(4)
    expect(table[0]).toMatch(/^phase\s+secs\s+ops/)
    expect(table[2]).toMatch(/^healthy\s+1\.0\s+3\s/)
  })
})
