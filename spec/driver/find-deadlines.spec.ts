/**
 * Deadlines that fit the call, at a small scale (the 30 s run through the embedded gateway is
 * `bench/long-find.ts`): a find is bounded by the gap between messages, not by its length, unless
 * a total is set; a stalled stream ends at the idle limit and the call is cancelled on the server;
 * single-answer calls keep their deadline; `Infinity` sends none.
 *
 * Waits here are lower bounds only (the stream is made to last longer than a deadline); no test
 * passes or fails on how fast something happened.
 */
import type * as grpc from '@grpc/grpc-js'
import { lastValueFrom, tap, toArray } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import { type Connection, type ConnectOptions, connect } from '../../lib/driver/index.js'
import { DeadlineExceededError } from '../../lib/ojai/errors.js'
import { done, failure } from '../support/observables.js'
import { ScriptedServer } from './helpers/scripted-server.js'

const OK = { errCode: 0, errorMessage: '', javaStackTrace: '' }

function doc(n: number) {
  return { error: OK, payloadEncoding: 1, type: 1, jsonResponse: `{"_id":"k${n}"}` }
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** Writes one document, then the next only once `gapMs` have passed, `count` in all, then ends. */
function spacedStream(count: number, gapMs: number) {
  return (call: grpc.ServerWritableStream<Record<string, unknown>, unknown>) => {
    let n = 0
    const next = () => {
      if (call.cancelled) return
      call.write(doc(n++))
      if (n < count) setTimeout(next, gapMs)
      else call.end()
    }
    next()
  }
}

describe('find deadlines', () => {
  let server: ScriptedServer
  let connection: Connection | undefined

  async function open(options?: ConnectOptions): Promise<Connection> {
    server = await ScriptedServer.start()
    connection = connect(`127.0.0.1:${server.port}?ssl=false`, options)
    return connection
  }

  afterEach(async () => {
    connection?.close()
    await server?.close()
  })

  it('a stream longer than deadlineMs completes: a find has no total deadline by default', async () => {
    const c = await open({ deadlineMs: 100, findIdleMs: 10_000 })
    server.handlers.Find = spacedStream(4, 150) // lasts at least 450 ms, far beyond the 100 ms deadline
    const started = Date.now()
    const docs = await lastValueFrom(c.store('/t').find().pipe(toArray()))
    expect(docs.map((d) => d._id)).toEqual(['k0', 'k1', 'k2', 'k3'])
    expect(Date.now() - started).toBeGreaterThanOrEqual(450)
    expect(server.of('Find')[0]?.deadline).toBe(Infinity)
  })

  it('while single-answer calls keep deadlineMs', async () => {
    const c = await open({ deadlineMs: 100 })
    server.handlers.FindById = () => undefined // never answers
    const error = await failure(c.store('/t').findById('k'))
    expect(error).toBeInstanceOf(DeadlineExceededError)
    expect(server.of('FindById')[0]?.deadline).not.toBe(Infinity)
  })

  it('a stalled stream ends at the idle limit, and the call is cancelled on the server', async () => {
    const c = await open({ findIdleMs: 200 })
    server.handlers.Find = (call) => {
      call.write(doc(0))
      call.write(doc(1)) // then nothing, ever
    }
    const seen: unknown[] = []
    const started = Date.now()
    const error = await failure(
      c
        .store('/t')
        .find()
        .pipe(tap((d) => seen.push(d._id))),
    )
    expect(seen).toEqual(['k0', 'k1'])
    expect(error).toBeInstanceOf(DeadlineExceededError)
    expect((error as Error).message).toMatch(
      /Find on 127\.0\.0\.1:\d+: no message from the gateway for \d+ ms \(idle limit 200 ms, findIdleMs\); the call was cancelled/,
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(200)
    await until(() => server.of('Find')[0]?.cancelled === true, 'the server to see the cancellation')
  })

  it('the idle limit covers the wait for the first message, and a per-call idleMs overrides it', async () => {
    const c = await open({ findIdleMs: 60_000 })
    server.handlers.Find = () => undefined // never sends anything
    const error = await failure(c.store('/t').find({}, { idleMs: 150 }))
    expect(error).toBeInstanceOf(DeadlineExceededError)
    expect((error as Error).message).toMatch(/idle limit 150 ms, idleMs/)
    await until(() => server.of('Find')[0]?.cancelled === true, 'the server to see the cancellation')
  })

  it('findIdleMs defaults to deadlineMs', async () => {
    const c = await open({ deadlineMs: 150 })
    server.handlers.Find = () => undefined
    const error = await failure(c.store('/t').find())
    expect((error as Error).message).toMatch(/idle limit 150 ms, findIdleMs/)
  })

  it('time the subscriber spends on a message is not idle time', async () => {
    const c = await open({ findIdleMs: 150 })
    server.handlers.Find = spacedStream(3, 0)
    const docs = await lastValueFrom(
      c
        .store('/t')
        .find()
        .pipe(
          tap(() => {
            const until = Date.now() + 400 // busy for longer than the idle limit, synchronously
            while (Date.now() < until);
          }),
          toArray(),
        ),
    )
    expect(docs).toHaveLength(3)
  })

  it('a per-call timeoutMs sets a total: a stream longer than it ends with DEADLINE_EXCEEDED', async () => {
    const c = await open()
    server.handlers.Find = spacedStream(1_000, 20) // 20 s of documents
    const seen: unknown[] = []
    const error = await failure(
      c
        .store('/t')
        .find({}, { timeoutMs: 300 })
        .pipe(tap((d) => seen.push(d._id))),
    )
    expect(error).toBeInstanceOf(DeadlineExceededError)
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.length).toBeLessThan(1_000)
    expect(server.of('Find')[0]?.deadline).not.toBe(Infinity)
  })

  it('findDeadlineMs sets the total for every find', async () => {
    const c = await open({ findDeadlineMs: 300 })
    server.handlers.Find = spacedStream(1_000, 20)
    const error = await failure(c.store('/t').find())
    expect(error).toBeInstanceOf(DeadlineExceededError)
    expect(server.of('Find')[0]?.deadline).not.toBe(Infinity)
  })

  it('deadlineMs: Infinity sends no deadline at all, as the official client', async () => {
    const c = await open({ deadlineMs: Infinity })
    expect(c.info).toMatchObject({ deadlineMs: Infinity, findIdleMs: Infinity, findDeadlineMs: Infinity })
    server.handlers.Find = spacedStream(2, 300)
    await done(c.ping())
    await done(c.store('/t').findById('k'))
    const docs = await lastValueFrom(c.store('/t').find().pipe(toArray()))
    expect(docs).toHaveLength(2)
    expect(server.calls.map((call) => call.deadline)).toEqual([Infinity, Infinity, Infinity])
  })

  it('timeoutMs: Infinity on one call sends that call without a deadline', async () => {
    const c = await open({ deadlineMs: 5000 })
    await done(c.store('/t').findById('k', { timeoutMs: Infinity }))
    await done(c.store('/t').findById('k'))
    expect(server.calls.map((call) => call.deadline === Infinity)).toEqual([true, false])
  })
})
