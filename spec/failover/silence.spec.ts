/**
 * silence.ts: a cluster with requests outstanding that answered none of them for longer than its
 * own latency explains is suspect (`silent`) within milliseconds; new operations start elsewhere,
 * reads in flight move on at once, writes keep their attempts; the active cluster still moves only
 * on a timeout or an error. Default options (timeoutMs 500, silence floor 15 ms, 16 answers to
 * learn from), virtual time: one frame is 1 ms. Stores are the testing kit's fakes.
 *
 * Every timeline starts with a warm-up: 20 reads on c1 at 0..19 ms, each answered in 2 ms, so
 * c1's learned latency is 2 ms and its threshold the floor, 15 ms. The heartbeat that checks for
 * silence beats every 10 ms while anything is armed.
 */
import { describe, expect, it } from 'vitest'
import { marbles, type Context } from 'rxjs-marbles'
import type { Observable } from 'rxjs'
import { FailoverStore, type FailoverStoreEvent, type FailoverStoreOptions } from '../../lib/failover/index.js'
import { DEFAULT_SILENCE, SilenceWatch } from '../../lib/failover/silence.js'
import { fakeStore, marble, type FakeStore } from '../../lib/testing/index.js'
import { outcome, states } from './helpers.js'

const FAULT_AT = 100

/** c1 answers every read in 2 ms until `until`; from then on it never answers (a black hole), probes included. */
function primary(m: Context, until = FAULT_AT, slowRead?: { at: number; ms: number }): FakeStore {
  return fakeStore(
    {
      findById: () => {
        const now = m.scheduler.now()
        if (slowRead !== undefined && now === slowRead.at) return marble(`${slowRead.ms}ms (a|)`, { a: A })
        return now < until ? marble('--(a|)', { a: A }) : '-'
      },
      insertOrReplace: () => (m.scheduler.now() < until ? '--(a|)' : '-'),
    },
    { scheduler: m.scheduler },
  )
}

const A = { _id: 'k', on: 'c1' }
const B = { _id: 'k', on: 'c2' }
const secondary = (m: Context) => fakeStore({ findById: marble('--(b|)', { b: B }), insertOrReplace: '--(b|)' }, { scheduler: m.scheduler })

function store(m: Context, c1: FakeStore, c2: FakeStore, options: FailoverStoreOptions = {}) {
  const s = new FailoverStore(
    [
      { name: 'c1', store: c1 },
      { name: 'c2', store: c2 },
    ],
    { scheduler: m.scheduler, random: () => 0, lingerMs: 1_000, ...options },
  )
  const events: FailoverStoreEvent[] = []
  s.events$.subscribe((e) => events.push(e))
  for (let t = 0; t < 20; t++) m.scheduler.schedule(() => s.findById(`warm${t}`).subscribe(), t)
  m.scheduler.schedule(() => void s.close({ graceMs: 0 }), 9_000)
  return { s, events }
}

/** Subscribes `op()` at frame `at` and records its outcome and when it came. */
function at<T>(m: Context, time: number, op: () => Observable<T>): { result?: string } {
  const box: { result?: string } = {}
  m.scheduler.schedule(() => {
    outcome(op()).subscribe((v) => (box.result = `${typeof v === 'string' ? v : 'ok'}@${m.scheduler.now()}`))
  }, time)
  return box
}

const brief = (events: readonly FailoverStoreEvent[]) => events.filter((e) => e.type !== 'probe-failed').map((e) => `${e.type}@${e.at}`)

