/**
 * The package as a new user installs it (scripts/check-packed-app.ts): the npm tarball in a fresh
 * strict-TypeScript app, the README's blocks typechecked and run there, the README's test files
 * passing under the app's own vitest, which exits by itself.
 */
import { describe, expect, it } from 'vitest'
import { runExample } from '../examples/run-example.js'

/** Bound on the whole check; each of its steps has its own, shorter bound. */
const CHECK_TIMEOUT_MS = 1_200_000

describe('the packed package in a fresh app', () => {
  it(
    'typechecks with skipLibCheck false, runs the README tests and blocks, and cleans up',
    { timeout: CHECK_TIMEOUT_MS + 10_000 },
    async () => {
      const run = await runExample('scripts/check-packed-app.ts', [], CHECK_TIMEOUT_MS)
      expect({
        code: run.code,
        signal: run.signal,
        output: run.code === 0 ? '' : `${run.stdout.slice(-6000)}\n${run.stderr.slice(-2000)}`,
      }).toEqual({ code: 0, signal: null, output: '' })
      expect(run.stdout).toMatch(/^tsc \(strict, skipLibCheck false\): ok/m)
      expect(run.stdout).toMatch(/^vitest run \(test files\): ok/m)
      expect(run.stdout).toMatch(/^ {2}readme-\d+\.test\.ts > .*: passed in \d+ ms wall clock$/m)
      expect(run.stdout).toMatch(/^packed app: every check passed/m)
    },
  )
})
