/**
 * The package as a new user gets it: `npm pack` of this repository installed in a fresh app with
 * strict TypeScript (`skipLibCheck: false`), then
 *
 * 1. `tsc` over the app: the README's TypeScript blocks (scripts/readme-blocks.ts), a module using
 *    typed documents and one using the testing kit: 0 errors;
 * 2. the README's test files and one using the testing kit, with the app's vitest: they pass,
 *    the marble tests in virtual time (a 500 ms timeout takes no wall-clock time) and without a
 *    `close()` of their stores, and vitest exits by itself;
 * 3. the README's runnable blocks with tsx: each exits 0 by itself.
 *
 * Every step is bounded (a hang fails the check; the step's whole process group is killed).
 * Prints each step and its duration; exit code 0 when all pass. The temporary directory is
 * removed afterwards (`--keep` keeps it). Needs a built dist/ (`npm run build`), as `npm test`
 * leaves it: the tarball is packed without running `prepare`, so that packing never rewrites
 * dist/ under other specs running at the same time.
 *
 *   npx tsx scripts/check-packed-app.ts [--keep]
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readmeBlocks } from './readme-blocks.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const STEP_TIMEOUT_MS = { pack: 120_000, install: 300_000, tsc: 300_000, vitest: 120_000, run: 60_000 }

interface Step {
  readonly code: number | null
  readonly timedOut: boolean
  readonly stdout: string
  /** stdout and stderr, interleaved. */
  readonly output: string
  readonly ms: number
}

/** Runs `command` in `cwd` in a process group of its own, killed whole after `timeoutMs`. */
function run(command: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<Step> {
  const started = performance.now()
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', OJAI_PRIMARY: '', OJAI_SECONDARY: '' }
  // A parent vitest's variables would make the app's vitest think it is a worker.
  for (const name of Object.keys(env)) if (name.startsWith('VITEST') || name === 'TEST' || name === 'NODE_OPTIONS') delete env[name]
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    output += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve) => {
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
    }, timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, timedOut, stdout, output, ms: performance.now() - started })
    })
  })
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/** Versions of the app's tools: the ones this repository is locked to. */
function lockedVersions(names: readonly string[]): Record<string, string> {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> }
  return Object.fromEntries(
    names.map((name) => {
      const version = lock.packages[`node_modules/${name}`]?.version
      if (version === undefined) throw new Error(`${name} is not in package-lock.json`)
      return [name, version]
    }),
  )
}

