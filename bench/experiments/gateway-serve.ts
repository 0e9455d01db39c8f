/**
 * How close the embedded gateway comes to a bare grpc-js server: findById and Find throughput
 * over the no-op server (bench/noop-server.ts) and the gateway's own CPU per answer, each server
 * in its own process. The client speaks raw bytes to every server (requests serialised once, no
 * response decoded), so the figures are the servers' and grpc-js's, not the driver's codec.
 *
 * - findById: closed loop at `--concurrency`, keys spread over the table; against the no-op
 *   unary call (empty answer).
 * - find: whole-table Finds of `--docs` documents, `--streams` at once, with no condition and
 *   with a condition every document meets (it must be evaluated on each); against the no-op
 *   stream sending the same number of messages of the same size as the gateway's.
 * - server CPU: `process.cpuUsage()` of the gateway process (and of the no-op server) over each
 *   run, per answer (findById) or per document streamed (find).
 * - the gateway's own steps, in this process without gRPC (the steady part of the figures above):
 *   request decoding, `Database.findById`, a Find's cursor per document, and serialising an answer
 *   with protobufjs (as the build before this experiment's change did) and as a DocumentResponse.
 *
 * With `--baseline <checkout>`, a second gateway runs the `lib/gateway` of another checkout of
 * this repository (an earlier commit, its `node_modules` in place) and every repetition runs the
 * same loads against both, interleaved in a rotating order with the no-op server: before and
 * after in one run, under the same machine load. Ratios are medians of per-repetition ratios.
 * `--only` runs one kind of load (to profile it alone). `--cpu-prof <dir>` writes the gateways'
 * CPU profiles there, one folder per gateway (node `--cpu-prof`; the largest file is the main
 * thread's).
 *
 *   npx tsx bench/experiments/gateway-serve.ts [--storage memory|lmdb] [--reps 7] [--duration-ms 1000]
 *     [--docs 1000] [--concurrency 16] [--streams 4] [--only all|findById|find|"find condition"|…]
 *     [--baseline <checkout>] [--cpu-prof <dir>]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface, type Interface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import * as grpc from '@grpc/grpc-js'
import { firstValueFrom, lastValueFrom, Observable, tap, toArray } from 'rxjs'
import { reapOnExit } from '../../lib/chaos/reaper.js'
import type * as GatewayModule from '../../lib/gateway/index.js'
import { connect } from '../../lib/driver/index.js'
import { ODate, ODecimal, OInt, OTimestamp } from '../../lib/ojai/values.js'
import type { DocumentWithId } from '../../lib/ojai/values.js'
import { Database } from '../../lib/gateway/database.js'
import { acceptingDocumentResponses, DocumentResponses } from '../../lib/gateway/document-response.js'
import { NOT_YET } from '../../lib/gateway/find-cursor.js'
import { HybridClock } from '../../lib/gateway/hlc.js'
import { MemoryEngine } from '../../lib/gateway/storage/memory.js'
import { strictUtf8 } from '../../lib/gateway/strict-utf8.js'
import { NO_ERROR } from '../../lib/gateway/wire.js'
import { encodeDocument } from '../../lib/ojai/codec.js'
import { FindResponseType, InsertMode, MapRDbServer, packageDefinition, PayloadEncoding } from '../../lib/proto/index.js'
import type { FindByIdRequest__Output } from '../../lib/proto/generated/com/mapr/data/db/FindByIdRequest.js'
import type { FindRequest__Output } from '../../lib/proto/generated/com/mapr/data/db/FindRequest.js'
import type { InsertOrReplaceRequest__Output } from '../../lib/proto/generated/com/mapr/data/db/InsertOrReplaceRequest.js'
import { answerCpuQueries, CpuQuery } from '../cpu-query.js'
import { closedLoop, type ClosedLoopResult } from '../load.js'
import { NoopGrpc } from '../noop-client.js'
import { cpuUsPer, median, round } from '../stats.js'

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'bench' },
    root: { type: 'string' },
    storage: { type: 'string', default: 'memory' },
    reps: { type: 'string', default: '7' },
    'duration-ms': { type: 'string', default: '1000' },
    docs: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    streams: { type: 'string', default: '4' },
    baseline: { type: 'string' },
    'cpu-prof': { type: 'string' },
    only: { type: 'string', default: 'all' },
  },
})

const HERE = fileURLToPath(import.meta.url)
const OWN_ROOT = resolve(HERE, '..', '..', '..')

// ---------------------------------------------------------------------------------------------
// The gateway process: a gateway on a free port; `cpu` on stdin answers its CPU time so far.

async function serveGateway(root: string, storage: string): Promise<void> {
  const module = (await import(pathToFileURL(join(root, 'lib', 'gateway', 'index.ts')).href)) as typeof GatewayModule
  const dir = storage === 'lmdb' ? mkdtempSync(join(tmpdir(), 'gateway-serve-')) : undefined
  const gateway = await module.startGateway({ port: 0, storage: dir === undefined ? 'memory' : { dir } })
  console.log(`listening on ${gateway.port}`)
  answerCpuQueries().once('close', () => {
    void gateway.close().finally(() => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
      process.exit(0)
    })
  })
}

class GatewayProcess {
  private readonly cpu: CpuQuery

  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly child: ChildProcess,
    lines: Interface,
  ) {
    this.cpu = new CpuQuery(name, child, lines)
  }

  static async start(name: string, root: string, storage: string, profileDir: string | undefined): Promise<GatewayProcess> {
    // One directory per gateway: each thread (tsx's loader has its own) writes a profile there.
    const profile = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', join(profileDir, name.replaceAll(' ', '-'))]
    const args = [...profile, '--import', 'tsx', HERE, '--role', 'gateway', '--root', root, '--storage', storage]
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] })
    reapOnExit(child)
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    const port = await new Promise<number>((resolveListening, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway ${name}: no "listening on" within 30 s`)), 30_000)
      child.once('exit', (code) => reject(new Error(`gateway ${name} exited (${code}) before listening`)))
      lines.once('line', (line) => {
        clearTimeout(timer)
        const m = /^listening on (\d+)$/.exec(line)
        if (m === null) reject(new Error(`gateway ${name}: unexpected first line ${JSON.stringify(line)}`))
        else resolveListening(Number(m[1]))
      })
    }).catch((error: unknown) => {
      child.kill('SIGKILL')
      throw error
    })
    return new GatewayProcess(name, port, child, lines)
  }

  /** The gateway process's CPU time so far (user + system), in µs. */
  cpuUs(): Promise<number> {
    return this.cpu.cpuUs()
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = once(this.child, 'exit')
    this.child.stdin?.end()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
}

