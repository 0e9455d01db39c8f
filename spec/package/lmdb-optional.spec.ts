/**
 * `lmdb` is an optional peer dependency: a client, or a gateway on memory storage, runs without
 * it; durable storage without it fails with a typed error that says what to install, and leaves
 * nothing behind. "Not installed" is real module resolution failing: a require from a folder with
 * no lmdb above it, or (for the CLI process) a preload that makes resolving `lmdb` fail as npm
 * leaves it when the package was never installed.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadLmdb } from '../../lib/gateway/storage/load-lmdb.js'
import { MissingDependencyError } from '../../lib/index.js'
import { killAll, runCli, startCli } from '../gateway/gateway-process.js'

const dirs: string[] = []

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ojai-no-lmdb-'))
  dirs.push(dir)
  return dir
}

afterEach(() => {
  killAll()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/**
 * A preload that makes `lmdb` unresolvable to require() and to import, as in an app that never
 * installed it (so a static import of lmdb anywhere would stop the process from starting).
 */
function withoutLmdb(): string {
  const dir = tempDir()
  const hook = join(dir, 'hide-lmdb-hook.mjs')
  writeFileSync(
    hook,
    `export async function resolve(specifier, context, next) {
  if (specifier === 'lmdb') throw Object.assign(new Error("Cannot find package 'lmdb'"), { code: 'ERR_MODULE_NOT_FOUND' })
  return next(specifier, context)
}
`,
  )
  const preload = join(dir, 'hide-lmdb.cjs')
  writeFileSync(
    preload,
    `const Module = require('node:module')
const { pathToFileURL } = require('node:url')
Module.register(pathToFileURL(${JSON.stringify(hook)}))
const resolve = Module._resolveFilename
Module._resolveFilename = function (request, ...rest) {
  if (request === 'lmdb') throw Object.assign(new Error("Cannot find module 'lmdb'"), { code: 'MODULE_NOT_FOUND' })
  return resolve.call(this, request, ...rest)
}
`,
  )
  return preload
}

describe('lmdb as an optional peer dependency', () => {
  it('loads lmdb where it is installed', () => {
    expect(typeof loadLmdb().open).toBe('function')
  })

  it('where lmdb is not installed: MissingDependencyError naming the package and the command', () => {
    const elsewhere = createRequire(join(tempDir(), 'app.js'))
    let error: unknown
    try {
      loadLmdb(elsewhere)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(MissingDependencyError)
    expect(error).toMatchObject({ code: 'MISSING_DEPENDENCY', packageName: 'lmdb' })
    expect((error as Error).message).toContain('npm install lmdb')
  })

  it('a dependency of lmdb missing, or any other load failure, is not mistaken for lmdb missing', () => {
    const missingInner = Object.assign(new Error("Cannot find module 'msgpackr'"), { code: 'MODULE_NOT_FOUND' })
    expect(() =>
      loadLmdb(() => {
        throw missingInner
      }),
    ).toThrow(missingInner)
  })

  it('the CLI without lmdb: serves from memory; --data exits 1 saying "npm install lmdb" and creates nothing', async () => {
    const nodeArgs = ['--require', withoutLmdb(), '--import', 'tsx', 'lib/gateway/cli.ts']
    const memory = await startCli(nodeArgs, ['--port', '0'])
    expect(memory.address).toMatch(/:\d+$/)
    memory.child.kill('SIGTERM')
    expect((await memory.exited).code).toBe(0)

    const dataDir = join(tempDir(), 'data')
    const durable = runCli(nodeArgs, ['--port', '0', '--data', dataDir])
    expect((await durable.exited).code).toBe(1)
    expect(durable.stderr()).toContain('npm install lmdb')
    expect(existsSync(dataDir)).toBe(false)
  })
})
