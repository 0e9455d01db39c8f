/**
 * `npm pack` ships the product and nothing else. The rule, one area at a time (the `files` of
 * package.json, plus what npm always adds):
 * - `lib/`: the TypeScript sources (kept beside `dist/` for the source maps), the `.proto` files
 *   and the script that regenerates the code from them;
 * - `dist/` (present after `npm run build`, which `npm test` runs first): for each source in
 *   `lib/`, its `.js`, `.d.ts` and their maps, and the copied `.proto` files; nothing left over
 *   from a source that is gone;
 * - `examples/`: TypeScript; `bench/results/`: the published JSON figures and SVG charts;
 * - `package.json`, `LICENSE`, and `README.md` files;
 * and nowhere a spec or test file, a merge leftover, a backup, a log or a temporary file.
 * The pack list is read with `npm pack --dry-run --json --ignore-scripts`: nothing is built or written.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../examples/run-example.js'

/** What one area of the package may hold, by path below the area. */
const AREAS: Readonly<Record<string, RegExp>> = {
  lib: /^lib\/(?:.+\.ts|.+\.proto|proto\/generate\.sh)$/,
  dist: /^dist\/.+(?:\.js|\.d\.ts|\.js\.map|\.d\.ts\.map|\.proto)$/,
  examples: /^examples\/.+\.ts$/,
  'bench/results': /^bench\/results\/[^/]+\.(?:json|svg)$/,
}

/** Files npm adds whatever `files` says, and the single files `files` names. */
const SINGLE_FILES = /^(?:package\.json|LICENSE|(?:.+\/)?README\.md)$/

/** Never part of the product, wherever it stands. */
const STRAY =
  /(?:\.(?:orig|rej|tmp|bak|swp|log|diff|patch)|~|\.(?:spec|test)\.[cm]?[jt]sx?|\/\.DS_Store|^\.env.*)$|(?:^|\/)(?:spec|__tests__|fixtures|coverage|node_modules)\//

interface PackResult {
  readonly files: readonly { readonly path: string }[]
  readonly entryCount: number
}

function packList(): Promise<PackResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      ['pack', '--dry-run', '--json', '--ignore-scripts'],
      { cwd: ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`npm pack --dry-run failed: ${error.message}\n${stderr}`))
        else resolve((JSON.parse(stdout) as readonly PackResult[])[0] as PackResult)
      },
    )
  })
}

/** The `lib/` source a `dist/` file was built from. */
function sourceOf(distPath: string): string {
  if (distPath.endsWith('.proto')) return distPath.replace(/^dist\//, 'lib/')
  return distPath.replace(/^dist\//, 'lib/').replace(/(?:\.d\.ts|\.js)(?:\.map)?$/, '.ts')
}

const declaredFiles = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: readonly string[] }).files

let packed: readonly string[] = []
beforeAll(async () => {
  const result = await packList()
  packed = result.files.map((f) => f.path)
  expect(packed).toHaveLength(result.entryCount)
}, 130_000)

describe('npm pack', () => {
  it('has a rule for every entry of package.json "files"', () => {
    const ruled = declaredFiles.filter((entry) => entry in AREAS || SINGLE_FILES.test(entry))
    expect(ruled).toEqual(declaredFiles)
  })

  it('lists only product files: each in an area of "files", of a kind that area ships', () => {
    const outside = packed.filter((path) => !SINGLE_FILES.test(path) && !Object.values(AREAS).some((rule) => rule.test(path)))
    expect(outside).toEqual([])
  })

  it('lists no spec, test, merge leftover, backup, log or temporary file', () => {
    expect(packed.filter((path) => STRAY.test(path))).toEqual([])
    // The rule itself, on the kinds of file it is there to keep out.
    for (const stray of [
      'lib/connect-failover.ts.orig',
      'lib/a.ts.rej',
      'lib/x.ts.tmp',
      'lib/x.ts~',
      'lib/x.spec.ts',
      'spec/x.ts',
      'examples/fixtures/a.ts',
    ])
      expect(STRAY.test(stray), stray).toBe(true)
    for (const product of ['lib/index.ts', 'dist/gateway/cli.js', 'dist/index.d.ts.map', 'bench/results/bench.json'])
      expect(STRAY.test(product), product).toBe(false)
  })

  it('ships the product: package.json, README.md, LICENSE, every source of lib/', () => {
    const sources = readdirSync(join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' })
      .map((file) => `lib/${file.split('\\').join('/')}`)
      .filter((path) => AREAS.lib?.test(path) === true && !STRAY.test(path))
    expect(sources).toContain('lib/index.ts')
    expect(packed).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', ...sources]))
  })

  it('ships in dist/ only what a source in lib/ builds', () => {
    const orphans = packed.filter((path) => path.startsWith('dist/') && !existsSync(join(ROOT, sourceOf(path))))
    expect(orphans).toEqual([])
    expect(sourceOf('dist/failover/events.d.ts.map')).toBe('lib/failover/events.ts')
    expect(sourceOf('dist/proto/maprdb-server.proto')).toBe('lib/proto/maprdb-server.proto')
  })
})
