/**
 * Keeps the bench machinery from rotting: each piece runs on a tiny slice and the spec checks the
 * shape of what comes out (and exact values where the input is synthetic). No timing goal is
 * asserted: those belong to `npm run bench`.
 */
import { Observable, lastValueFrom, of, timer, map } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cockatielFindById, cockatielTimeout, officialRetryDelayMs } from '../../bench/baselines.js'
import { GatewayEnv } from '../../bench/env.js'
import { analyse, combine, faultRun, type FaultRun } from '../../bench/fault-run.js'
import { closedLoop, openLoop, type OpRecord } from '../../bench/load.js'
import { NoopGrpc } from '../../bench/noop-client.js'
import { formatTable, roundDeep } from '../../bench/report.js'
import { KEYS, oursOverProxies, seedKeys } from '../../bench/sections/failover.js'
import { runScale } from '../../bench/sections/scale.js'
import { latencyFigures, median } from '../../bench/stats.js'
import { cdfSvg, timelineSvg } from '../../bench/svg.js'
import { GatedStore, ImmediateStore } from '../../bench/gated-store.js'
import type { Document } from '../../lib/ojai/values.js'
import type { Store } from '../../lib/store.js'

const quiet = { quick: true, log: () => undefined }

function rec(start: number, end: number, ok: boolean, servedBy?: string): OpRecord {
  return { start, end, ok, servedBy, error: ok ? undefined : 'X' }
}

describe('bench statistics and reports', () => {
  it('summarises latencies by nearest rank and takes medians', () => {
    const f = latencyFigures(Array.from({ length: 1000 }, (_, i) => 1000 - i))
    expect(f).toEqual({ count: 1000, p50Ms: 500, p99Ms: 990, p999Ms: 999, maxMs: 1000 })
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 2, 3])).toBe(2.5)
    expect(Number.isNaN(median([]))).toBe(true)
  })

  it('prints every column of every row and rounds JSON numbers (NaN -> null)', () => {
    const text = formatTable('T', [
      { a: 1.23456, b: 'x' },
      { a: 2, c: null },
    ])
    expect(text.split('\n')[1]).toMatch(/^\s*a\s+b\s+c$/)
    expect(text).toContain('1.235')
    expect(roundDeep({ x: 1234.567, y: [Number.NaN, 0.123456] })).toEqual({ x: 1235, y: [null, 0.123] })
  })

  it('draws a timeline and CDFs as standalone SVG', () => {
    const t = timelineSvg(
      't',
      [
        { t: 0, latencyMs: 1, series: 'A' },
        { t: 10, latencyMs: 100, series: 'B' },
        { t: 20, latencyMs: 5, series: undefined },
      ],
      [{ t: 5, label: 'fault' }],
    )
    expect(t.startsWith('<svg')).toBe(true)
    expect(t.match(/<circle/g)?.length).toBe(3)
    expect(t).toContain('served by A')
    const c = cdfSvg('c', [
      { label: 'x', latenciesMs: [1, 2, 3, 1000] },
      { label: 'y', latenciesMs: [1, 1, 2] },
    ])
    expect(c.match(/<polyline/g)?.length).toBe(2)
  })
})

describe('bench load generators', () => {
  it('closed loop: counts synchronous operations without growing the stack', async () => {
    const r = await closedLoop(() => of(1), { concurrency: 4, durationMs: 50, warmupMs: 10 })
    expect(r.ops).toBeGreaterThan(0)
    expect(r.latenciesMs).toHaveLength(r.ops)
    expect(r.errors).toBe(0)
    expect(Number.isFinite(r.opsPerSec)).toBe(true)
    // Synchronous operations keep the loop busy for the whole window.
    expect(r.eventLoopUtilization).toBeGreaterThan(0.5)
    expect(r.eventLoopUtilization).toBeLessThanOrEqual(1)
  })

  it('open loop: starts on schedule plus bursts, records outcome and who answered', async () => {
    const run = openLoop((i) => timer(2).pipe(map(() => ({ who: i % 2 === 0 ? 'A' : 'B' }))), {
      rate: 200,
      durationMs: 100,
      drainMs: 1000,
      tagOf: (v) => (v as { who: string }).who,
    })
    run.burst(5)
    const { unfinished, skipped } = await run.done
    expect(unfinished).toBe(0)
    expect(skipped).toBe(0)
    expect(run.records.length).toBeGreaterThanOrEqual(15)
    expect(run.records.every((r) => r.ok && r.end >= r.start && (r.servedBy === 'A' || r.servedBy === 'B'))).toBe(true)
  })

  it('open loop: cancels what is still running at the drain bound', async () => {
    const run = openLoop(() => new Observable<never>(() => undefined), { rate: 100, durationMs: 30, drainMs: 20 })
    const { unfinished } = await run.done
    expect(unfinished).toBe(run.records.length)
    expect(run.records.every((r) => Number.isNaN(r.end))).toBe(true)
  })
})