// ---------------------------------------------------------------------------------------------
// The client: raw bytes to every server.

const identity = (b: Buffer): Buffer => b
const methods = MapRDbServer.service
const { JSON_ENCODING } = PayloadEncoding
const { RESULT_DOCUMENT } = FindResponseType

function unary(client: grpc.Client, path: string, request: Buffer): Observable<void> {
  return new Observable<void>((subscriber) => {
    const call = client.makeUnaryRequest<Buffer, Buffer>(path, identity, identity, request, { deadline: Date.now() + 30_000 }, (error) =>
      error === null ? subscriber.complete() : subscriber.error(error),
    )
    return () => call.cancel()
  })
}

/** A stream's messages: emits each one's bytes. */
function stream(client: grpc.Client, path: string, request: Buffer): Observable<Buffer> {
  return new Observable<Buffer>((subscriber) => {
    const call = client.makeServerStreamRequest<Buffer, Buffer>(path, identity, identity, request, { deadline: Date.now() + 60_000 })
    call.on('data', (message: Buffer) => subscriber.next(message))
    call.on('error', (error) => subscriber.error(error))
    call.on('end', () => subscriber.complete())
    return () => call.cancel()
  })
}

function documentOf(i: number): DocumentWithId {
  return {
    _id: `k${String(i).padStart(5, '0')}`,
    name: `user ${i}`,
    age: new OInt(i % 90),
    score: i * 0.5,
    balance: BigInt(i) * 1_000_003n,
    price: new ODecimal(`${i}.25`),
    born: new ODate(1950 + (i % 60), 1 + (i % 12), 1 + (i % 28)),
    created: new OTimestamp(Date.UTC(2020, 0, 1) + i * 86_400_000),
    tags: ['a', 'b', `t${i % 7}`],
    address: { city: `city ${i % 13}`, zip: `${10_000 + i}`, active: i % 2 === 0 },
  }
}

interface Target {
  readonly name: string
  findById(i: number): Observable<void>
  /** One whole-table Find; emits the number of documents it streamed. */
  find(kind: FindKind): Observable<number>
  cpuUs(): Promise<number>
  close(): void
}

