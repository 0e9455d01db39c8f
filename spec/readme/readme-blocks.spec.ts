/**
 * Every code block of README.md, checked so that the README cannot drift from the code (the
 * rules per fence are in scripts/readme-blocks.ts): TypeScript blocks are typechecked together
 * with the project's strict settings, then run (with tsx, or under vitest for test files);
 * shell commands name scripts, bins and files that exist; JSON parses; a fence that says nothing
 * about how to check it fails.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readmeBlocks, type ReadmeBlock } from '../../scripts/readme-blocks.js'
import { runExample } from '../examples/run-example.js'
import { commandProblems } from './commands.js'
import { loadImports, runTestBlock } from './test-block.js'
import { ROOT, typecheck, writeWorkspace } from './workspace.js'

/** A README block that starts gateways gets this long to exit by itself. */
const RUN_TIMEOUT_MS = 60_000

const { blocks, problems } = readmeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'))
const modules = blocks.filter((b): b is Extract<ReadmeBlock, { kind: 'typescript' }> => b.kind === 'typescript')
const workspace = writeWorkspace(blocks)
afterAll(() => workspace.remove())
// A test file that cannot load or run fails its own test below, not the collection of this file
// (which would skip afterAll and leave the workspace behind).
const tests = await Promise.all(
  modules
    .filter((b) => b.role === 'test')
    .map(async (b) => ({ block: b, imports: await loadImports(b.fence.code).catch((error: unknown) => error) })),
)

describe('README.md code blocks', () => {
  it('every fence says how it is checked (a language, and a known marker)', () => {
    expect(problems).toEqual([])
  })

  it('the TypeScript blocks are found, among them the test file of the testing section', () => {
    expect(modules.length).toBeGreaterThan(0)
    expect(tests.length).toBeGreaterThan(0)
  })

  it('every TypeScript block typechecks as a module, with the project strict settings', { timeout: 120_000 }, () => {
    expect(workspace.files.size).toBe(modules.filter((b) => b.role !== 'skip').length)
    expect(typecheck(workspace)).toEqual([])
  })

  it('every shell command names an npm script, a bin or a file that exists', () => {
    const shell = blocks.flatMap((b) =>
      b.kind === 'shell' ? b.commands.flatMap((c) => commandProblems(c).map((p) => `README.md:${b.fence.line}: ${p}`)) : [],
    )
    expect(blocks.some((b) => b.kind === 'shell')).toBe(true)
    expect(shell).toEqual([])
  })

  it('every JSON block parses', () => {
    const bad = blocks.flatMap((b) => {
      if (b.kind !== 'json') return []
      try {
        JSON.parse(b.fence.code)
        return []
      } catch (error) {
        return [`README.md:${b.fence.line}: ${(error as Error).message}`]
      }
    })
    expect(bad).toEqual([])
  })

  for (const [file, block] of workspace.files) {
    if (block.role !== 'run') continue
    it(`README.md:${block.fence.line} runs with tsx and exits 0 by itself`, { timeout: RUN_TIMEOUT_MS + 10_000 }, async () => {
      const run = await runExample(file, [], RUN_TIMEOUT_MS, workspace.dir)
      expect({ code: run.code, signal: run.signal, stderr: run.code === 0 ? '' : run.stderr.slice(-3000) }).toEqual({
        code: 0,
        signal: null,
        stderr: '',
      })
    })
  }

  for (const { block, imports } of tests) {
    describe(`README.md:${block.fence.line} (a test file, run as written)`, () => {
      let registered: readonly string[] = []
      let failure: unknown
      try {
        if (!(imports instanceof Map)) throw imports
        registered = runTestBlock(block.fence.code, imports).registered
      } catch (error) {
        failure = error
      }
      it('runs and registers at least one test', () => {
        if (failure !== undefined) throw failure
        expect(registered.length).toBeGreaterThan(0)
      })
    })
  }
})
