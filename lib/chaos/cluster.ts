/**
 * Process-level clusters for the failure suite: two or three embedded gateways as child
 * processes, each with durable storage in a temporary directory, replicating to each other, each
 * behind fault proxies. A test can then cut the network (proxy modes), kill a gateway (SIGKILL),
 * hang it (SIGSTOP, the most realistic "hung cluster": the kernel still accepts connections,
 * nothing answers) and restart it on its data.
 *
 * Every cluster has two proxies with stable ports, so a restarted gateway (new port) is reached at
 * the same address:
 * - `clientProxy`: what applications connect to; the faults a client sees.
 * - `replicationProxy`: what peers replicate to; cut it to partition the clusters from each other.
 *
 * Contract relied on (the gateway CLI): `cli --port 0 --data <dir> [--replicate-to host:port]...`
 * prints one line `listening on <host>:<port>` when ready, and SIGTERM closes it cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { FaultProxy, type ProxyMode } from './fault-proxy.js'
import { forgetDirectory, reapOnExit, removeOnExit } from './reaper.js'

/** How to start one gateway; the harness appends `--port`, `--data`, `--replicate-to`. */
export interface GatewayLaunch {
  readonly command: string
  readonly args: readonly string[]
  readonly cwd?: string
}

/**
 * The gateway CLI next to this module: `lib/gateway/cli.ts` through tsx when running from
 * source, `dist/gateway/cli.js` when running from the build. `OJAI_GATEWAY_CLI=source|dist`
 * forces one.
 */
export function defaultGatewayLaunch(prefer: 'auto' | 'source' | 'dist' = 'auto'): GatewayLaunch {
  const here = dirname(fileURLToPath(import.meta.url))
  const fromSource = here.endsWith(join('lib', 'chaos'))
  const root = resolve(here, '..', '..')
  const env = process.env.OJAI_GATEWAY_CLI
  const choice = prefer !== 'auto' ? prefer : env === 'source' || env === 'dist' ? env : fromSource ? 'source' : 'dist'
  if (choice === 'source') {
    return { command: process.execPath, args: ['--import', 'tsx', join(root, 'lib', 'gateway', 'cli.ts')], cwd: root }
  }
  const dist = fromSource ? join(root, 'dist', 'gateway', 'cli.js') : join(here, '..', 'gateway', 'cli.js')
  return { command: process.execPath, args: [dist], cwd: root }
}

export interface ClusterHarnessOptions {
  /** Cluster names, or how many (named A, B, C). Default 2. The first is the primary. */
  readonly clusters?: number | readonly string[]
  /** How to start a gateway. Default {@link defaultGatewayLaunch}. */
  readonly launch?: GatewayLaunch
  /**
   * Extra CLI arguments for every gateway (e.g. replication lag), or per gateway as a function of
   * its cluster's name (e.g. `--clock-offset-ms=-200` for one of them). Default none.
   */
  readonly gatewayArgs?: readonly string[] | ((cluster: string) => readonly string[])
  /** Replicate every cluster to every other one. Default true. */
  readonly replicate?: boolean
  /** Bound on waiting for `listening on`. Default 15 000 ms. */
  readonly startTimeoutMs?: number
  /** Bound on a SIGTERM shutdown before SIGKILL. Default 5 000 ms. */
  readonly stopTimeoutMs?: number
  /** Parent directory for the clusters' data. Default: a fresh temporary directory, removed on close. */
  readonly dataDir?: string
  /**
   * While a gateway process is dead, make its proxies refuse (RST existing connections,
   * ECONNREFUSED new ones), as a host whose service died does. Without it a proxy accepts and then
   * resets, which a client cannot tell from a network fault. Default true.
   */
  readonly refuseWhileDown?: boolean
  /** Receives every line the gateways print. Default: kept in a small buffer per node only. */
  readonly onOutput?: (cluster: string, stream: 'stdout' | 'stderr', line: string) => void
}

export type NodeState = 'stopped' | 'starting' | 'running' | 'paused'

const OUTPUT_LINES_KEPT = 50

/** One cluster: a gateway process and its proxies. */
export class GatewayNode {
  readonly clientProxy: FaultProxy
  readonly replicationProxy: FaultProxy
  private child: ChildProcess | undefined
  private exited: Promise<void> = Promise.resolve()
  private gatewayPort: number | undefined
  private nodeState: NodeState = 'stopped'
  private readonly output: string[] = []
  private modesBeforeDown: [ProxyMode, ProxyMode] | undefined
  private peers: readonly string[] = []