type FindKind = 'no condition' | 'condition'
const FIND_KINDS: readonly FindKind[] = ['no condition', 'condition']

function gatewayTarget(gateway: GatewayProcess, path: string, docs: number): Target {
  const client = new grpc.Client(`127.0.0.1:${gateway.port}`, grpc.credentials.createInsecure())
  const byId = Array.from({ length: docs }, (_, i) =>
    methods.FindById.requestSerialize({
      tablePath: path,
      payloadEncoding: JSON_ENCODING,
      jsonDocument: JSON.stringify({ _id: documentOf(i)._id }),
    }),
  )
  const finds: Record<FindKind, Buffer> = {
    'no condition': methods.Find.requestSerialize({ tablePath: path, payloadEncoding: JSON_ENCODING, jsonQuery: '{}' }),
    condition: methods.Find.requestSerialize({
      tablePath: path,
      payloadEncoding: JSON_ENCODING,
      jsonQuery: '{"$where":{"$ge":{"score":0}}}',
    }),
  }
  return {
    name: gateway.name,
    findById: (i) => unary(client, methods.FindById.path, byId[i % docs] as Buffer),
    find: (kind) =>
      new Observable<number>((subscriber) => {
        let n = 0
        return stream(client, methods.Find.path, finds[kind]).subscribe({
          next: () => n++,
          error: (e: unknown) => subscriber.error(e),
          complete: () => {
            if (n !== docs) subscriber.error(new Error(`${gateway.name}: a Find streamed ${n} of ${docs} documents`))
            else {
              subscriber.next(n)
              subscriber.complete()
            }
          },
        })
      }),
    cpuUs: () => gateway.cpuUs(),
    close: () => client.close(),
  }
}

function bareTarget(noop: NoopGrpc, message: Buffer, docs: number): Target {
  return {
    name: 'bare grpc-js',
    findById: () => noop.call(),
    find: () =>
      new Observable<number>((subscriber) =>
        noop.stream(message, docs).subscribe({
          error: (e: unknown) => subscriber.error(e),
          complete: () => {
            subscriber.next(docs)
            subscriber.complete()
          },
        }),
      ),
    cpuUs: () => noop.cpuUs(),
    close: () => {},
  }
}

interface Run {
  readonly loop: ClosedLoopResult
  /** The server's CPU µs per answer (findById) or per document (find). */
  readonly serverCpuUs: number
  /** Answers (findById) or documents (find) per second. */
  readonly perSec: number
}

/**
 * One closed-loop run of `op` (after a short warm-up), each operation emitting how many answers
 * or documents it was served. Throughput and the server's CPU both count every unit served
 * between the two CPU readings, those that ended after the measured window included.
 */
async function measure(target: Target, op: (i: number) => Observable<number>, concurrency: number, durationMs: number): Promise<Run> {
  await closedLoop(op, { concurrency, durationMs: Math.min(300, durationMs) })
  let served = 0
  const counted = (i: number) => op(i).pipe(tap((n) => (served += n)))
  const cpu0 = await target.cpuUs()
  const began = performance.now()
  const loop = await closedLoop(counted, { concurrency, durationMs })
  const elapsedMs = performance.now() - began
  const cpu1 = await target.cpuUs()
  // Units over the whole loop, its drain included: a Find of many documents would make a count of whole operations coarse.
  return { loop, serverCpuUs: (cpu1 - cpu0) / served, perSec: (served / elapsedMs) * 1000 }
}