describe('silence: a black-holed primary is suspect within milliseconds, convicted as before', () => {
  it(
    'a read sent at the fault (100) moves to c2 at the first beat past 100 + 15 (120); the next read (140) starts on c2; the switch waits for the timeout of the read left on c1 as its witness (600)',
    marbles((m) => {
      const c1 = primary(m)
      const c2 = secondary(m)
      const { s, events } = store(m, c1, c2)
      const first = at(m, FAULT_AT, () => s.findById('k'))
      const next = at(m, 140, () => s.findById('k'))
      // suspect and held at 600 in one frame; the store closes at 9 000.
      m.expect(states(s)).toBeObservable('a 119ms b 479ms (cd) 8396ms |', {
        a: 'up up',
        b: 'silent up',
        c: 'suspect up',
        d: 'suspect/held up',
      })
      m.flush()
      expect(first.result).toBe('ok@122')
      expect(next.result).toBe('ok@142')
      expect(brief(events)).toEqual(['silent@120', 'rerouted@120', 'timeout@600', 'failover@600'])
      expect(events[0]).toMatchObject({ type: 'silent', cluster: 'c1', silentMs: 20, thresholdMs: DEFAULT_SILENCE.floorMs, outstanding: 1 })
      // The read on c1 stayed as its witness until its limit; the probe from 120 stopped at the
      // switch (c1 is probed after its hold now); the 140 read never went to c1.
      const reads = c1.callsOf('findById').filter((c) => (c.subscribedAt ?? 0) >= FAULT_AT)
      expect(reads.map((c) => `${String(c.args[0])}:${c.subscribedAt}-${c.endedAt}:${c.ending}`)).toEqual([
        'k:100-600:cancelled',
        '__ojai_failover_probe__:120-600:cancelled',
      ])
      expect(s.stats()).toMatchObject({ silences: 1, silenceReissues: 1, failovers: 1 })
    }),
  )

  it(
    'a write in flight at the fault keeps its attempt (times out at 600, moves on, ends unsettled); a write after the suspicion starts on c2 and is acknowledged',
    marbles((m) => {
      const c1 = primary(m)
      const c2 = secondary(m)
      const { s, events } = store(m, c1, c2)
      const inFlight = at(m, FAULT_AT, () => s.insertOrReplace({ _id: 'k', v: 1 }))
      const after = at(m, 140, () => s.insertOrReplace({ _id: 'k', v: 2 }))
      m.flush()
      expect(after.result).toBe('ok@142')
      expect(inFlight.result).toBe(`error:UNSETTLED_WRITE@${600 + 2 + 5_000}`)
      expect(brief(events)).toEqual(['silent@120', 'timeout@600', 'failover@600', 'rerouted@600', 'unsettled@5602'])
      expect(c1.callsOf('insertOrReplace').filter((c) => (c.subscribedAt ?? 0) >= FAULT_AT)).toHaveLength(1)
    }),
  )
})

describe('silence: a false alarm costs one extra read and no failover', () => {
  it(
    'c1 is slow once (a read at 100 answered at 160, nothing else outstanding): suspect at 120, the read answered by c2 at 122, the probe answers at 122, heard again',
    marbles((m) => {
      const c1 = primary(m, Infinity, { at: FAULT_AT, ms: 60 })
      const c2 = secondary(m)
      const { s, events } = store(m, c1, c2)
      const read = at(m, FAULT_AT, () => s.findById('k'))
      const later = at(m, 140, () => s.findById('k'))
      m.flush()
      expect(read.result).toBe('ok@122')
      expect(later.result).toBe('ok@142') // c1 heard again at 122 and active all along
      expect(c1.callsOf('findById').at(-1)).toMatchObject({ args: ['k', undefined], subscribedAt: 140 })
      expect(brief(events)).toEqual(['silent@120', 'rerouted@120', 'probe-ok@122', 'heard@122'])
      expect(s.stats()).toMatchObject({ failovers: 0, silences: 1 })
    }),
  )

  it(
    'answers keep coming (one read in five takes 60 ms, others 2 ms, a read every 5 ms): never silent',
    marbles((m) => {
      let n = 0
      const c1 = fakeStore({ findById: () => marble(n++ % 5 === 0 ? '60ms (a|)' : '--(a|)', { a: A }) }, { scheduler: m.scheduler })
      const { s, events } = store(m, c1, secondary(m))
      for (let t = 20; t < 1_000; t += 5) m.scheduler.schedule(() => s.findById('k').subscribe(), t)
      m.flush()
      expect(events.filter((e) => e.type === 'silent')).toEqual([])
    }),
  )

  it(
    'c1 turns fifteen times slower at 100 (30 ms a read), one read every 50 ms: suspected once at the change (120), its new latency learned from the read left as witness (answered at 130); no failover, and c1 serves every later read',
    marbles((m) => {
      const c1 = fakeStore(
        { findById: () => marble(m.scheduler.now() < FAULT_AT ? '--(a|)' : '30ms (a|)', { a: A }) },
        { scheduler: m.scheduler },
      )
      const { s, events } = store(m, c1, secondary(m))
      const servedBy: string[] = []
      for (let t = FAULT_AT; t < 2_000; t += 50)
        m.scheduler.schedule(() => s.findById('k').subscribe((d) => servedBy.push(`${t}:${String(d?.['on'])}`)), t)
      m.flush()
      expect(brief(events).filter((e) => !e.startsWith('probe'))).toEqual(['silent@120', 'rerouted@120', 'heard@130'])
      expect(servedBy[0]).toBe('100:c2')
      expect(servedBy.slice(1)).toEqual(Array.from({ length: 37 }, (_, i) => `${150 + 50 * i}:c1`))
    }),
  )

  it(
    'a store that has learned nothing yet (no warm-up) does not suspect: the read at 0 times out at 500 as before',
    marbles((m) => {
      const c1 = fakeStore({ findById: '-' }, { scheduler: m.scheduler })
      const s = new FailoverStore(
        [
          { name: 'c1', store: c1 },
          { name: 'c2', store: secondary(m) },
        ],
        { scheduler: m.scheduler, random: () => 0, lingerMs: 1_000 },
      )
      m.expect(outcome(s.findById('k'))).toBeObservable('502ms (b|)', { b: B })
      m.scheduler.schedule(() => void s.close({ graceMs: 0 }), 9_000)
    }),
  )

  it(
    '`silence: false` turns it off: after the same warm-up, the read at the fault waits for its timeout (600)',
    marbles((m) => {
      const { s, events } = store(m, primary(m), secondary(m), { silence: false })
      const read = at(m, FAULT_AT, () => s.findById('k'))
      m.flush()
      expect(read.result).toBe('ok@602')
      expect(events.filter((e) => e.type === 'silent')).toEqual([])
    }),
  )
})

