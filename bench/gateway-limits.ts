/**
 * `npx tsx bench/gateway-limits.ts [--only redos|storm|tokens|latency]... [--dist <dir>] [--base <dir>] [--json <file>]`
 *
 * The embedded gateway's bounds, measured on compiled code: every gateway is a real process
 * (`node <dist>/gateway/cli.js`, default `dist/`, so run `npm run build` first), and Ping is
 * measured from a separate pinger process so the bench's own load does not count against it.
 * Prints one table per section; timing goals are reported (met / MISSED), never a failure.
 *
 * - redos: conditions that freeze a backtracking engine (nested quantifiers, `%` chains,
 *   alternations) on texts of 500 to 100 000 characters, through FindById and Find: each answer's
 *   time and outcome (goal: 50 ms or a typed rejection), the condition's own cost in this process
 *   (`evalMs`, same compiled code), and the longest Ping wait meanwhile (goal 50 ms).
 * - storm: 40 documents of 1 MiB on LMDB; 200 concurrent Finds from 10 connections cancelled after
 *   100 ms, then 200 read to the end: the gateway's peak RSS (goal < 512 MB), Ping p99 (goal < 100 ms),
 *   and whether it is still alive.
 * - tokens: 100 000 basic-authenticated Pings: the gateway's RSS before and after.
 * - latency: the README table (InsertOrReplace and FindById, sequential p50/p99 over 5 000 calls and
 *   throughput with 32 in flight, memory and LMDB); with `--base <dir>` the same for another build
 *   (e.g. the previous one) side by side.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import * as grpc from '@grpc/grpc-js'
import { reapOnExit } from '../lib/chaos/reaper.js'
import type { Condition as ConditionClass } from '../lib/ojai/condition.js'
import { MapRDbServer } from '../lib/proto/index.js'
import type { MapRDbServerClient } from '../lib/proto/index.js'
import type { FindRequest } from '../lib/proto/generated/com/mapr/data/db/FindRequest.js'
import type { FindResponse__Output } from '../lib/proto/generated/com/mapr/data/db/FindResponse.js'
import { formatTable, roundDeep } from './report.js'
import type { Row } from './report.js'
import { latencyFigures } from './stats.js'

const SECTIONS = ['redos', 'storm', 'tokens', 'latency'] as const
type Section = (typeof SECTIONS)[number]

// ---------------------------------------------------------------------------------------------
// Processes

interface GatewayProcess {
  readonly child: ChildProcess
  readonly address: string
  /** Resident set size in bytes (Linux /proc), or NaN once it exited. */
  rss(): number
  /** CPU time the process has used so far (user + system), in ms (Linux /proc; 10 ms resolution). */
  cpuMs(): number
  /** Heap in use right after a full GC, in bytes (the gateway runs with a preload that answers SIGUSR2). */
  heapAfterGc(): Promise<number>
  alive(): boolean
  stop(): Promise<void>
}

/** Preloaded into each gateway: on SIGUSR2, a full GC, then the heap in use on stderr. */
const HEAP_PROBE = `data:text/javascript,process.on('SIGUSR2',()=>{globalThis.gc();process.stderr.write('heap-after-gc '+process.memoryUsage().heapUsed+'\\n')})`

