/**
 * The overhead section's verdicts and its README table (bench/sections/overhead.ts), from
 * synthetic figures: the measurement itself runs in `npm run bench`.
 */
import { describe, expect, it } from 'vitest'
import { overheadMarkdown, targetOf, verdictOf, type OverheadJson, type OverheadRow } from '../../bench/sections/overhead.js'

function row(op: OverheadRow['op'], concurrency: number, ratio: number, low: number, high: number): OverheadRow {
  const nan = Number.NaN
  return {
    op,
    concurrency,
    rawOpsPerSec: 1000,
    failoverOpsPerSec: 1000 * ratio,
    hedgedOpsPerSec: nan,
    ratioFailoverToRaw: ratio,
    ratioLow: low,
    ratioHigh: high,
    ratioCoverage: 0.961,
    verdict: verdictOf({ low, high }),
    ratioHedgedToRaw: nan,
    hedgedRatioLow: nan,
    hedgedRatioHigh: nan,
    rawP50Ms: nan,
    rawP99Ms: nan,
    failoverP50Ms: nan,
    failoverP99Ms: nan,
    hedgedP50Ms: nan,
    hedgedP99Ms: nan,
    errors: 0,
    rawCpuUsPerOp: 300,
    failoverCpuUsPerOp: 302.4,
    hedgedCpuUsPerOp: nan,
    cpuRatioFailoverToRaw: 1.008,
    rawEventLoopUtilization: 0.61,
    failoverEventLoopUtilization: 0.625,
    hedgedEventLoopUtilization: nan,
  }
}

describe('overhead verdicts', () => {
  it('within noise when the interval holds 1, else faster or slower', () => {
    expect(verdictOf({ low: 0.9, high: 1.01 })).toBe('within noise')
    expect(verdictOf({ low: 1, high: 1.2 })).toBe('within noise')
    expect(verdictOf({ low: 0.8, high: 0.99 })).toBe('slower')
    expect(verdictOf({ low: 1.01, high: 1.1 })).toBe('faster')
  })

  it('targets: c <= 16 at 0.97 or within noise; above, 0.95 whatever the interval', () => {
    expect(targetOf(row('insertOrReplace', 16, 0.92, 0.85, 1.02))).toMatch(/within noise\) met$/)
    expect(targetOf(row('insertOrReplace', 16, 0.92, 0.85, 0.96))).toMatch(/MISSED$/)
    expect(targetOf(row('findById', 1, 0.975, 0.96, 0.99))).toMatch(/met$/)
    expect(targetOf(row('findById', 256, 0.94, 0.9, 1.02))).toMatch(/MISSED$/)
    expect(targetOf(row('findById', 256, 0.951, 0.94, 0.96))).toMatch(/met$/)
  })
})

describe('overhead README table', () => {
  it('one line per row: ratio, interval, verdict, CPU and loop utilisation of both sides', () => {
    const json: OverheadJson = {
      repetitions: 9,
      intervalCoverage: 0.961,
      measuredMsPerRun: 600,
      warmupMsPerRun: 150,
      rows: [row('findById', 16, 0.991, 0.962, 1.013), row('insertOrReplace', 16, 0.95, 0.93, 0.98)],
      bare: [],
      isolated: [],
    }
    const lines = overheadMarkdown(json).split('\n')
    expect(lines).toHaveLength(4)
    expect(lines[0]).toContain('96 % interval')
    expect(lines[2]).toBe('| findById | 16 | 0.991 | 0.962 – 1.013 | within noise | 300 / 302 | 0.61 / 0.63 |')
    expect(lines[3]).toBe('| insertOrReplace | 16 | 0.950 | 0.930 – 0.980 | slower | 300 / 302 | 0.61 / 0.63 |')
  })
})
