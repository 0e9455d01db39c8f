/**
 * Runs a README test file (a TypeScript block that imports from vitest) inside this spec, as
 * written: it is compiled (`transpileModule`, CommonJS) and run with its imports resolved as
 * follows, and registers its `it(…)`/`test(…)` tests with vitest.
 *
 * - The package's own imports (`ojai-failover`, `ojai-failover/gateway`, …) are this repository's
 *   sources (workspace.ts `entryPoints`).
 * - `vitest` is vitest (`describe`, hooks, `expect`…), except that `it`/`test` also fail a test
 *   that asserted nothing (neither `expect` nor `m.expect`).
 * - `rxjs-marbles` is rxjs-marbles, except that `marbles` runs on a bounded virtual clock
 *   (spec/failover/stall-scheduler.ts): a store that never stops scheduling fails the test
 *   instead of hanging the run (flush() is synchronous: vitest could not time it out).
 * - Anything else is imported as it is.
 *
 * A name the block uses without importing or defining it fails, as it would fail a reader.
 */
import { pathToFileURL } from 'node:url'
import ts from 'typescript'
import * as vitest from 'vitest'
import { expect, it } from 'vitest'
import * as rxjsMarbles from 'rxjs-marbles'
import { marbles as boundedMarbles, type StallContext } from '../failover/stall-scheduler.js'
import { entryPoints } from './workspace.js'

/** Tests of README blocks may start gateways: room for that on a loaded machine. */
const TEST_TIMEOUT_MS = 60_000

export interface TestBlock {
  /** The names of the tests it registered. */
  readonly registered: readonly string[]
}

/** The modules `code` imports, loaded (async), so that the block can then run synchronously. */
export async function loadImports(code: string): Promise<Map<string, unknown>> {
  const entries = entryPoints()
  const modules = new Map<string, unknown>()
  for (const { fileName: name } of ts.preProcessFile(code, true, true).importedFiles) {
    if (name === 'vitest' || name === 'rxjs-marbles' || modules.has(name)) continue
    const entry = entries[name]
    modules.set(name, await import(entry === undefined ? name : pathToFileURL(entry).href))
  }
  return modules
}

/** Compiles and runs `code`, registering its tests in the current `describe`. */
export function runTestBlock(code: string, imports: ReadonlyMap<string, unknown>): TestBlock {
  const registered: string[] = []
  let marbleExpectations = 0
  const marbles = (fn: (m: StallContext) => void) =>
    boundedMarbles((m) => {
      const counted = new Proxy(m, {
        get: (target, key) =>
          key === 'expect'
            ? (...args: Parameters<StallContext['expect']>) => (marbleExpectations++, target.expect(...args))
            : Reflect.get(target, key),
      })
      fn(counted)
    })
  const register = (name: string, ...rest: unknown[]) => {
    const body = rest.find((r): r is () => unknown => typeof r === 'function')
    if (body === undefined) throw new Error(`the README test "${name}" has no body`)
    registered.push(name)
    it(name, { timeout: TEST_TIMEOUT_MS }, async () => {
      marbleExpectations = 0
      await body()
      expect(marbleExpectations + expect.getState().assertionCalls, 'the README test asserts something').toBeGreaterThan(0)
    })
  }
  const modules = new Map<string, unknown>([
    ...imports,
    ['rxjs-marbles', { ...rxjsMarbles, marbles }],
    ['vitest', { ...vitest, it: register, test: register }],
  ])
  const require = (name: string) => {
    if (!modules.has(name)) throw new Error(`the README test imports ${name}, which was not loaded`)
    return modules.get(name)
  }
  const js = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText
  new Function('require', 'exports', js)(require, {})
  return { registered }
}
