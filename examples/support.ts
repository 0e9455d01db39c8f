/**
 * Where the examples' gateways come from, so that each example is only about the library.
 *
 * - By default: embedded gateways in this process (`startGateway` from `ojai-failover/gateway`),
 *   in memory; with two, each replicates to the other, like two clusters with table replication.
 * - With `OJAI_PRIMARY` (and `OJAI_SECONDARY` for the two-cluster examples) set to connection
 *   strings: real Data Access Gateways. Tables go under `OJAI_TABLE_ROOT` (default `/tmp`), and
 *   for two clusters that folder must be replicated between them. Tables an example creates are
 *   deleted when it ends.
 *
 * In the two-cluster examples the primary is reached through a local TCP fault proxy, so
 * `cutPrimary()` can black-hole it (every byte dropped, as with a pulled cable) with either kind
 * of gateway. A real application connects to its gateways directly.
 */
import { firstValueFrom } from 'rxjs'
import { FaultProxy } from '../lib/chaos/fault-proxy.js'
import { startGateway, type OjaiGateway } from '../lib/gateway/index.js'
import { connect, OjaiError, parseConnectionString } from '../lib/index.js'

export interface Clusters {
  /** Connection string of the primary (through the fault proxy when there are two clusters). */
  readonly primary: string
  /** Connection string of the secondary; `''` when only one cluster was asked for. */
  readonly secondary: string
  /** True when running against embedded gateways. */
  readonly embedded: boolean
  /** A table path for this example, fresh on every run. */
  table(name: string): string
  /**
   * Creates a fresh table on the primary and waits until the secondary has it too (replication
   * carries tables between embedded gateways). Resolves its path.
   */
  replicatedTable(name: string): Promise<string>
  /** Drops every byte to and from the primary, until {@link healPrimary}. */
  cutPrimary(): Promise<void>
  healPrimary(): Promise<void>
  /** Deletes the tables `table()` named (if they were created), stops what was started. */
  close(): Promise<void>
}

const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`

/** Starts (or finds, from the environment) one or two gateways. */
export async function clusters(count: 1 | 2 = 1): Promise<Clusters> {
  const fromEnv = process.env.OJAI_PRIMARY
  const gateways: OjaiGateway[] = []
  let primary: string
  let secondary = ''
  if (fromEnv !== undefined && fromEnv !== '') {
    primary = fromEnv
    if (count === 2) {
      secondary = process.env.OJAI_SECONDARY ?? ''
      if (secondary === '') throw new Error('OJAI_PRIMARY is set but OJAI_SECONDARY is not: this example needs two clusters')
    }
  } else {
    const first = await startGateway({ port: 0 })
    gateways.push(first)
    if (count === 2) {
      const second = await startGateway({ port: 0, replicateTo: [first.address] })
      gateways.push(second)
      // The first gateway learns its peer's port only now; restart it with replication on.
      await first.close()
      gateways[0] = await startGateway({ port: first.port, replicateTo: [second.address] })
      secondary = `${second.address}?ssl=false`
    }
    primary = `${(gateways[0] as OjaiGateway).address}?ssl=false`
  }

  let proxy: FaultProxy | undefined
  if (count === 2) {
    const settings = parseConnectionString(primary)
    proxy = new FaultProxy({ name: 'primary', target: { host: settings.host, port: settings.port } })
    await proxy.listen()
    const options = primary.includes('?') ? primary.slice(primary.indexOf('?') + 1) : ''
    // TLS still checks the gateway's own host name, not the proxy's.
    const override = settings.ssl && settings.sslTargetNameOverride === undefined ? `sslTargetNameOverride=${settings.host}` : ''
    primary = `127.0.0.1:${proxy.port}?${[options, override].filter((s) => s !== '').join(';')}`
  }

  const tables: string[] = []
  const root = gateways.length > 0 ? '/examples' : (process.env.OJAI_TABLE_ROOT ?? '/tmp')
  const table = (name: string): string => {
    const path = `${root}/${name}_${runId}`
    tables.push(path)
    return path
  }
  return {
    primary,
    secondary,
    embedded: gateways.length > 0,
    table,
    async replicatedTable(name) {
      const path = table(name)
      const first = connect(primary)
      const second = connect(secondary)
      try {
        await firstValueFrom(first.createStore(path))
        for (let waited = 0; !(await firstValueFrom(second.storeExists(path))); waited += 20) {
          if (waited > 5000) throw new Error(`table ${path} did not reach the secondary within 5 s: is it replicated?`)
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
      } finally {
        await Promise.all([first.close(), second.close()])
      }
      return path
    },
    cutPrimary: async () => proxy?.blackhole(),
    healPrimary: async () => proxy?.pass(),
    async close() {
      await proxy?.pass()
      if (gateways.length === 0 && tables.length > 0) {
        const connection = connect(primary)
        for (const path of tables) {
          await firstValueFrom(connection.deleteStore(path), { defaultValue: undefined }).catch((error: unknown) => {
            if (!(error instanceof OjaiError && error.code === 'TABLE_NOT_FOUND')) throw error
          })
        }
        await connection.close()
      }
      await proxy?.close()
      for (const gateway of gateways) await gateway.close()
    },
  }
}

/** A few user profiles for the query examples. */
export const SAMPLE_USERS = [
  { _id: 'u1', name: 'Ada Lovelace', age: 36, city: 'London', tags: ['math', 'poetry'] },
  { _id: 'u2', name: 'Alan Turing', age: 41, city: 'Manchester', tags: ['math', 'running'] },
  { _id: 'u3', name: 'Grace Hopper', age: 85, city: 'Arlington', tags: ['navy', 'compilers'] },
  { _id: 'u4', name: 'Edsger Dijkstra', age: 72, city: 'Nuenen', tags: ['algorithms'] },
  { _id: 'u5', name: 'Barbara Liskov', age: 84, city: 'Cambridge', tags: ['compilers', 'distributed'] },
  { _id: 'u6', name: 'Leslie Lamport', age: 83, city: 'Palo Alto', tags: ['distributed', 'math'] },
]
