/**
 * The timekeeper (timekeeper.ts), the one owner of operation timers: deadline lists sorted by due
 * time, one heartbeat, and stall accounting on the runnable clock. Entries here are bare
 * TimedEntry objects that record when they expire.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_STALL, DeadlineList, Timekeeper, type Stall, type TimedEntry } from '../../lib/failover/timekeeper.js'
import { doc, outcome, setup } from './helpers.js'
import { marbles, type StallContext } from './stall-scheduler.js'

class Entry implements TimedEntry {
  due = 0
  prevEntry: TimedEntry | null = null
  nextEntry: TimedEntry | null = null
  list: DeadlineList | null = null
  constructor(
    readonly name: string,
    private readonly onExpire: (entry: Entry) => void = () => undefined,
  ) {}
  expire(): void {
    this.onExpire(this)
  }
}

function order(list: DeadlineList): string[] {
  const names: string[] = []
  for (let e = list.head; e !== null; e = e.nextEntry) names.push(`${(e as Entry).name}:${e.due}`)
  return names
}

/** A timekeeper on the spec's scheduler that logs `name@time` for each expiry and each stall. */
function keeper(m: StallContext, options = DEFAULT_STALL) {
  const log: string[] = []
  const stalls: Stall[] = []
  const clock = new Timekeeper(m.scheduler, options, (s) => stalls.push(s))
  const entry = (name: string, onExpire?: (e: Entry) => void) =>
    new Entry(name, (e) => {
      log.push(`${name}@${m.scheduler.now()}`)
      onExpire?.(e)
    })
  /** Arms `e` at virtual time `at` (start: the runnable now, or `start`). */
  const armAt = (at: number, e: Entry, limitMs: number, start?: number) => m.scheduler.schedule(() => clock.arm(e, limitMs, start), at)
  return { clock, log, stalls, entry, armAt }
}

describe('DeadlineList', () => {
  it('keeps entries sorted by due time whatever the insertion order; remove relinks head, middle and tail', () => {
    const list = new DeadlineList(10)
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => new Entry(n)) as [Entry, Entry, Entry, Entry]
    a.due = 10
    b.due = 20
    c.due = 15
    d.due = 5
    for (const e of [a, b, c, d]) list.insert(e)
    expect(order(list)).toEqual(['d:5', 'a:10', 'c:15', 'b:20'])
    list.remove(c)
    expect(order(list)).toEqual(['d:5', 'a:10', 'b:20'])
    list.remove(d)
    list.remove(b)
    expect(order(list)).toEqual(['a:10'])
    expect([list.size, a.prevEntry, a.nextEntry, c.list]).toEqual([1, null, null, null])
    const e = new Entry('e')
    e.due = 10 // equal due: after the entries already there
    list.insert(e)
    expect(order(list)).toEqual(['a:10', 'e:10'])
  })
})