describe('bench fault analysis', () => {
  const run: FaultRun = {
    t0: 0,
    faultAt: 1000,
    healAt: Number.NaN,
    endedAt: 3000,
    unfinished: 1,
    skipped: 0,
    records: [
      rec(300, 302, true, 'A'),
      rec(500, 504, true, 'A'),
      rec(990, 1100, true, 'B'), // in flight at the fault, moved on
      rec(995, 1120, false), // in flight, failed
      rec(1010, 1110, true, 'B'),
      rec(1200, 1203, true, 'B'),
      rec(1300, Number.NaN, false), // never ended
    ],
  }

  it('measures against the fault time', () => {
    const f = analyse(run)
    expect(f.firstSuccessMs).toBe(100)
    expect(f.inFlightAtFault).toBe(2)
    expect(f.inFlightMaxMs).toBe(125)
    expect(f.inFlightDoneAfterFaultMs).toBe(120)
    expect(f.healthyP99Ms).toBe(4)
    expect(f.callerErrors).toBe(1)
    expect(f.unfinished).toBe(1)
    // Started after the first answer from B (t >= 1100): 3 ms and the unfinished one, counted to the end (1700 ms).
    expect(f.p99AfterSwitchMs).toBe(1700)
  })

  it('combines repetitions: medians, worst cases and sums', () => {
    const f = analyse(run)
    const c = combine([f, { ...f, firstSuccessMs: 300, inFlightDoneAfterFaultMs: 5 }, { ...f, firstSuccessMs: 50 }])
    expect(c.repetitions).toBe(3)
    expect(c.firstSuccessMs).toBe(100)
    expect(c.firstSuccessMaxMs).toBe(300)
    expect(c.inFlightDoneAfterFaultMs).toBe(120)
    expect(c.callerErrors).toBe(3)
  })
})

describe('bench baselines', () => {
  it('official client schedule: 1 s doubling, capped at 18 s, 67 s over 7 retries', () => {
    const delays = Array.from({ length: 7 }, (_, i) => officialRetryDelayMs(i))
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 18000, 18000])
    expect(delays.reduce((a, b) => a + b)).toBe(67_000)
  })

  it('cockatiel timeout + fallback answers from the secondary when the primary is silent', async () => {
    const silent = new GatedStore()
    const secondary = { findById: () => of({ _id: 'k', from: 'secondary' } as Document) } as unknown as Store
    const value = await new Promise((resolve, reject) =>
      cockatielFindById(silent, secondary, cockatielTimeout(20), 'k').subscribe({ next: resolve, error: reject }),
    )
    expect(value).toEqual({ _id: 'k', from: 'secondary' })
  })
})

describe('bench virtual stores', () => {
  it('GatedStore holds operations until released; ImmediateStore answers on a later turn', async () => {
    const gated = new GatedStore()
    const got: unknown[] = []
    gated.findById().subscribe((v) => got.push(v))
    gated.findById().subscribe((v) => got.push(v))
    expect(gated.pending).toBe(2)
    expect(got).toHaveLength(0)
    expect(gated.release()).toBe(2)
    expect(got).toHaveLength(2)
    const later: unknown[] = []
    new ImmediateStore().findById().subscribe((v) => later.push(v))
    expect(later).toHaveLength(0)
    await new Promise((resolve) => setImmediate(resolve))
    expect(later).toHaveLength(1)
  })
})

describe('bench scale section (tiny)', () => {
  it('reports heap per operation and that nothing is left behind', async () => {
    const out = await runScale(quiet, [200, 500])
    expect(out.json.rows).toHaveLength(2)
    for (const r of out.json.rows) {
      expect(r.statsInFlightPeak).toBe(r.inFlight)
      expect(r.answered).toBe(r.inFlight)
      expect(r.statsInFlightAfter).toBe(0)
      expect(r.activeTimersAfter).toBe(0)
      expect(r.resourcesLeftAfterClose).toBeLessThanOrEqual(0)
      expect(Number.isFinite(r.failoverBytesPerOp)).toBe(true)
      expect(r.failoverOpsPerSec).toBeGreaterThan(0)
    }
  })
})

describe('bench bare gRPC no-op', () => {
  it('starts the server process, answers calls, closes', async () => {
    const noop = await NoopGrpc.start()
    try {
      // Connect first: on a loaded machine the first call alone can outlast the 100 ms loop.
      await lastValueFrom(noop.call(), { defaultValue: undefined })
      const r = await closedLoop(() => noop.call(), { concurrency: 2, durationMs: 100 })
      expect(r.errors).toBe(0)
      expect(r.ops).toBeGreaterThan(0)
    } finally {
      await noop.close()
    }
  })

  it('streams a payload the number of times asked and answers its CPU time', async () => {
    const noop = await NoopGrpc.start()
    try {
      const before = await noop.cpuUs()
      await lastValueFrom(noop.stream(Buffer.from('payload'), 50), { defaultValue: undefined })
      expect(before).toBeGreaterThan(0)
      expect(await noop.cpuUs()).toBeGreaterThanOrEqual(before)
    } finally {
      await noop.close()
    }
  })
})

describe('bench gateway slice', () => {
  let env: GatewayEnv | undefined
  beforeAll(async () => {
    env = await GatewayEnv.start()
  })
  afterAll(async () => {
    await env?.close()
  })

  it('runs a refused-primary fault through a FailoverStore and analyses it', async () => {
    const e = env as GatewayEnv
    const path = await seedKeys(e)
    const ours = await oursOverProxies(e, path, { timeoutMs: 100 })
    try {
      const run = await faultRun({
        env: e,
        op: (i) => ours.store.findById(`k${i % KEYS}`),
        tagOf: ours.tags.of,
        fault: 'refuse',
        rate: 100,
        healthyMs: 300,
        afterMs: 300,
        drainMs: 2000,
        burstAtFault: 4,
      })
      const f = analyse(run)
      expect(f.ops).toBeGreaterThan(30)
      expect(f.inFlightAtFault).toBeGreaterThanOrEqual(4)
      expect(run.records.some((r) => r.servedBy === 'A')).toBe(true)
      expect(run.records.some((r) => r.servedBy === 'B')).toBe(true)
      expect(f.firstSuccessMs).not.toBeNull()
    } finally {
      ours.dispose()
    }
    await e.heal()
    expect(e.a.state).toBe('running')
  })
})