async function bench(): Promise<void> {
  const storage = values.storage as string
  if (storage !== 'memory' && storage !== 'lmdb') throw new Error(`--storage must be memory or lmdb, got ${storage}`)
  const reps = Number(values.reps)
  const durationMs = Number(values['duration-ms'])
  const docs = Number(values.docs)
  const concurrency = Number(values.concurrency)
  const streams = Number(values.streams)
  for (const [name, n] of Object.entries({ reps, 'duration-ms': durationMs, docs, concurrency, streams }))
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`)
  const profileDir = values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof'])
  const allOps = ['findById', ...FIND_KINDS.map((k) => `find ${k}`)]
  const ops = values.only === 'all' ? allOps : allOps.filter((op) => op === values.only || op.startsWith(`${values.only} `))
  if (ops.length === 0) throw new Error(`--only must be all, findById or find, got ${values.only}`)

  const gateways = [await GatewayProcess.start('gateway', OWN_ROOT, storage, profileDir)]
  if (values.baseline !== undefined)
    gateways.push(await GatewayProcess.start('baseline gateway', resolve(values.baseline), storage, profileDir))
  const noop = await NoopGrpc.start()
  const targets: Target[] = []
  try {
    const path = '/bench/serve'
    let findMessage: Buffer | undefined
    for (const gateway of gateways) {
      const conn = connect(`127.0.0.1:${gateway.port}?ssl=false`)
      try {
        await firstValueFrom(conn.createStore(path))
        const store = conn.store(path)
        for (let i = 0; i < docs; i += 64) {
          await Promise.all(
            Array.from({ length: Math.min(64, docs - i) }, (_, k) =>
              firstValueFrom(store.insertOrReplace(documentOf(i + k)), { defaultValue: undefined }),
            ),
          )
        }
        // Sanity: the driver reads back what was written, through both answers.
        const found = await lastValueFrom(store.find().pipe(toArray()))
        if (found.length !== docs) throw new Error(`${gateway.name}: find returned ${found.length} of ${docs} documents`)
        if ((await firstValueFrom(store.findById(documentOf(docs - 1)._id))) === null) throw new Error(`${gateway.name}: findById missed`)
      } finally {
        await conn.close()
      }
      const target = gatewayTarget(gateway, path, docs)
      targets.push(target)
      // The bare stream sends messages exactly as long as the gateway's (its first Find message).
      const probe = new grpc.Client(`127.0.0.1:${gateway.port}`, grpc.credentials.createInsecure())
      const query = methods.Find.requestSerialize({ tablePath: path, payloadEncoding: JSON_ENCODING, jsonQuery: '{"$limit":1}' })
      findMessage ??= await firstValueFrom(stream(probe, methods.Find.path, query)).finally(() => probe.close())
    }
    targets.push(bareTarget(noop, findMessage as Buffer, docs))

    type Key = string
    const runs = new Map<Key, Run[]>()
    const record = (key: Key, run: Run) => runs.set(key, [...(runs.get(key) ?? []), run])
    // One load at a time across the servers, in an order rotating every repetition: each run
    // follows a run of the same load, so none inherits another load's garbage or warm caches.
    const run = (target: Target, op: string) =>
      op === 'findById'
        ? measure(target, (i) => target.findById(i).pipe(toCount), concurrency, durationMs)
        : measure(target, () => target.find(op.slice('find '.length) as FindKind), streams, durationMs)
    for (let r = 0; r < reps; r++) {
      for (const op of ops) {
        for (let k = 0; k < targets.length; k++) {
          const target = targets[(k + r) % targets.length] as Target
          // The bare server has no conditions: its one stream is the reference of both Find loads.
          if (target.name === 'bare grpc-js' && op === 'find condition') continue
          record(`${target.name}/${op}`, await run(target, op))
        }
      }
      console.error(`repetition ${r + 1}/${reps} done`)
    }

    const bare = (op: string) => runs.get(`bare grpc-js/${op === 'findById' ? 'findById' : 'find no condition'}`) as Run[]
    const rows: Record<string, Record<string, number | string>> = {}
    for (const gateway of gateways) {
      for (const op of ops) {
        const list = runs.get(`${gateway.name}/${op}`) as Run[]
        const base = bare(op)
        rows[`${gateway.name}: ${op}`] = {
          unit: op === 'findById' ? 'answers/s' : 'documents/s',
          gateway: round(median(list.map((x) => x.perSec))),
          'bare grpc-js': round(median(base.map((x) => x.perSec))),
          'ratio to bare': round(median(list.map((x, i) => x.perSec / (base[i] as Run).perSec))),
          'gateway CPU µs per unit': round(median(list.map((x) => x.serverCpuUs))),
          'bare CPU µs per unit': round(median(base.map((x) => x.serverCpuUs))),
          errors: list.reduce((s, x) => s + x.loop.errors, 0),
        }
      }
    }
    console.log(
      `gateway (${storage} storage) over a bare grpc-js server; medians of ${reps} interleaved repetitions x ${durationMs} ms; ` +
        `findById at concurrency ${concurrency}, whole-table Finds of ${docs} documents, ${streams} at once; ` +
        `the bare stream sends messages of the gateway's size (${findMessage?.length ?? 0} bytes). Shared machine: figures are noisy.`,
    )
    console.table(rows)
    console.log(`the gateway's own steps in this process (no gRPC), CPU µs per answer or per document, medians of ${reps} repetitions`)
    console.table(await ownSteps(reps, docs))
  } finally {
    for (const target of targets) target.close()
    await noop.close()
    await Promise.all(gateways.map((g) => g.close()))
  }
}