/** A watch over one cluster that learned 20 answers of 2 ms (threshold: the floor), and the silences it finds. */
function learned(options: typeof DEFAULT_SILENCE | false) {
  const found: number[] = []
  const w = new SilenceWatch(
    1,
    options,
    () => true,
    (s) => found.push(s.silentMs),
  )
  for (let i = 0; i < 20; i++) w.heard(0, i, 2)
  return { w, found }
}

describe('SilenceWatch: the threshold is what the latency explains, within the floor and the ceiling', () => {
  const watch = (options = DEFAULT_SILENCE) =>
    new SilenceWatch(
      1,
      options,
      () => true,
      () => {},
    )

  it('nothing learned: no threshold (Infinity) until minSamples answers', () => {
    const w = watch()
    for (let i = 0; i < DEFAULT_SILENCE.minSamples - 1; i++) w.heard(0, i, 2)
    expect(w.thresholdOf(0)).toBe(Infinity)
    w.heard(0, 100, 2)
    expect(w.thresholdOf(0)).toBe(DEFAULT_SILENCE.floorMs)
  })

  it('a cluster answering in 100 ms: srtt + 4 rttvar, above the floor', () => {
    const w = watch()
    for (let i = 0; i < 200; i++) w.heard(0, i, 100)
    expect(w.thresholdOf(0)).toBe(100)
  })

  it('a cluster answering in 1 s: the ceiling', () => {
    const w = watch()
    for (let i = 0; i < 200; i++) w.heard(0, i, 1_000)
    expect(w.thresholdOf(0)).toBe(DEFAULT_SILENCE.ceilingMs)
  })

  it('jittery answers (1 or 30 ms) raise the threshold above the mean', () => {
    const w = watch()
    for (let i = 0; i < 200; i++) w.heard(0, i, i % 2 === 0 ? 1 : 30)
    expect(w.thresholdOf(0)).toBeGreaterThan(40)
  })

  it('check: silent only with something outstanding and unheard past the threshold', () => {
    const { w, found } = learned(DEFAULT_SILENCE)
    w.check(1_000) // nothing outstanding
    const epoch = w.sent(0, 1_000)
    w.check(1_015) // 15: not past 15
    w.check(1_016)
    w.ended(0, epoch)
    w.check(2_000)
    expect(found).toEqual([16])
  })

  it('an answer excuses the attempts sent before it: only those sent after it count', () => {
    const { w, found } = learned(DEFAULT_SILENCE)
    w.sent(0, 100) // slow, still outstanding
    w.heard(0, 110, -1) // the cluster answered something else (a probe)
    w.check(200) // only the excused attempt is out: not silent
    const late = w.sent(0, 300)
    w.check(316)
    w.ended(0, late)
    expect(found).toEqual([16])
  })

  it('off (`false`): never silent', () => {
    const { w, found } = learned(false)
    w.sent(0, 100)
    w.check(10_000)
    expect(found).toEqual([])
    expect(w.thresholdOf(0)).toBe(Infinity)
  })
})

describe('silence and a read of a document this store just wrote (session.ts)', () => {
  it(
    'written on c1 at 90, read at 100 as c1 goes dark: the read does not move at suspicion (c2 may not have the write); it moves at its limit (600) and is said possibly stale',
    marbles((m) => {
      const c1 = primary(m)
      const c2 = secondary(m)
      const { s, events } = store(m, c1, c2)
      m.scheduler.schedule(() => void s.insertOrReplace({ _id: 'k' }).subscribe(), 90) // acknowledged by c1 at 92
      const own = at(m, FAULT_AT, () => s.findById('k'))
      const other = at(m, FAULT_AT, () => s.findById('other'))
      m.flush()
      expect(other.result).toBe('ok@122') // moved at suspicion (120), answered by c2 at 122
      expect(own.result).toBe('ok@602') // waited on c1 to its limit (600), then c2
      expect(brief(events).filter((e) => e.startsWith('possibly-stale'))).toEqual(['possibly-stale@602'])
    }),
  )
})