  constructor(
    readonly name: string,
    readonly dataDir: string,
    private readonly options: ClusterHarnessOptions,
  ) {
    this.clientProxy = new FaultProxy({ name: `${name}/client` })
    this.replicationProxy = new FaultProxy({ name: `${name}/replication` })
  }

  get state(): NodeState {
    return this.nodeState
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  /** Connection string through the client proxy (stable across restarts). */
  get connectionString(): string {
    return `127.0.0.1:${this.clientProxy.port}?ssl=false`
  }

  /** Connection string straight to the gateway, bypassing the proxies (for final-state reads). */
  get directConnectionString(): string {
    if (this.gatewayPort === undefined) throw new Error(`${this.name}: not running`)
    return `127.0.0.1:${this.gatewayPort}?ssl=false`
  }

  /** The last lines the gateway printed (for diagnostics). */
  recentOutput(): readonly string[] {
    return [...this.output]
  }

  /** @internal */
  async listenProxies(): Promise<void> {
    await this.clientProxy.listen()
    await this.replicationProxy.listen()
  }

  /** @internal Replication targets: the peers' replication proxies. */
  setPeers(peers: readonly string[]): void {
    this.peers = peers
  }

  /** Starts the gateway on its data directory and points the proxies at it. */
  async start(): Promise<void> {
    if (this.nodeState !== 'stopped') throw new Error(`${this.name}: already ${this.nodeState}`)
    this.nodeState = 'starting'
    const launch = this.options.launch ?? defaultGatewayLaunch()
    const args = [...launch.args, '--port', '0', '--data', this.dataDir]
    if (this.options.replicate ?? true) for (const peer of this.peers) args.push('--replicate-to', peer)
    const extra = this.options.gatewayArgs
    args.push(...(typeof extra === 'function' ? extra(this.name) : (extra ?? [])))
    const child = spawn(launch.command, args, { cwd: launch.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    reapOnExit(child)
    this.child = child
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve()
      else child.once('exit', () => resolve())
    })
    child.once('exit', () => {
      if (this.child === child) {
        this.child = undefined
        this.gatewayPort = undefined
        this.nodeState = 'stopped'
      }
    })
    try {
      this.gatewayPort = await this.awaitListening(child)
    } catch (error) {
      this.signal(child, 'SIGKILL')
      await this.exited
      throw error
    }
    this.nodeState = 'running'
    this.clientProxy.setTarget({ port: this.gatewayPort })
    this.replicationProxy.setTarget({ port: this.gatewayPort })
    if (this.modesBeforeDown !== undefined) {
      const [client, replication] = this.modesBeforeDown
      this.modesBeforeDown = undefined
      if (this.clientProxy.mode.kind === 'refuse') await this.clientProxy.setMode(client)
      if (this.replicationProxy.mode.kind === 'refuse') await this.replicationProxy.setMode(replication)
    }
  }

  /** SIGKILL: the process dies at once, without closing anything. Resolves once it has exited. */
  async kill(): Promise<void> {
    await this.refuseWhileDown()
    const child = this.child
    if (child === undefined) return
    this.signal(child, 'SIGKILL')
    await this.exited
  }

  /** SIGSTOP: the process hangs; connections stay open and nothing answers. */
  pause(): void {
    if (this.child === undefined || this.nodeState !== 'running') throw new Error(`${this.name}: cannot pause when ${this.nodeState}`)
    this.signal(this.child, 'SIGSTOP')
    this.nodeState = 'paused'
  }

  /** SIGCONT after {@link pause}. */
  resume(): void {
    if (this.child === undefined || this.nodeState !== 'paused') throw new Error(`${this.name}: cannot resume when ${this.nodeState}`)
    this.signal(this.child, 'SIGCONT')
    this.nodeState = 'running'
  }

  /** Kills the gateway if it runs and starts it again on the same data. */
  async restart(): Promise<void> {
    await this.kill()
    await this.start()
  }

  /** SIGTERM, then SIGKILL after `stopTimeoutMs`. Resolves once the process has exited. */
  async stop(): Promise<void> {
    const child = this.child
    if (child === undefined) return
    if (this.nodeState === 'paused') this.signal(child, 'SIGCONT')
    this.signal(child, 'SIGTERM')
    const timeoutMs = this.options.stopTimeoutMs ?? 5000
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)))
    const done = await Promise.race([this.exited.then(() => false), timedOut])
    clearTimeout(timer)
    if (done) {
      this.signal(child, 'SIGKILL')
      await this.exited
    }
  }

  /** @internal Stops the process and closes the proxies. */
  async close(): Promise<void> {
    try {
      await this.stop()
    } finally {
      await this.clientProxy.close()
      await this.replicationProxy.close()
    }
  }

  private async refuseWhileDown(): Promise<void> {
    if (!(this.options.refuseWhileDown ?? true) || this.child === undefined) return
    this.modesBeforeDown ??= [this.clientProxy.mode, this.replicationProxy.mode]
    await this.clientProxy.refuse()
    await this.replicationProxy.refuse()
  }

  private signal(child: ChildProcess, signal: NodeJS.Signals): void {
    if (child.exitCode !== null || child.signalCode !== null) return
    try {
      child.kill(signal)
    } catch {
      // already gone
    }
  }

  private remember(stream: 'stdout' | 'stderr', line: string): void {
    this.output.push(`${stream}: ${line}`)
    if (this.output.length > OUTPUT_LINES_KEPT) this.output.shift()
    this.options.onOutput?.(this.name, stream, line)
  }

  private awaitListening(child: ChildProcess): Promise<number> {
    const timeoutMs = this.options.startTimeoutMs ?? 15_000
    return new Promise((resolvePort, reject) => {
      let settled = false
      const stdout = createInterface({ input: child.stdout as NodeJS.ReadableStream })
      const stderr = createInterface({ input: child.stderr as NodeJS.ReadableStream })
      stderr.on('line', (line) => this.remember('stderr', line))
      const finish = (error: Error | undefined, port?: number) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        child.off('exit', onExit)
        child.off('error', onError)
        if (error !== undefined) reject(error)
        else resolvePort(port as number)
      }
      const tail = () => (this.output.length > 0 ? `\n${this.output.slice(-10).join('\n')}` : '')
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        finish(new Error(`${this.name}: gateway exited (${signal ?? `code ${code}`}) before listening${tail()}`))
      const onError = (error: Error) => finish(new Error(`${this.name}: cannot start gateway: ${error.message}`))
      const timer = setTimeout(() => finish(new Error(`${this.name}: no "listening on" within ${timeoutMs} ms${tail()}`)), timeoutMs)
      child.once('exit', onExit)
      child.once('error', onError)
      stdout.on('line', (line) => {
        this.remember('stdout', line)
        const match = /listening on (.+):(\d+)\s*$/.exec(line)
        if (match !== null) finish(undefined, Number(match[2]))
      })
    })
  }
}