async function startGateway(dist: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', HEAP_PROBE, join(dist, 'gateway', 'cli.js'), '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  })
  reapOnExit(child)
  let stderr = ''
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()))
  const address = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`gateway: no ready line in 30 s; ${stderr}`)), 30_000)
    child.once('exit', (code) => fail(new Error(`gateway exited (${String(code)}) before ready: ${stderr}`)))
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const m = /^listening on (\S+)$/.exec(line)
      if (m === null) return
      clearTimeout(timer)
      ok(m[1] as string)
    })
  })
  const alive = () => child.exitCode === null && child.signalCode === null
  return {
    child,
    address,
    alive,
    rss: () => {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
        return m === null ? Number.NaN : Number(m[1]) * 1024
      } catch {
        return Number.NaN
      }
    },
    cpuMs: () => {
      try {
        const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
        return (Number(fields[11]) + Number(fields[12])) * 10
      } catch {
        return Number.NaN
      }
    },
    heapAfterGc: () =>
      new Promise((ok) => {
        const from = stderr.length
        const check = () => {
          const m = /heap-after-gc (\d+)\n/.exec(stderr.slice(from))
          if (m === null) return
          child.stderr?.off('data', check)
          ok(Number(m[1]))
        }
        child.stderr?.on('data', check)
        child.kill('SIGUSR2')
      }),
    stop: async () => {
      if (!alive()) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** A separate process pinging `address` every `everyMs`; `stop()` returns each Ping's latency (ms; a deadline miss counts as its full wait). */
function startPinger(address: string, everyMs = 10): { stop(): Promise<number[]> } {
  const script = `
    const grpc = await import(${JSON.stringify(import.meta.resolve('@grpc/grpc-js'))})
    const client = new grpc.Client(${JSON.stringify(address)}, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 })
    const out = []
    let stopping = false
    process.stdin.on('data', () => (stopping = true))
    const id = (b) => b
    const EMPTY = Buffer.alloc(0)
    const one = () => new Promise((done) => {
      const t = performance.now()
      client.makeUnaryRequest('/com.mapr.data.db.MapRDbServer/Ping', id, id, EMPTY, { deadline: Date.now() + 30000 }, () => { out.push(performance.now() - t); done() })
    })
    await one()
    out.length = 0
    while (!stopping) {
      const started = performance.now()
      await one()
      const rest = ${everyMs} - (performance.now() - started)
      if (rest > 0) await new Promise((r) => setTimeout(r, rest))
    }
    process.stdout.write(JSON.stringify(out))
    process.exit(0)
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] })
  reapOnExit(child)
  let stdout = ''
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()))
  const exited = new Promise((r) => child.once('exit', r))
  return {
    stop: async () => {
      child.stdin?.write('x')
      await exited
      return JSON.parse(stdout || '[]') as number[]
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Calls

type Unary = (
  req: object,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: { error?: { errCode: number; errorMessage: string } | null }) => void,
) => void

function client(address: string): MapRDbServerClient {
  return new MapRDbServer(address, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  })
}

/** One unary call: [ms, wire error code or a status name]. */
function unary(
  c: MapRDbServerClient,
  rpc: string,
  request: object,
  deadlineMs = 10_000,
  md = new grpc.Metadata(),
): Promise<[number, string]> {
  const fn = (c as unknown as Record<string, Unary>)[rpc] as Unary
  const t = performance.now()
  return new Promise((done) => {
    fn.call(c, request, md, { deadline: Date.now() + deadlineMs }, (err, res) => {
      const ms = performance.now() - t
      if (err !== null) done([ms, grpc.status[err.code] ?? String(err.code)])
      else done([ms, codeName(res?.error?.errCode ?? 0)])
    })
  })
}

function codeName(code: number): string {
  return (
    (
      { 0: 'NO_ERROR', 2: 'TABLE_NOT_FOUND', 22: 'INVALID_ARGUMENT', 38: 'UNSUPPORTED_OPERATION', 281: 'DOCUMENT_NOT_FOUND' } as Record<
        number,
        string
      >
    )[code] ?? `code ${code}`
  )
}

/** A Find read to its end: [ms, documents, outcome]. */
function find(c: MapRDbServerClient, request: FindRequest, deadlineMs = 60_000): Promise<[number, number, string]> {
  const t = performance.now()
  return new Promise((done) => {
    let n = 0
    let outcome = 'NO_ERROR'
    const stream = c.Find(request, { deadline: Date.now() + deadlineMs })
    stream.on('data', (m: FindResponse__Output) => {
      if (m.type === 1) n++
      else if (m.error !== null && m.error.errCode !== 0) outcome = codeName(m.error.errCode)
    })
    stream.on('error', () => {})
    stream.on('status', (s: grpc.StatusObject) =>
      done([performance.now() - t, n, s.code === 0 ? outcome : (grpc.status[s.code] ?? String(s.code))]),
    )
  })
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024)
const goal = (ok: boolean) => (ok ? 'met' : 'MISSED')

// ---------------------------------------------------------------------------------------------
// Sections

interface Output {
  readonly title: string
  readonly rows: Row[]
  readonly notes: string[]
  readonly json: unknown
}

const LIKE = ['%a%a%a%b', '%a%a%a%a%a%a%a%a%b', '%a_a_a_a_a_a_a_a%b', `%${'a'.repeat(30)}b%`, '_%_%_%_%_%_%_%_%b']
const MATCHES = [
  '(a+)+$',
  '(a|aa)+$',
  '^(a|a?)+b',
  '(\\w+\\s?)+$',
  '((a+)+)+b',
  '(.*a){12}x',
  '(a|b|ab)*c',
  '[ab]*a[ab]{20}$',
  '(a)\\1',
  'a(?=b)',
  'a++b',
  'a{1001}',
]
const LENGTHS = [500, 10_000, 100_000]

/**
 * The condition's own cost, in this process on the same compiled code: parse and evaluate, median
 * of 5 (NaN for a pattern refused at parse). Less disturbed by other work on the machine than a
 * round trip.
 */
function evaluationMs(Condition: typeof ConditionClass, text: string, doc: Record<string, string>): number {
  const times: number[] = []
  for (let i = 0; i < 5; i++) {
    const t = performance.now()
    try {
      Condition.parse(text).matches(doc)
    } catch {
      return Number.NaN
    }
    times.push(performance.now() - t)
  }
  return times.sort((a, b) => a - b)[2] as number
}

async function redos(dist: string): Promise<Output> {
  const gw = await startGateway(dist, [])
  const c = client(gw.address)
  const rows: Row[] = []
  let worst = 0
  try {
    for (const n of LENGTHS) {
      const table = `/redos${n}`
      await unary(c, 'CreateTable', { tablePath: table })
      // 'a'*n: every `%a…b` and `…b` pattern fails only after trying everything; 'ab'*: the counting pattern's worst case.
      await unary(c, 'InsertOrReplace', {
        tablePath: table,
        insertMode: 1,
        payloadEncoding: 1,
        jsonDocument: `{"_id":"s","s":"${'a'.repeat(n)}","t":"${'ab'.repeat(n / 2)}"}`,
      })
    }
    // Warm-up (JIT) with every pattern on the shortest text, not measured.
    for (const [op, patterns] of [
      ['$like', LIKE],
      ['$matches', MATCHES],
    ] as const) {
      for (const pattern of patterns)
        await unary(
          c,
          'FindById',
          {
            tablePath: `/redos${LENGTHS[0]}`,
            payloadEncoding: 1,
            jsonDocument: '{"_id":"s"}',
            jsonCondition: JSON.stringify({ [op]: { s: pattern } }),
          },
          30_000,
        )
    }
    const { Condition } = (await import(pathToFileURL(join(dist, 'ojai', 'condition.js')).href)) as { Condition: typeof ConditionClass }
    const pinger = startPinger(gw.address)
    await new Promise((r) => setTimeout(r, 200))
    for (const [op, patterns] of [
      ['$like', LIKE],
      ['$matches', MATCHES],
    ] as const) {
      for (const pattern of patterns) {
        for (const n of LENGTHS) {
          const field = pattern.startsWith('[ab]') ? 't' : 's'
          const condition = JSON.stringify({ [op]: { [field]: pattern } })
          const evalMs = evaluationMs(Condition, condition, { _id: 's', s: 'a'.repeat(n), t: 'ab'.repeat(n / 2) })
          const [byIdMs, byId] = await unary(
            c,
            'FindById',
            { tablePath: `/redos${n}`, payloadEncoding: 1, jsonDocument: '{"_id":"s"}', jsonCondition: condition },
            30_000,
          )
          const [findMs, found, findOutcome] = await find(
            c,
            { tablePath: `/redos${n}`, payloadEncoding: 1, jsonQuery: `{"$where":${condition},"$select":"_id"}` },
            30_000,
          )
          const typed = byId === 'INVALID_ARGUMENT'
          if (!typed) worst = Math.max(worst, byIdMs, findMs)
          rows.push({
            operator: op,
            pattern: pattern.length > 24 ? `${pattern.slice(0, 21)}...` : pattern,
            chars: n,
            evalMs,
            findByIdMs: byIdMs,
            findByIdAnswer: byId,
            findMs,
            findAnswer: findOutcome === 'NO_ERROR' ? `${found} doc` : findOutcome,
            within50ms: typed ? 'typed rejection' : goal(byIdMs <= 50 && findMs <= 50),
          })
        }
      }
    }
    const pings = await pinger.stop()
    const p = latencyFigures(pings)
    const alive = gw.alive()
    return {
      title: 'ReDoS set through FindById and Find (memory storage), every answer and the Ping wait meanwhile',
      rows,
      notes: [
        `slowest answer (typed rejections aside): ${worst.toFixed(1)} ms: ${goal(worst <= 50)} (goal 50 ms)`,
        `Ping meanwhile (${p.count} pings from another process): p50 ${p.p50Ms.toFixed(1)} ms, p99 ${p.p99Ms.toFixed(1)} ms, max ${p.maxMs.toFixed(1)} ms: ${goal(p.maxMs <= 50)} (goal: never over 50 ms)`,
        `gateway alive after: ${alive}`,
      ],
      json: { rows, slowestAnswerMs: worst, ping: p, alive },
    }
  } finally {
    c.close()
    await gw.stop()
  }
}

async function storm(dist: string): Promise<Output> {
  const dir = mkdtempSync(join(tmpdir(), 'ojai-bench-storm-'))
  const gw = await startGateway(dist, ['--data', dir])
  const conns = Array.from({ length: 10 }, () => client(gw.address))
  const first = conns[0] as MapRDbServerClient
  const rows: Row[] = []
  try {
    await unary(first, 'CreateTable', { tablePath: '/big' })
    const pad = 'x'.repeat(1024 * 1024 - 40)
    for (let i = 0; i < 40; i++)
      await unary(
        first,
        'InsertOrReplace',
        { tablePath: '/big', insertMode: 1, payloadEncoding: 1, jsonDocument: `{"_id":"d${String(i).padStart(2, '0')}","pad":"${pad}"}` },
        30_000,
      )
    let peak = gw.rss()
    const sampler = setInterval(() => (peak = Math.max(peak, gw.rss())), 20)
    const request: FindRequest = { tablePath: '/big', payloadEncoding: 1, jsonQuery: '{}' }
    for (const phase of ['cancelled after 100 ms', 'read to the end'] as const) {
      const pinger = startPinger(gw.address)
      await new Promise((r) => setTimeout(r, 200))
      const before = gw.rss()
      peak = before
      const t = performance.now()
      let outcomes: [number, number, string][]
      if (phase === 'cancelled after 100 ms') {
        const streams = Array.from({ length: 200 }, (_, i) => {
          const s = (conns[i % conns.length] as MapRDbServerClient).Find(request, { deadline: Date.now() + 60_000 })
          let n = 0
          s.on('data', () => n++)
          s.on('error', () => {})
          return {
            s,
            ended: new Promise<[number, number, string]>((r) =>
              s.on('status', (st: grpc.StatusObject) => r([performance.now() - t, n, grpc.status[st.code] ?? String(st.code)])),
            ),
          }
        })
        await new Promise((r) => setTimeout(r, 100))
        for (const { s } of streams) s.cancel()
        outcomes = await Promise.all(streams.map((x) => x.ended))
        await new Promise((r) => setTimeout(r, 1000))
      } else {
        outcomes = await Promise.all(
          Array.from({ length: 200 }, (_, i) => find(conns[i % conns.length] as MapRDbServerClient, request, 600_000)),
        )
      }
      const ms = performance.now() - t
      const pings = latencyFigures(await pinger.stop())
      const docs = outcomes.reduce((a, o) => a + o[1], 0)
      const statuses = [...new Set(outcomes.map((o) => o[2]))].join(', ')
      rows.push({
        phase,
        seconds: ms / 1000,
        documents: docs,
        endings: statuses,
        rssBeforeMB: mb(before),
        rssPeakMB: mb(peak),
        rssUnder512MB: goal(peak < 512 * 1024 * 1024),
        pingP50Ms: pings.p50Ms,
        pingP99Ms: pings.p99Ms,
        pingMaxMs: pings.maxMs,
        pingP99Under100: goal(pings.p99Ms < 100),
        alive: gw.alive(),
      })
    }
    clearInterval(sampler)
    const [, ping] = await unary(first, 'Ping', {})
    return {
      title: '200 concurrent Finds from 10 connections on 40 x 1 MiB documents (LMDB): gateway RSS and Ping (from another process)',
      rows,
      notes: [`gateway answers Ping afterwards: ${ping === 'NO_ERROR'}; default limits: 64 streams, 16 per connection, 64 MiB unflushed`],
      json: { rows, aliveAfter: ping === 'NO_ERROR' },
    }
  } finally {
    for (const c of conns) c.close()
    await gw.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** `passwordArgs`: how this build takes the password (an older one only on the command line). */
async function tokens(dist: string, label: string, passwordArgs: readonly string[]): Promise<Row> {
  const gw = await startGateway(dist, ['--user', 'u', ...passwordArgs], { ...process.env, OJAI_GATEWAY_PASSWORD: 'p' })
  const c = client(gw.address)
  try {
    const md = new grpc.Metadata()
    md.set('authorization', `basic ${Buffer.from('u:p').toString('base64')}`)
    for (let i = 0; i < 2000; i++) await unary(c, 'Ping', {}, 10_000, md)
    const before = gw.rss()
    const heapBefore = await gw.heapAfterGc()
    const N = 100_000
    let next = 0
    let failed = 0
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < N) {
          next++
          const [, outcome] = await unary(c, 'Ping', {}, 10_000, md)
          if (outcome !== 'NO_ERROR') failed++
        }
      }),
    )
    const after = gw.rss()
    const heapAfter = await gw.heapAfterGc()
    return {
      build: label,
      basicCalls: N,
      failed,
      heapAfterGcBeforeMB: heapBefore / 2 ** 20,
      heapAfterGcAfterMB: heapAfter / 2 ** 20,
      heapGrowthMB: (heapAfter - heapBefore) / 2 ** 20,
      rssBeforeMB: mb(before),
      rssAfterMB: mb(after),
    }
  } finally {
    c.close()
    await gw.stop()
  }
}

async function latency(dist: string, label: string): Promise<Row[]> {
  const rows: Row[] = []
  for (const storage of ['memory', 'lmdb'] as const) {
    const dir = storage === 'lmdb' ? mkdtempSync(join(tmpdir(), 'ojai-bench-lat-')) : undefined
    const gw = await startGateway(dist, dir === undefined ? [] : ['--data', dir])
    const c = client(gw.address)
    try {
      await unary(c, 'CreateTable', { tablePath: '/lat' })
      const doc = (i: number) =>
        `{"_id":"k${String(i % 2000).padStart(5, '0')}","name":"user ${i}","age":${i % 90},"tags":["a","b"],"city":"Springfield"}`
      const ins = (i: number) => unary(c, 'InsertOrReplace', { tablePath: '/lat', insertMode: 1, payloadEncoding: 1, jsonDocument: doc(i) })
      const get = (i: number) =>
        unary(c, 'FindById', { tablePath: '/lat', payloadEncoding: 1, jsonDocument: `{"_id":"k${String(i % 2000).padStart(5, '0')}"}` })
      for (let i = 0; i < 2000; i++) await ins(i)
      const figures: Record<string, string | number> = { build: label, storage }
      for (const [name, op] of [
        ['insertOrReplace', ins],
        ['findById', get],
      ] as const) {
        for (let i = 0; i < 500; i++) await op(i)
        const cpuBefore = gw.cpuMs()
        const seq: number[] = []
        for (let i = 0; i < 5000; i++) seq.push((await op(i))[0])
        const f = latencyFigures(seq)
        figures[`${name}SeqP50Ms`] = f.p50Ms
        figures[`${name}SeqP99Ms`] = f.p99Ms
        let next = 0
        const t = performance.now()
        await Promise.all(
          Array.from({ length: 32 }, async () => {
            while (next < 5000) await op(next++)
          }),
        )
        figures[`${name}32InFlightPerS`] = Math.round(5000 / ((performance.now() - t) / 1000))
        // The gateway's own CPU per call (10 000 calls): what other work on the machine disturbs least.
        figures[`${name}GatewayCpuUsPerCall`] = ((gw.cpuMs() - cpuBefore) * 1000) / 10_000
      }
      rows.push(figures)
    } finally {
      c.close()
      await gw.stop()
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
    }
  }
  return rows
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { only: { type: 'string', multiple: true }, dist: { type: 'string' }, base: { type: 'string' }, json: { type: 'string' } },
  })
  const only = (values.only ?? []) as Section[]
  for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s}; sections: ${SECTIONS.join(', ')}`)
  const selected = (s: Section) => only.length === 0 || only.includes(s)
  const dist = resolve(values.dist ?? 'dist')
  const base = values.base === undefined ? undefined : resolve(values.base)
  const out: Record<string, unknown> = {
    meta: { node: process.version, cpus: cpus().length, loadAverageAtStart: loadavg(), startedAt: new Date().toISOString() },
  }
  const show = (name: string, o: Output) => {
    out[name] = { ...(o.json as object), loadAverage1m: loadavg()[0] }
    console.log(`\n${formatTable(o.title, roundDeep(o.rows) as Row[])}`)
    for (const n of o.notes) console.log(`  ${n}`)
    console.log(`  load average (1 min): ${loadavg()[0]?.toFixed(2)} on ${cpus().length} cores`)
  }
  if (selected('redos')) show('redos', await redos(dist))
  if (selected('storm')) show('storm', await storm(dist))
  if (selected('tokens')) {
    const rows = [await tokens(dist, 'this build', [])]
    if (base !== undefined) rows.push(await tokens(base, 'base', ['--password', 'p']))
    show('tokens', {
      title: '100 000 basic-authenticated Pings (32 in flight): gateway heap after a full GC, and RSS',
      rows,
      notes: [],
      json: { rows },
    })
  }
  if (selected('latency')) {
    const rows: Row[] = []
    // Interleaved so both builds see the same machine load.
    for (let round = 0; round < 3; round++) {
      rows.push(...(await latency(dist, `this build #${round + 1}`)))
      if (base !== undefined) rows.push(...(await latency(base, `base #${round + 1}`)))
    }
    show('latency', {
      title: 'Gateway latency and throughput (~100-byte documents, one connection, loopback)',
      rows,
      notes: ["GatewayCpuUsPerCall: the gateway process's CPU time over 10 000 calls (sequential and 32 in flight) divided by 10 000"],
      json: { rows },
    })
  }
  if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(roundDeep(out), null, 2)}\n`)
  return 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