describe('Timekeeper', () => {
  it(
    'expires every entry exactly at its due time, across limits; nothing is left scheduled after the last',
    marbles((m) => {
      const { clock, log, entry, armAt } = keeper(m)
      armAt(0, entry('a'), 10)
      armAt(3, entry('b'), 10)
      armAt(3, entry('c'), 25)
      armAt(40, entry('d'), 7)
      m.flush()
      expect(log).toEqual(['a@10', 'b@13', 'c@28', 'd@47'])
      expect(clock.armed).toBe(0)
      expect(m.scheduler.actions).toHaveLength(0)
      expect(m.scheduler.now()).toBe(47)
    }),
  )

  it(
    'a disarmed entry never expires; armed counts what is pending',
    marbles((m) => {
      const { clock, log, entry, armAt } = keeper(m)
      const b = entry('b')
      armAt(0, entry('a'), 10)
      armAt(0, b, 10)
      m.scheduler.schedule(() => {
        expect(clock.armed).toBe(2)
        clock.disarm(b)
        clock.disarm(b) // twice is harmless
        expect(clock.armed).toBe(1)
      }, 5)
      m.flush()
      expect(log).toEqual(['a@10'])
      expect(clock.armed).toBe(0)
    }),
  )

  describe('finding 7: an entry that moves on to the same limit does not delay the others', () => {
    it(
      'A (0, limit 10) expires and re-arms with the same limit; B (5, limit 10) still expires at 15, not at 20',
      marbles((m) => {
        let moved = false
        const { clock, log, entry, armAt } = keeper(m)
        armAt(
          0,
          entry('A', (a) => {
            if (moved) return
            moved = true
            clock.arm(a, 10)
          }),
          10,
        )
        armAt(5, entry('B'), 10)
        m.flush()
        expect(log).toEqual(['A@10', 'B@15', 'A@20'])
      }),
    )

    it(
      'an entry re-armed from an older start is inserted in order: Y (armed at 15 from 5, due 35) before X (armed at 10, due 40)',
      marbles((m) => {
        const { log, entry, armAt } = keeper(m)
        armAt(10, entry('X'), 30)
        armAt(15, entry('Y'), 30, 5)
        m.flush()
        expect(log).toEqual(['Y@35', 'X@40'])
      }),
    )
  })

  describe('finding 7 through a FailoverStore: exact frames', () => {
    it(
      '3 clusters, timeoutMs === secondaryTimeoutMs (10): A moves on at 10 with the same limit; B (started at 5) still times out at 15 and is answered at 17',
      marbles((m) => {
        const { store, stores } = setup(m, { count: 3, secondaryTimeoutMs: 10 })
        stores[0]!.on('findById', m.cold('-'))
        stores[1]!.on('findById', m.cold('--(b|)', { b: doc('s') }))
        m.expect(store.findById('A')).toBeObservable('12ms (b|)', { b: doc('s') })
        m.expect(store.findById('B'), '5ms ^').toBeObservable('17ms (b|)', { b: doc('s') })
      }),
    )

    it(
      'a per-call timeoutMs equal to secondaryTimeoutMs (30): X moves on at 30 with the same limit; Y (moved on at 15, due 45) still gives up at 45',
      marbles((m) => {
        const { store, stores } = setup(m)
        stores[0]!.on('findById', m.cold('-'))
        stores[1]!.on('findById', m.cold('-'))
        m.expect(outcome(store.findById('X', { timeoutMs: 30 }))).toBeObservable('60ms (e|)', { e: 'error:FAILOVER' })
        m.expect(outcome(store.findById('Y')), '5ms ^').toBeObservable('45ms (e|)', { e: 'error:FAILOVER' })
      }),
    )

    it(
      'a write that cannot move waits from its own start (5 + 30 = 35), ahead of a read armed earlier with the same limit (10 + 30 = 40)',
      marbles((m) => {
        const { store, stores } = setup(m)
        stores[0]!.on('findById', m.cold('-'))
        stores[0]!.on('insert', m.cold('-'))
        stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
        m.expect(outcome(store.insert(doc('Y'))), '5ms ^').toBeObservable('35ms (e|)', { e: 'error:TIMEOUT' })
        m.expect(store.findById('X', { timeoutMs: 30 }), '10ms ^').toBeObservable('40ms (b|)', { b: doc('s') })
      }),
    )
  })

  it(
    'dispose() cancels the heartbeat: nothing expires, nothing stays scheduled',
    marbles((m) => {
      const { clock, log, entry, armAt } = keeper(m)
      armAt(0, entry('a'), 10)
      m.scheduler.schedule(() => clock.dispose(), 5)
      m.flush()
      expect(log).toEqual([])
      expect(m.scheduler.actions).toHaveLength(0)
    }),
  )

  describe('stalls (the clock jumps: stallAt(at, ms) blocks the process from at to at + ms)', () => {
    it(
      'a 250 ms stall at 30 is seen by the late heartbeat (due at 30, run at 280): reported once, and a limit due at 100 expires at 350',
      marbles((m) => {
        const { clock, log, stalls, entry, armAt } = keeper(m)
        armAt(0, entry('a'), 100)
        m.scheduler.stallAt(30, 250)
        m.scheduler.schedule(() => expect(clock.now()).toBe(31), 281)
        m.flush()
        expect(stalls).toEqual([{ at: 280, stalledMs: 250 }])
        expect(log).toEqual(['a@350'])
        expect([clock.stalls, clock.stalledMs, clock.now()]).toEqual([1, 250, 100])
      }),
    )

    it(
      'two stalls add up; an entry armed after them runs on the runnable clock (scheduler time minus 350)',
      marbles((m) => {
        const { clock, log, stalls, entry, armAt } = keeper(m)
        armAt(0, entry('a'), 1000)
        m.scheduler.stallAt(10, 250) // 10 to 260
        m.scheduler.stallAt(301, 100) // 301 to 401, starting on a heartbeat (261, 271 … 301)
        armAt(500, entry('b'), 10)
        m.flush()
        expect(stalls).toEqual([
          { at: 260, stalledMs: 250 },
          { at: 401, stalledMs: 100 },
        ])
        expect(log).toEqual(['b@510', 'a@1350'])
        expect([clock.stalls, clock.stalledMs]).toEqual([2, 350])
      }),
    )

    it(
      'an entry armed after the stall but before the late heartbeat ran (by a timer due earlier) starts on the runnable clock: the stall is charged once, when the clock is read',
      marbles((m) => {
        const { log, stalls, entry, armAt } = keeper(m)
        armAt(0, entry('A'), 100) // heartbeat planned at 10
        m.scheduler.stallAt(4, 250) // 4 to 254
        armAt(7, entry('B'), 10) // due at 7, runs at 254, before the heartbeat due at 10
        m.flush()
        expect(stalls).toEqual([{ at: 254, stalledMs: 244 }])
        expect(log).toEqual(['B@264', 'A@344'])
      }),
    )

    it(
      'a wake later than 1 ms but within thresholdMs is no stall: charged to the limits, but expires nothing before the next turn',
      marbles((m) => {
        const { clock, log, stalls, entry, armAt } = keeper(m)
        armAt(0, entry('a'), 10)
        m.scheduler.stallAt(10, 15) // the wake due at 10 runs at 25
        m.flush()
        expect(stalls).toEqual([])
        expect(clock.stalledMs).toBe(0)
        expect(log).toEqual(['a@26'])
      }),
    )

    it(
      'the turn a late wake gives the event loop is the only grace: on a busy loop (every turn 4 ms late) a limit due at 10 expires at 20, not when the loop quiets down',
      marbles((m) => {
        // wake due 10 runs at 15 (late 5: one turn for I/O); that turn's wake, due 16, runs at 20
        // (late 4, busy loop) and expires; waiting for a punctual wake would have waited till 31.
        const { clock, log, stalls, entry, armAt } = keeper(m)
        armAt(0, entry('a'), 10)
        m.scheduler.stallAt(10, 5)
        for (const at of [16, 21, 26]) m.scheduler.stallAt(at, 4)
        m.flush()
        expect(log).toEqual(['a@20'])
        expect([stalls, clock.stalledMs]).toEqual([[], 0])
      }),
    )

    it(
      'a stall seen in the grace turn earns one more turn: answers that came during it are read before anything expires',
      marbles((m) => {
        const { log, stalls, entry, armAt } = keeper(m)
        armAt(0, entry('a'), 10)
        m.scheduler.stallAt(10, 5) // wake due 10 runs at 15: one turn
        m.scheduler.stallAt(16, 30) // that turn's wake, due 16, runs at 46: a stall of 30, charged
        m.flush()
        expect(stalls).toEqual([{ at: 46, stalledMs: 30 }])
        // Runnable clock: 46 - 30 = 16 > 10, so a is due; it expires one turn after the stall.
        expect(log).toEqual(['a@47'])
      }),
    )

    it(
      'thresholdMs and tickMs are options: tick 1 measures a stall exactly wherever it starts',
      marbles((m) => {
        const { log, stalls, entry, armAt } = keeper(m, { tickMs: 1, thresholdMs: 5 })
        armAt(0, entry('a'), 10)
        m.scheduler.stallAt(3, 6)
        m.flush()
        expect(stalls).toEqual([{ at: 9, stalledMs: 6 }])
        expect(log).toEqual(['a@16'])
      }),
    )
  })
})