/** Two or three replicated gateways behind fault proxies. Always {@link close} it. */
export class ClusterHarness {
  private closed = false

  private constructor(
    readonly nodes: readonly GatewayNode[],
    private readonly root: string,
    private readonly ownsRoot: boolean,
  ) {}

  /** Starts every gateway; on any failure stops what was started and rethrows. */
  static async start(options: ClusterHarnessOptions = {}): Promise<ClusterHarness> {
    const spec = options.clusters ?? 2
    const names = typeof spec === 'number' ? ['A', 'B', 'C', 'D', 'E'].slice(0, spec) : [...spec]
    if (names.length < 1 || new Set(names).size !== names.length) throw new Error('cluster names must be distinct and at least one')
    const ownsRoot = options.dataDir === undefined
    const root = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ojai-chaos-'))
    if (ownsRoot) removeOnExit(root)
    const nodes = names.map((name) => {
      const dir = join(root, name)
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true })
      return new GatewayNode(name, dir, options)
    })
    const harness = new ClusterHarness(nodes, root, ownsRoot)
    try {
      for (const node of nodes) await node.listenProxies()
      for (const node of nodes) node.setPeers(nodes.filter((n) => n !== node).map((n) => n.replicationProxy.address))
      await Promise.all(nodes.map((node) => node.start()))
    } catch (error) {
      await harness.close()
      throw error
    }
    return harness
  }

  get primary(): GatewayNode {
    return this.nodes[0] as GatewayNode
  }

  node(name: string): GatewayNode {
    const node = this.nodes.find((n) => n.name === name)
    if (node === undefined) throw new Error(`no cluster named ${JSON.stringify(name)}`)
    return node
  }

  /** Heals every proxy (pass) and resumes paused gateways; dead ones stay dead. */
  async healAll(): Promise<void> {
    for (const node of this.nodes) {
      if (node.state === 'paused') node.resume()
      if (node.state === 'stopped') continue
      await node.clientProxy.pass()
      await node.replicationProxy.pass()
    }
  }

  /** Stops every gateway, closes every proxy and removes the data directory it created. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const results = await Promise.allSettled(this.nodes.map((node) => node.close()))
    if (this.ownsRoot) {
      rmSync(this.root, { recursive: true, force: true })
      forgetDirectory(this.root)
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed !== undefined) throw failed.reason
  }
}
