/**
 * `@opentelemetry/api` is an optional peer dependency: only `ojai-failover/otel` (lib/otel) imports
 * it. The rest of the library neither imports it nor needs it installed: the main entry, the
 * gateway and the testing kit load, and a FailoverStore runs, in a process where resolving it fails.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')
const dir = mkdtempSync(join(tmpdir(), 'ojai-no-otel-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('@opentelemetry/api is optional', () => {
  it('no module outside lib/otel imports @opentelemetry', () => {
    const importers = readdirSync(join(ROOT, 'lib'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts') && !f.startsWith('otel/'))
      .filter((f) => /from '@opentelemetry|import\('@opentelemetry/.test(readFileSync(join(ROOT, 'lib', f), 'utf8')))
    expect(importers).toEqual([])
  })

  it(
    'the main entry, the gateway and the testing kit load and a FailoverStore runs where @opentelemetry/api cannot be resolved',
    { timeout: 60_000 },
    async () => {
      const hook = join(dir, 'hide-otel.mjs')
      writeFileSync(
        hook,
        `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@opentelemetry/')) throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' })
  return next(specifier, context)
}
`,
      )
      const preload = join(dir, 'preload.mjs')
      writeFileSync(preload, `import { register } from 'node:module'\nregister(${JSON.stringify(`file://${hook}`)})\n`)
      const script = join(dir, 'main.mts')
      writeFileSync(
        script,
        `import { FailoverStore } from ${JSON.stringify(join(ROOT, 'lib/index.ts'))}
await import(${JSON.stringify(join(ROOT, 'lib/gateway/index.ts'))})
const { fakeStore } = await import(${JSON.stringify(join(ROOT, 'lib/testing/index.ts'))})
const store = fakeStore({ findById: () => ({ _id: 'k' }) })
const failover = new FailoverStore([{ name: 'a', store }, { name: 'b', store }])
console.log(JSON.stringify(await new Promise((resolve, reject) => failover.findById('k').subscribe({ next: resolve, error: reject }))))
await failover.close()
let otel = 'loaded'
try { await import(${JSON.stringify(join(ROOT, 'lib/otel/index.ts'))}) } catch (error) { otel = String((error as Error).message) }
console.log(otel)
`,
      )
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          ['--import', preload, '--import', 'tsx', script],
          { cwd: ROOT, timeout: 50_000 },
          (error, stdout, stderr) =>
            resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
        ),
      )
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' })
      const [answer, otel] = result.stdout.trim().split('\n')
      expect(answer).toBe('{"_id":"k"}')
      // The otel entry itself needs the package, and says which.
      expect(otel).toContain("Cannot find package '@opentelemetry/api'")
    },
  )
})
