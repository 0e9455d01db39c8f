/**
 * The README's marble example, run as a spec from the README's own text: the code block of the
 * testing section that calls `marbles(` is compiled and run exactly as written (a complete test
 * file), and must end with the timeline it asserts.
 *
 * Its imports resolve to this repository: `ojai-failover` is lib/index.ts, `ojai-failover/testing`
 * lib/testing/index.ts; `rxjs`, `rxjs-marbles` and `vitest` are themselves, except that `marbles` is rxjs-marbles' own runner with a bound on
 * virtual time, so a snippet whose store never stops scheduling fails here instead of hanging
 * (flush() is synchronous: vitest could not time it out). Nothing else is in scope: a name the
 * snippet uses without importing or defining it fails the spec, as it would fail a reader.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as rxjsMarbles from 'rxjs-marbles'
import * as rxjs from 'rxjs'
import ts from 'typescript'
import * as library from '../lib/index.js'
import * as testing from '../lib/testing/index.js'
import { marbles as boundedMarbles, type StallContext } from './failover/stall-scheduler.js'

const README = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'README.md')

/** The first ```ts block of the `## Testing…` section that calls `marbles(`. */
export function marbleExample(markdown: string): string | undefined {
  const section = /^## Testing[^\n]*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(markdown)?.[1] ?? ''
  for (const block of section.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```/gm)) {
    if (block[1]?.includes('marbles(')) return block[1]
  }
  return undefined
}

/**
 * Compiles `snippet` (TypeScript, ES imports) and runs it, registering its `it(…)` tests with
 * vitest. Each registered test also checks that the snippet asserted something (`m.expect`).
 */
function runSnippet(snippet: string): string[] {
  const registered: string[] = []
  let expectations = 0
  const marbles = (fn: (m: StallContext) => void) =>
    boundedMarbles((m) => {
      const counted = new Proxy(m, {
        get: (target, key) => (key === 'expect' ? (...args: Parameters<StallContext['expect']>) => (expectations++, target.expect(...args)) : Reflect.get(target, key)),
      })
      fn(counted)
    })
  const register = (name: string, body: () => void) => {
    registered.push(name)
    it(name, () => {
      expectations = 0
      body()
      expect(expectations, 'the README example asserts a timeline').toBeGreaterThan(0)
    })
  }
  const modules: Record<string, unknown> = {
    'ojai-failover': library,
    'ojai-failover/testing': testing,
    rxjs,
    'rxjs-marbles': { ...rxjsMarbles, marbles },
    vitest: { describe, expect, it: register, test: register },
  }
  const require = (name: string) => {
    if (!(name in modules)) throw new Error(`the README example imports ${name}; only ${Object.keys(modules).join(', ')} are available to it`)
    return modules[name]
  }
  const js = ts.transpileModule(snippet, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText
  new Function('require', 'exports', js)(require, {})
  return registered
}

describe('README: the marble example of the testing section', () => {
  const snippet = marbleExample(readFileSync(README, 'utf8'))

  it('exists', () => {
    expect(snippet, 'a ```ts block calling marbles( under ## Testing…').toBeDefined()
  })

  if (snippet !== undefined) {
    const registered = runSnippet(snippet)
    it('registers exactly one test', () => {
      expect(registered).toHaveLength(1)
    })
  }
})

describe('marbleExample', () => {
  it('finds the block that calls marbles( inside the testing section only', () => {
    const md = [
      '# T',
      '```ts',
      "marbles('outside')",
      '```',
      '## Testing your application',
      '```ts',
      'other()',
      '```',
      '```ts',
      "it('x', marbles((m) => {}))",
      '```',
      '## Next',
      '```ts',
      "marbles('after')",
      '```',
    ].join('\n')
    expect(marbleExample(md)).toBe("it('x', marbles((m) => {}))\n")
    expect(marbleExample('## Testing\nno code\n')).toBeUndefined()
  })
})
