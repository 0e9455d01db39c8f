/**
 * Durability as a property over a real process: `node dist/gateway/cli.js --data DIR`, random
 * table paths (unicode, dots, spaces, some over the 1 024-byte limit), random writes (inserts,
 * increments, deletes, table drops) and restarts by SIGTERM or SIGKILL, some of them while writes
 * are still in flight. Every write the gateway acknowledged is read back after every restart and,
 * at the end, straight from the LMDB files; a write it refused left nothing; a write cut off by a
 * kill may or may not be there, but only as written. Runs on the compiled code (`npm test` builds
 * it first).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LmdbEngine } from '../../lib/gateway/storage/lmdb.js'
import { encodeKey } from '../../lib/gateway/storage/keys.js'
import { killAll, startCli } from './gateway-process.js'
import type { RunningCli } from './gateway-process.js'
import { docs, RawClient } from './raw-client.js'

const CLI = 'dist/gateway/cli.js'
/** Cases run (each with one to three restarts of a real process): modest, for a busy 2-core machine. */
const CASES = 6

const dirs: string[] = []

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`)
})

afterAll(() => {
  killAll()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

type Step =
  | { readonly kind: 'create'; readonly table: number }
  | { readonly kind: 'drop'; readonly table: number }
  | { readonly kind: 'put'; readonly table: number; readonly id: number; readonly v: number }
  | { readonly kind: 'increment'; readonly table: number; readonly id: number }
  | { readonly kind: 'delete'; readonly table: number; readonly id: number }
  | { readonly kind: 'restart'; readonly signal: 'SIGTERM' | 'SIGKILL'; readonly inFlight: number }

const segment = fc.oneof(
  fc.stringMatching(/^[a-z0-9._ -]{1,12}$/).filter((s) => s.trim() !== '' && s !== '.' && s !== '..'),
  fc.constantFrom('données', '表', 'x.y', 'a b', '😀'),
)
const shortPath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `/${parts.join('/')}`)
const longPath = fc.integer({ min: 900, max: 1200 }).map((n) => `/${'l'.repeat(n)}`)
const paths = fc.uniqueArray(fc.oneof({ arbitrary: shortPath, weight: 4 }, { arbitrary: longPath, weight: 1 }), {
  minLength: 2,
  maxLength: 4,
})

const step = (tables: number): fc.Arbitrary<Step> => {
  const table = fc.integer({ min: 0, max: tables - 1 })
  const id = fc.integer({ min: 0, max: 7 })
  return fc.oneof(
    { arbitrary: table.map((t) => ({ kind: 'create' as const, table: t })), weight: 2 },
    { arbitrary: table.map((t) => ({ kind: 'drop' as const, table: t })), weight: 1 },
    {
      arbitrary: fc.tuple(table, id, fc.integer({ min: 0, max: 99 })).map(([t, i, v]) => ({ kind: 'put' as const, table: t, id: i, v })),
      weight: 6,
    },
    { arbitrary: fc.tuple(table, id).map(([t, i]) => ({ kind: 'increment' as const, table: t, id: i })), weight: 3 },
    { arbitrary: fc.tuple(table, id).map(([t, i]) => ({ kind: 'delete' as const, table: t, id: i })), weight: 2 },
    {
      arbitrary: fc
        .tuple(fc.constantFrom('SIGTERM' as const, 'SIGKILL' as const), fc.integer({ min: 0, max: 20 }))
        .map(([signal, inFlight]) => ({ kind: 'restart' as const, signal, inFlight })),
      weight: 1,
    },
  )
}

const scenario = paths.chain((ps) => fc.tuple(fc.constant(ps), fc.array(step(ps.length), { minLength: 10, maxLength: 40 })))

/** What the gateway acknowledged: table path -> document id -> its text; plus writes cut off by a kill. */
class Model {
  readonly tables = new Map<string, Map<string, string>>()
  /** Documents a killed gateway may or may not have kept, each only as written: table -> id -> text. */
  readonly unsure = new Map<string, Map<string, string>>()
}

const BYTE_LIMIT = 1024

async function runScenario(tablePaths: readonly string[], steps: readonly Step[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ojai-gw-durable-'))
  dirs.push(dir)
  const model = new Model()
  let gw: RunningCli = await startCli([CLI], ['--port', '0', '--data', dir])
  let c = new RawClient(gw.address)
  let unique = 0
  try {
    for (const s of steps) {
      if (s.kind === 'restart') {
        // Writes to fresh ids sent without waiting: the kill may cut them off.
        const inFlight: Promise<void>[] = []
        const live = [...model.tables.keys()]
        for (let i = 0; i < s.inFlight && live.length > 0; i++) {
          const table = live[i % live.length] as string
          const id = `fly${unique++}`
          const text = `{"_id":"${id}","i":${i}}`
          const docsOf = model.unsure.get(table) ?? new Map<string, string>()
          model.unsure.set(table, docsOf)
          docsOf.set(id, text)
          inFlight.push(
            c.insert(table, text).then(
              (code) => {
                if (code !== 0) return
                docsOf.delete(id)
                model.tables.get(table)?.set(id, text)
              },
              () => undefined,
            ),
          )
        }
        gw.child.kill(s.signal)
        const exit = await gw.exited
        if (s.signal === 'SIGTERM') expect(exit.code).toBe(0)
        await Promise.all(inFlight)
        c.close()
        gw = await startCli([CLI], ['--port', '0', '--data', dir])
        c = new RawClient(gw.address)
        await readBack(c, model)
        continue
      }
      const path = tablePaths[s.table] as string
      const tooLong = Buffer.byteLength(path) > BYTE_LIMIT
      const table = model.tables.get(path)
      switch (s.kind) {
        case 'create': {
          const code = await c.createTable(path)
          expect(code).toBe(tooLong ? 22 : table === undefined ? 0 : 17)
          if (code === 0) model.tables.set(path, new Map())
          break
        }
        case 'drop': {
          const code = await c.deleteTable(path)
          expect(code).toBe(tooLong ? 22 : table === undefined ? 2 : 0)
          if (code === 0) {
            model.tables.delete(path)
            model.unsure.delete(path)
          }
          break
        }
        case 'put': {
          const text = `{"_id":"d${s.id}","v":${s.v}}`
          const code = await c.insert(path, text)
          expect(code).toBe(tooLong ? 22 : table === undefined ? 2 : 0)
          if (code === 0) table?.set(`d${s.id}`, text)
          break
        }
        case 'increment': {
          const code = await c.update(path, `{"_id":"d${s.id}"}`, '{"$increment":{"v":1}}')
          const current = table?.get(`d${s.id}`)
          expect(code).toBe(tooLong ? 22 : table === undefined ? 2 : current === undefined ? 281 : 0)
          if (code === 0 && current !== undefined) {
            const v = (JSON.parse(current) as { v: number }).v
            table?.set(`d${s.id}`, `{"_id":"d${s.id}","v":${v + 1}}`)
          }
          break
        }
        case 'delete': {
          const code = await c.delete(path, `{"_id":"d${s.id}"}`)
          expect(code).toBe(tooLong ? 22 : table === undefined ? 2 : 0)
          if (code === 0) table?.delete(`d${s.id}`)
          break
        }
      }
    }
    await readBack(c, model)
    gw.child.kill('SIGTERM')
    expect((await gw.exited).code).toBe(0)
  } finally {
    c.close()
  }
  // Straight from the files: exactly the acknowledged tables, and their documents.
  const engine = new LmdbEngine({ dir })
  try {
    const live = engine
      .tableMetas()
      .filter((m) => !m.dropped)
      .map((m) => m.path)
      .sort()
    expect(live).toEqual([...model.tables.keys()].sort())
    for (const [path, expected] of model.tables) {
      const t = engine.table(path)
      for (const [id, text] of expected) expect(t?.get(encodeKey(id))?.text).toBe(text)
    }
  } finally {
    await engine.close()
  }
}

/** Every acknowledged table and document is there, as acknowledged; anything else is a cut-off write, as written. */
async function readBack(c: RawClient, model: Model): Promise<void> {
  for (const [path, expected] of model.tables) {
    expect(await c.tableExists(path)).toBe(0)
    const found = docs(await c.query(path, '{}'))
    const unsure = model.unsure.get(path) ?? new Map<string, string>()
    const extra = found.filter((text) => ![...expected.values()].includes(text))
    for (const text of extra) expect([...unsure.values()]).toContain(text)
    for (const text of expected.values()) expect(found).toContain(text)
    // A cut-off write that survived is now as good as acknowledged (it will be read back from now on).
    for (const [id, text] of unsure) {
      if (!found.includes(text)) continue
      expected.set(id, text)
      unsure.delete(id)
    }
  }
}

describe('durability over restarts of a real process (property)', () => {
  it(`every acknowledged write is read back after SIGTERM and SIGKILL (${CASES} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ([tablePaths, steps]) => {
        await runScenario(tablePaths, [...steps, { kind: 'restart', signal: 'SIGKILL', inFlight: 5 }])
      }),
      { numRuns: CASES, endOnFailure: true },
    )
  }, 300_000)
})
