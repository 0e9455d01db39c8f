/**
 * The same FailoverStore on the default asyncScheduler (real timers): after close() no timer of
 * its own is left, so Node can exit. Bounded waits only.
 */
import { describe, expect, it } from 'vitest'
import { firstValueFrom, NEVER, of } from 'rxjs'
import { FailoverStore } from '../../lib/failover/index.js'
import { VirtualStore } from './virtual-store.js'

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

describe('FailoverStore on real timers', () => {
  it('fails over for real and leaves no timer behind after close()', async () => {
    const before = timers()
    const store = new FailoverStore(
      [
        { name: 'a', store: new VirtualStore({ findById: NEVER }) },
        { name: 'b', store: new VirtualStore({ findById: of({ _id: 'k' }) }) },
      ],
      { timeoutMs: 20 },
    )
    await expect(firstValueFrom(store.findById('k'))).resolves.toEqual({ _id: 'k' })
    expect(store.cluster.name).toBe('b')
    // A pending operation and the hold before the first probe both hold timers now…
    const pending = store.findById('k', { strategy: 'primary-only' }).subscribe({ error: () => undefined })
    expect(timers()).toBeGreaterThan(before)
    await store.close({ graceMs: 0 })
    // …and none after close().
    expect(timers()).toBe(before)
    expect(pending.closed).toBe(true)
  })
})