/**
 * The gateway's own work per answer, measured in this process on the current tree's modules: what
 * the figures above contain besides grpc-js, and the serialisation before (protobufjs, as the
 * build before this change answered) and now ({@link DocumentResponses}).
 */
async function ownSteps(reps: number, docs: number): Promise<Record<string, { 'CPU µs': number }>> {
  const db = new Database({ engine: new MemoryEngine(), clock: new HybridClock(), gatewayId: 'bench' })
  const path = '/own'
  await db.createTable(path)
  for (let i = 0; i < docs; i++)
    await db.insertOrReplace({
      tablePath: path,
      payloadEncoding: JSON_ENCODING,
      insertMode: InsertMode.INSERT_OR_REPLACE,
      data: 'jsonDocument',
      jsonDocument: encodeDocument(documentOf(i)),
    } as InsertOrReplaceRequest__Output)
  const service = acceptingDocumentResponses(strictUtf8(methods, packageDefinition, 'com.mapr.data.db'))
  const responses = new DocumentResponses(service)
  // Every call over all the table's keys and documents, so that no step runs on one value only.
  const requests = Array.from({ length: docs }, (_, i) =>
    methods.FindById.requestSerialize({
      tablePath: path,
      payloadEncoding: JSON_ENCODING,
      jsonDocument: JSON.stringify({ _id: documentOf(i)._id }),
    }),
  )
  const decoded = requests.map((r) => service.FindById.requestDeserialize(r) as FindByIdRequest__Output)
  const texts = decoded.map((r) => db.findById(r))
  const each =
    <T>(values: readonly T[], fn: (value: T) => unknown) =>
    () => {
      for (const value of values) fn(value)
    }
  const find = (query: string) => () => {
    const request = { tablePath: path, payloadEncoding: JSON_ENCODING, data: 'jsonQuery', jsonQuery: query } as FindRequest__Output
    const cursor = db.openFind(request, 1 << 30)
    for (let next = cursor.next(); next !== undefined; next = cursor.next()) if (next !== NOT_YET) responses.findResult(next)
  }
  const steps: Record<string, () => void> = {
    'findById: request decoded, UTF-8 checked': each(requests, (r) => service.FindById.requestDeserialize(r)),
    'findById: Database.findById': each(decoded, (r) => db.findById(r)),
    'findById: answer serialised by protobufjs (before)': each(texts, (text) =>
      methods.FindById.responseSerialize({ error: NO_ERROR, payloadEncoding: JSON_ENCODING, jsonDocument: text }),
    ),
    'findById: answer serialised as a DocumentResponse (now)': each(texts, (text) => responses.findById(text)),
    'find: result serialised by protobufjs (before)': each(texts, (text) =>
      methods.Find.responseSerialize({ error: NO_ERROR, payloadEncoding: JSON_ENCODING, type: RESULT_DOCUMENT, jsonResponse: text }),
    ),
    'find: result serialised as a DocumentResponse (now)': each(texts, (text) => responses.findResult(text)),
    'find: cursor and DocumentResponse, no condition': find('{}'),
    'find: cursor and DocumentResponse, condition': find('{"$where":{"$ge":{"score":0}}}'),
  }
  const out: Record<string, { 'CPU µs': number }> = {}
  // Each step handles `docs` values per call; about 100 000 values per repetition.
  const calls = Math.max(1, Math.round(100_000 / docs))
  for (const [name, fn] of Object.entries(steps)) {
    cpuUsPer(calls, fn)
    out[name] = { 'CPU µs': round(median(Array.from({ length: reps }, () => cpuUsPer(calls, fn) / docs))) }
  }
  return out
}

/** A findById counts one answer. */
function toCount(source: Observable<void>): Observable<number> {
  return new Observable<number>((subscriber) =>
    source.subscribe({
      error: (e: unknown) => subscriber.error(e),
      complete: () => {
        subscriber.next(1)
        subscriber.complete()
      },
    }),
  )
}

// Last: the classes above must be initialised first.
if (values.role === 'gateway') await serveGateway(values.root ?? OWN_ROOT, values.storage as string)
else await bench()
