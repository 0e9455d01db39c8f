import { describe, expect, it } from 'vitest'
import { marbles } from 'rxjs-marbles'
import { DeadlineList, type DeadlineEntry } from '../../lib/failover/deadline-list.js'

function entry(name: string, log: string[], now: () => number): DeadlineEntry {
  return { deadline: 0, prevEntry: null, nextEntry: null, list: null, expire: () => log.push(`${name}@${now()}`) }
}

describe('DeadlineList', () => {
  it(
    'expires each entry exactly at start + limit; removed entries never expire',
    marbles((m) => {
      const log: string[] = []
      const now = () => m.scheduler.now()
      const list = new DeadlineList(10, m.scheduler)
      const [a, b, c] = ['a', 'b', 'c'].map((n) => entry(n, log, now)) as [DeadlineEntry, DeadlineEntry, DeadlineEntry]
      m.scheduler.schedule(() => list.add(a, now()), 0)
      m.scheduler.schedule(() => list.add(b, now()), 1)
      m.scheduler.schedule(() => list.add(c, now()), 5)
      m.scheduler.schedule(() => list.remove(b), 4)
      m.flush()
      expect(log).toEqual(['a@10', 'c@15'])
      expect(list.size).toBe(0)
    }),
  )

  it(
    'a removed head does not fire the next entry early',
    marbles((m) => {
      const log: string[] = []
      const now = () => m.scheduler.now()
      const list = new DeadlineList(10, m.scheduler)
      const [a, b] = ['a', 'b'].map((n) => entry(n, log, now)) as [DeadlineEntry, DeadlineEntry]
      m.scheduler.schedule(() => list.add(a, now()), 0)
      m.scheduler.schedule(() => list.remove(a), 2)
      m.scheduler.schedule(() => list.add(b, now()), 7)
      m.flush()
      expect(log).toEqual(['b@17'])
    }),
  )

  it(
    'dispose() cancels the pending expiry',
    marbles((m) => {
      const log: string[] = []
      const now = () => m.scheduler.now()
      const list = new DeadlineList(10, m.scheduler)
      list.add(entry('a', log, now), 0)
      m.scheduler.schedule(() => list.dispose(), 5)
      m.flush()
      expect(log).toEqual([])
    }),
  )
})
