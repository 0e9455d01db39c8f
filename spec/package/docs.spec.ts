/**
 * The API reference builds with 0 warnings (typedoc.json treats warnings as errors), and every
 * module that sorts its names into categories sorts all of them: nothing lands in TypeDoc's
 * default "Other" beside the API. One TypeDoc run (tens of seconds) into a temporary folder.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

interface Reflection {
  readonly id: number
  readonly name: string
  readonly children?: readonly Reflection[]
  readonly categories?: readonly { readonly title: string; readonly children: readonly number[] }[]
}

const out = mkdtempSync(join(tmpdir(), 'ojai-docs-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

const typedoc = join(dirname(createRequire(import.meta.url).resolve('typedoc/package.json')), 'bin', 'typedoc')

function runTypedoc(): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [typedoc, '--out', join(out, 'html'), '--json', join(out, 'api.json')],
      { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: `${stdout}${stderr}` })
      },
    )
  })
}

describe('API reference (npm run docs)', () => {
  it(
    'builds with 0 warnings; a start page linking the entry points; three modules whose categories hold every name',
    { timeout: 300_000 },
    async () => {
      const { code, output } = await runTypedoc()
      expect(output).not.toMatch(/\[warning\]|\[error\]/)
      expect(code).toBe(0)

      const project = JSON.parse(readFileSync(join(out, 'api.json'), 'utf8')) as Reflection
      const modules = project.children ?? []
      expect(modules.map((m) => m.name)).toEqual(
        expect.arrayContaining(['ojai-failover', 'ojai-failover/gateway', 'ojai-failover/testing']),
      )
      for (const module of modules) {
        if (module.categories === undefined) continue
        const placed = new Set(module.categories.flatMap((c) => c.children))
        const unplaced = (module.children ?? []).filter((c) => !placed.has(c.id)).map((c) => c.name)
        expect(unplaced, `${module.name}: names without @category`).toEqual([])
        expect(module.categories.map((c) => c.title)).not.toContain('Other')
      }
      const main = modules.find((m) => m.name === 'ojai-failover')
      const internals = new Set(main?.categories?.find((c) => c.title === 'Internals')?.children)
      for (const name of ['Backoff', 'StickyHold', 'HedgeBudget', 'classifyStatus', 'DEFAULT_TIMEOUT_MS']) {
        const id = main?.children?.find((c) => c.name === name)?.id
        expect(id !== undefined && internals.has(id), `${name} is in Internals`).toBe(true)
      }

      const start = readFileSync(join(out, 'html', 'index.html'), 'utf8')
      for (const page of [
        'ojai-failover.connectFailover.html',
        'ojai-failover.connect.html',
        'ojai-failover_gateway.startGateway.html',
        'ojai-failover_testing.startClusters.html',
      ])
        expect(start).toContain(page)
    },
  )
})