/** dist/ must have been built after the last change to lib/. */
function assertBuilt(): void {
  const built = (() => {
    try {
      return statSync(join(ROOT, 'dist', 'index.js')).mtimeMs
    } catch {
      return undefined
    }
  })()
  const newest = Math.max(
    ...readdirSync(join(ROOT, 'lib'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => statSync(join(e.parentPath, e.name)).mtimeMs),
  )
  if (built === undefined || built < newest) throw new Error('dist/ is missing or older than lib/: run `npm run build` first')
}

interface PackageJson {
  readonly peerDependencies?: Record<string, string>
  readonly peerDependenciesMeta?: Record<string, { readonly optional?: boolean }>
}

/** An app module using typed documents: inferred results, checked writes. */
const TYPED_DOCUMENTS = `import { firstValueFrom, map } from 'rxjs'
import { connectFailover, type FailoverStore, type Store } from 'ojai-failover'

interface User {
  _id: string
  name: string
  visits?: number
}

/** Renames a user; returns the former name (undefined when there is no such user). */
export async function rename(users: Store<User>, id: string, name: string): Promise<string | undefined> {
  const user = await firstValueFrom(users.findById(id))
  if (user === null) return undefined
  const former: string = user.name
  await firstValueFrom(users.insertOrReplace({ ...user, name }))
  return former
}

export const users: FailoverStore<User> = connectFailover<User>({
  clusters: [
    { name: 'cluster1', connectionString: 'gw1:5678?ssl=false' },
    { name: 'cluster2', connectionString: 'gw2:5678?ssl=false' },
  ],
  table: '/apps/users',
})

// @ts-expect-error a name is a string
export const wrongField = users.insert({ _id: 'u2', name: 42 })
// @ts-expect-error a User has no such field
export const noSuchField = users.findById('u1').pipe(map((u) => u?.nickname))
`

/** An app test using the testing kit: fake stores in virtual time, embedded clusters for real. */
const TESTING_KIT = `import { firstValueFrom, map } from 'rxjs'
import { marbles } from 'rxjs-marbles'
import { expect, it } from 'vitest'
import { fakeStore, marble, startClusters, testFailoverStore } from 'ojai-failover/testing'

interface User {
  _id: string
  name: string
}
const ada: User = { _id: 'u1', name: 'Ada' }

it(
  'a black-holed primary: the answer comes from the secondary right after the timeout, in virtual time',
  marbles((m) => {
    const primary = fakeStore<User>({ findById: '-' })
    const secondary = fakeStore<User>({ findById: marble('--(a|)', { a: ada }) })
    const store = testFailoverStore({ primary, secondary })
    m.expect(store.findById('u1').pipe(map((u) => u?._id))).toBeObservable('500ms --(i|)', { i: 'u1' })
  }),
)

it('two embedded clusters replicate to each other and close in one call', async () => {
  const kit = await startClusters(2)
  try {
    await kit.createTable('/apps/users')
    const users = kit.connectFailover<User>('/apps/users')
    await firstValueFrom(users.insert(ada))
    expect(await firstValueFrom(users.findById('u1'))).toEqual(ada)
  } finally {
    await kit.close()
  }
})
`

async function main(): Promise<number> {
  const keep = process.argv.includes('--keep')
  const failures: string[] = []
  const timings: string[] = []
  const step = async (name: string, command: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<Step> => {
    const result = await run(command, args, cwd, timeoutMs)
    timings.push(`${name}: ${seconds(result.ms)}`)
    const verdict = result.timedOut ? `TIMED OUT after ${seconds(timeoutMs)}` : result.code === 0 ? 'ok' : `FAILED (exit ${result.code})`
    console.log(`${name}: ${verdict} in ${seconds(result.ms)}`)
    if (result.timedOut || result.code !== 0) {
      failures.push(name)
      console.log(result.output.trimEnd().replace(/^/gm, '  | '))
    }
    return result
  }

  assertBuilt()
  const started = performance.now()
  const dir = mkdtempSync(join(tmpdir(), 'ojai-packed-app-'))
  try {
    const packed = await step(
      'npm pack',
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', dir, ROOT],
      dir,
      STEP_TIMEOUT_MS.pack,
    )
    if (packed.code !== 0) return 1
    const [{ filename, size, entryCount }] = JSON.parse(packed.stdout) as [{ filename: string; size: number; entryCount: number }]
    console.log(`  ${filename}: ${entryCount} files, ${(size / 1024).toFixed(0)} KiB`)

    const ours = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson
    // Required peers are installed; optional ones (lmdb, for durable storage) are not: the README's
    // blocks and the testing kit, on memory storage, must work without them.
    const allPeers = Object.keys(ours.peerDependencies ?? {})
    const optional = allPeers.filter((name) => ours.peerDependenciesMeta?.[name]?.optional === true)
    const peers = allPeers.filter((name) => !optional.includes(name))
    if (optional.length > 0) console.log(`  optional peer dependencies not installed: ${optional.join(', ')}`)
    const app = join(dir, 'app')
    mkdirSync(app)
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify(
        {
          name: 'packed-app',
          private: true,
          type: 'module',
          dependencies: { 'ojai-failover': `file:../${filename}`, ...lockedVersions(['rxjs', ...peers]) },
          devDependencies: lockedVersions(['typescript', 'vitest', 'rxjs-marbles', '@types/node', 'tsx']),
        },
        null,
        2,
      ),
    )
    const install = await step(
      'npm install',
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund'],
      app,
      STEP_TIMEOUT_MS.install,
    )
    if (install.code !== 0) return 1

    const tsconfig = { compilerOptions: { strict: true, skipLibCheck: false, module: 'nodenext', target: 'es2022', noEmit: true } }
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2))
    const { blocks, problems } = readmeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'))
    if (problems.length > 0) {
      failures.push('README blocks')
      console.log(`README blocks:\n${problems.map((p) => `  ${p}`).join('\n')}`)
    }
    const modules = blocks.flatMap((b) => (b.kind === 'typescript' && b.role !== 'skip' ? [b] : []))
    const files = modules.map((b) => ({ block: b, file: `readme-${b.fence.line}${b.role === 'test' ? '.test.ts' : '.ts'}` }))
    for (const { block, file } of files) writeFileSync(join(app, file), block.fence.code)
    writeFileSync(join(app, 'typed-documents.ts'), TYPED_DOCUMENTS)
    writeFileSync(join(app, 'testing-kit.test.ts'), TESTING_KIT)
    const runs = files.filter((f) => f.block.role === 'run')
    const tests = files.filter((f) => f.block.role === 'test')
    console.log(
      `app: ${files.length} README blocks (${tests.length} test files, ${runs.length} runnable, ${files.length - tests.length - runs.length} typecheck only), typed-documents.ts, testing-kit.test.ts`,
    )

    await step(
      'tsc (strict, skipLibCheck false)',
      process.execPath,
      [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'],
      app,
      STEP_TIMEOUT_MS.tsc,
    )

    const report = join(dir, 'vitest.json')
    const vitest = await step(
      'vitest run (test files)',
      process.execPath,
      [join(app, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
      app,
      STEP_TIMEOUT_MS.vitest,
    )
    if (vitest.code === 0) {
      const json = JSON.parse(readFileSync(report, 'utf8')) as {
        numPassedTests: number
        numFailedTests: number
        testResults: { name: string; assertionResults: { title: string; duration?: number }[] }[]
      }
      for (const file of json.testResults)
        for (const t of file.assertionResults)
          console.log(`  ${file.name.slice(app.length + 1)} > ${t.title}: passed in ${Math.round(t.duration ?? 0)} ms wall clock`)
      if (
        json.numFailedTests > 0 ||
        json.testResults.length < tests.length + 1 ||
        json.testResults.some((f) => f.assertionResults.length === 0)
      ) {
        failures.push('vitest results')
        console.log(
          `  expected every test file to pass with at least one test: ${json.numPassedTests} passed, ${json.numFailedTests} failed`,
        )
      }
    }

    for (const { block, file } of runs) {
      await step(`tsx ${file} (README.md:${block.fence.line})`, process.execPath, ['--import', 'tsx', file], app, STEP_TIMEOUT_MS.run)
    }
  } finally {
    if (keep) console.log(`kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
  }
  console.log(
    `packed app: ${failures.length === 0 ? 'every check passed' : `FAILED: ${failures.join(', ')}`} in ${seconds(performance.now() - started)} (${timings.join('; ')})`,
  )
  return failures.length === 0 ? 0 : 1
}

process.exitCode = await main()
