/**
 * Replication lag between two embedded gateways (in this process, so their replication competes
 * with the writers for one event loop: an upper figure): `--writers` concurrent writers each write
 * their own document on the first gateway and poll the second until the version is there, for
 * `--seconds`. Prints percentiles of the lag, the figure the session window's default is set from
 * (session.ts: `windowMs` should outlast it).
 *
 *   npx tsx bench/experiments/replication-lag.ts [--writers 64] [--seconds 10]
 */
import { parseArgs } from 'node:util'
import { firstValueFrom } from 'rxjs'
import { build } from 'hdr-histogram-js'
import { connect } from '../../lib/driver/connection.js'
import { startClusters } from '../../lib/testing/index.js'

const { values } = parseArgs({ options: { writers: { type: 'string', default: '64' }, seconds: { type: 'string', default: '10' } } })
const writers = Number(values.writers)
const seconds = Number(values.seconds)
if (!Number.isInteger(writers) || writers < 1) throw new Error(`--writers needs a positive integer, got ${JSON.stringify(values.writers)}`)
if (!(seconds > 0)) throw new Error(`--seconds needs a positive number, got ${JSON.stringify(values.seconds)}`)

const kit = await startClusters(2)
const table = '/bench/replication-lag'
await kit.createTable(table)
const [a, b] = kit.clusters.map((c) => connect(c.connectionString))
const onA = a!.store(table)
const onB = b!.store(table)
const lag = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 })
let max = 0
const until = performance.now() + seconds * 1000

async function writer(i: number): Promise<void> {
  for (let v = 1; performance.now() < until; v++) {
    await firstValueFrom(onA.insertOrReplace({ _id: `w${i}`, v }), { defaultValue: undefined })
    const written = performance.now()
    for (;;) {
      const found = await firstValueFrom(onB.findById(`w${i}`))
      if (found !== null && (found['v'] as number) >= v) break
    }
    const us = Math.round((performance.now() - written) * 1000)
    lag.recordValue(Math.max(1, us))
    max = Math.max(max, us)
  }
}

await Promise.all(Array.from({ length: writers }, (_, i) => writer(i)))
const ms = (p: number) => (lag.getValueAtPercentile(p) / 1000).toFixed(1)
console.log(`replication lag, ${writers} writers, ${seconds} s, ${lag.totalCount} writes (in one process: an upper figure)`)
console.log(`p50 ${ms(50)} ms · p99 ${ms(99)} ms · p99.9 ${ms(99.9)} ms · max ${(max / 1000).toFixed(1)} ms`)
await Promise.all([a!.close(), b!.close()])
await kit.close()
