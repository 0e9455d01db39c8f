import { describe, expect, it } from 'vitest'
import { marbles } from 'rxjs-marbles'
import type { Context } from 'rxjs-marbles'
import { DEFAULT_PROBE_ID, type FailoverStoreEvent } from '../../lib/failover/index.js'
import type { FailoverStoreOptions } from '../../lib/failover/index.js'
import { doc, names, setup, unavailable } from './helpers.js'

// Hold 100 ms after the first failover; probes back off 10, 20, 40, 40… ms with no jitter.
const OPTIONS: FailoverStoreOptions & { closeAt: number } = {
  hold: { holdsMs: [100, 300, 600], decayAfterMs: 1000 },
  probe: { backoff: { initialMs: 10, multiplier: 2, maxMs: 40, jitter: 0 } },
  closeAt: 400,
}

const probes = (events: FailoverStoreEvent[]) =>
  events.filter((e) => e.type.startsWith('probe') || e.type === 'failback').map((e) => `${e.type}@${e.at}`)

/** Primary: user reads silent (so the first one fails over at 10); probe reads answer as `probe` says. */
function primaryWith(m: Context, probe: (now: number) => 'ok' | 'down' | 'silent') {
  return (id: unknown) => {
    if (id !== DEFAULT_PROBE_ID) return m.cold('-')
    const state = probe(m.scheduler.now())
    return state === 'ok' ? m.cold('(n|)', { n: null }) : state === 'down' ? m.cold('#', undefined, unavailable()) : m.cold('-')
  }
}

describe('prober: failback only after a probe succeeds', () => {
  it(
    'only after a probe succeeds: probes at hold end, then backoff 10, 20, 40 ms; failback on the first success',
    marbles((m) => {
      const { store, stores, events } = setup(m, OPTIONS)
      stores[0]!.on(
        'findById',
        primaryWith(m, (now) => (now < 150 ? 'down' : 'ok')),
      )
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      store.findById('k').subscribe()
      // c1 until 10, c2 (hold until 110) until the 4th probe at 110 + 10 + 20 + 40 = 180.
      m.expect(names(store)).toBeObservable('a 9ms b 169ms a 219ms |', { a: 'c1', b: 'c2' })
      m.flush()
      expect(probes(events)).toEqual(['probe-failed@110', 'probe-failed@120', 'probe-failed@140', 'probe-ok@180', 'failback@180'])
      expect(events.filter((e) => e.type === 'probe-failed').map((e) => (e as { nextDelayMs: number }).nextDelayMs)).toEqual([10, 20, 40])
    }),
  )

  it(
    'never while probes fail: the secondary stays active, probes continue at the capped delay',
    marbles((m) => {
      const { store, stores, events } = setup(m, OPTIONS)
      stores[0]!.on(
        'findById',
        primaryWith(m, () => 'down'),
      )
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      store.findById('k').subscribe()
      m.expect(names(store)).toBeObservable('a 9ms b 389ms |', { a: 'c1', b: 'c2' })
      m.flush()
      expect(probes(events)).toEqual([
        'probe-failed@110',
        'probe-failed@120',
        'probe-failed@140',
        'probe-failed@180',
        'probe-failed@220',
        'probe-failed@260',
        'probe-failed@300',
        'probe-failed@340',
        'probe-failed@380',
      ])
    }),
  )

  it(
    'a silent probe fails after probe.timeoutMs (default: timeoutMs)',
    marbles((m) => {
      const { store, stores, events } = setup(m, { ...OPTIONS, closeAt: 150 })
      stores[0]!.on(
        'findById',
        primaryWith(m, () => 'silent'),
      )
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      store.findById('k').subscribe()
      m.flush()
      expect(events.filter((e) => e.type === 'probe-failed')).toEqual([
        { type: 'probe-failed', cluster: 'c1', operation: 'probe', at: 120, elapsedMs: 10, attempt: 1, reason: 'TIMEOUT', nextDelayMs: 10 },
        { type: 'probe-failed', cluster: 'c1', operation: 'probe', at: 140, elapsedMs: 10, attempt: 2, reason: 'TIMEOUT', nextDelayMs: 20 },
      ])
    }),
  )

  it(
    'jitter shortens each delay by jitter x random(): injected random makes it exact',
    marbles((m) => {
      const { store, stores, events } = setup(m, {
        ...OPTIONS,
        probe: { backoff: { initialMs: 20, multiplier: 2, maxMs: 80, jitter: 0.5 } },
        random: () => 0.5,
        hold: { ...OPTIONS.hold, jitter: 0 },
      })
      stores[0]!.on(
        'findById',
        primaryWith(m, () => 'down'),
      )
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      store.findById('k').subscribe()
      m.flush()
      // delays 20, 40, 80, 80 (capped), each x (1 - 0.5 x 0.5) = 15, 30, 60, 60
      expect(probes(events).slice(0, 5)).toEqual([
        'probe-failed@110',
        'probe-failed@125',
        'probe-failed@155',
        'probe-failed@215',
        'probe-failed@275',
      ])
    }),
  )

  it(
    'ping first, then the cheap read; a failed ping skips the read',
    marbles((m) => {
      const pingDown = m.cold('-#', undefined, unavailable())
      const pingOk = m.cold('--|')
      const read = m.cold('-(n|)', { n: null })
      let pings = 0
      const { store, stores, events } = setup(m, { ...OPTIONS, closeAt: 200, pings: [() => (pings++ === 0 ? pingDown : pingOk)] })
      stores[0]!.on('findById', (id: unknown) => (id === DEFAULT_PROBE_ID ? read : m.cold('-')))
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      store.findById('k').subscribe()
      m.expect(pingDown).toHaveSubscriptions('110ms ^!')
      m.expect(pingOk).toHaveSubscriptions('121ms ^-!')
      m.expect(read).toHaveSubscriptions('123ms ^!')
      m.flush()
      expect(probes(events)).toEqual(['probe-failed@111', 'probe-ok@124', 'failback@124'])
    }),
  )

  it(
    'probes never delay user operations on the active cluster',
    marbles((m) => {
      const { store, stores } = setup(m, OPTIONS)
      stores[0]!.on(
        'findById',
        primaryWith(m, () => 'silent'),
      )
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      store.findById('k').subscribe()
      m.expect(store.findById('k'), '115ms ^').toBeObservable('115ms (b|)', { b: doc('s') })
    }),
  )

  it(
    'close() stops probing',
    marbles((m) => {
      const { store, stores } = setup(m, { ...OPTIONS, closeAt: 130 })
      const probedAt: number[] = []
      const primary = primaryWith(m, () => 'down')
      stores[0]!.on('findById', (id: unknown) => {
        if (id === DEFAULT_PROBE_ID) probedAt.push(m.scheduler.now())
        return primary(id)
      })
      stores[1]!.on('findById', m.cold('(b|)', { b: doc('s') }))
      store.findById('k').subscribe()
      m.flush()
      expect(probedAt).toEqual([110, 120])
      expect(store.stats().activeTimers).toBe(0)
    }),
  )
})
