/**
 * The grace rules of FailoverStore.close() as a property, in virtual time: for any set of
 * operations (start, duration or never), any close time and any grace, each operation started
 * before close() ends with its answer when that comes before the cut-off and with ClosedError
 * exactly at the cut-off otherwise; one started after close() fails at once; the clusters are closed
 * when the last operation ended, never after the cut-off.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { map, NEVER, timer } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { FailoverStore } from '../../lib/failover/index.js'
import { codeOf } from './helpers.js'
import { VirtualStore } from './virtual-store.js'

interface Op {
  readonly start: number
  /** Frames until the answer; undefined: never answers. */
  readonly duration: number | undefined
}

const op = fc.record({ start: fc.integer({ min: 0, max: 30 }), duration: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }) })

describe('FailoverStore.close(): grace property', () => {
  it('every operation answers before the cut-off or ends with ClosedError at it; late ones fail at once; clusters close when the last one ended', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 12 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 40 }),
        (ops: Op[], closeAt: number, graceMs: number) => {
          const cutOff = closeAt + graceMs
          // Same-frame order between an answer and the cut-off (or a start and close()) is not a rule.
          fc.pre(ops.every((o) => o.start !== closeAt && (o.duration === undefined || o.start + o.duration !== cutOff)))
          const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b))
          let closedAt: number | undefined
          const c1 = new VirtualStore({}, '/c1/t')
          const store = new FailoverStore(
            [
              { name: 'c1', store: c1, close: () => (closedAt ??= scheduler.now()) },
              { name: 'c2', store: new VirtualStore({}, '/c2/t') },
            ],
            // Limits far beyond the frames used: nothing times out or fails over.
            { timeoutMs: 10_000, secondaryTimeoutMs: 20_000, scheduler, random: () => 0 },
          )
          // Started in time order, so the n-th call to the store is the n-th op started before close().
          const order = ops.map((o, i) => ({ ...o, i })).sort((x, y) => x.start - y.start || x.i - y.i)
          const durations = order.filter((o) => o.start < closeAt).map((o) => o.duration)
          let next = 0
          c1.on('findById', () => {
            const d = durations[next++]
            return d === undefined ? NEVER : timer(d, scheduler).pipe(map(() => null))
          })
          const seen: string[] = ops.map(() => 'none')
          scheduler.schedule(() => void store.close({ graceMs }), closeAt)
          for (const o of order) {
            scheduler.schedule(() => {
              store.findById('k').subscribe({
                next: () => undefined,
                error: (e: unknown) => (seen[o.i] = `${codeOf(e)}@${scheduler.now()}`),
                complete: () => (seen[o.i] = `ok@${scheduler.now()}`),
              })
            }, o.start)
          }
          scheduler.flush()

          const expected = ops.map((o) => {
            if (o.start > closeAt) return `CLOSED@${o.start}`
            if (o.duration !== undefined && o.start + o.duration < cutOff) return `ok@${o.start + o.duration}`
            return `CLOSED@${cutOff}`
          })
          expect(seen).toEqual(expected)
          const running = ops.filter((o) => o.start < closeAt)
          const lastEnd = Math.max(
            closeAt,
            ...running.map((o) => (o.duration !== undefined && o.start + o.duration < cutOff ? o.start + o.duration : cutOff)),
          )
          expect(closedAt).toBe(lastEnd)
          expect(store.stats()).toMatchObject({ inFlight: 0, activeTimers: 0 })
        },
      ),
      { numRuns: 300 },
    )
  })
})
