/**
 * The README's marble example, run as a spec from the README's own text: the code block of the
 * testing section that calls `marbles(` is compiled and run as written, and must end with the
 * timeline it asserts.
 *
 * The snippet's imports resolve to this repository: `ojai-failover` is lib/index.ts, `rxjs`,
 * `rxjs-marbles` and `vitest` themselves. `marbles` is rxjs-marbles' own runner with a bound on
 * virtual time, so a snippet whose store never stops scheduling fails here instead of hanging.
 * Names the snippet uses without defining or importing them (fake stores, the code under test)
 * come from FIXTURES below; the snippet's own definitions take precedence.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as rxjsMarbles from 'rxjs-marbles'
import * as rxjs from 'rxjs'
import { map, NEVER, timer, type Observable } from 'rxjs'
import ts from 'typescript'
import * as library from '../lib/index.js'
import type { Document, Store } from '../lib/index.js'
import { marbles as boundedMarbles, type StallContext } from './failover/stall-scheduler.js'
import { VirtualStore } from './failover/virtual-store.js'

const README = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'README.md')

/** The first ```ts block of the `## Testing…` section that calls `marbles(`. */
export function marbleExample(markdown: string): string | undefined {
  const section = /^## Testing[^\n]*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(markdown)?.[1] ?? ''
  for (const block of section.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```/gm)) {
    if (block[1]?.includes('marbles(')) return block[1]
  }
  return undefined
}

/** Names the README's snippet may use without defining them: a black-holed primary, a secondary answering in 2 ms, the code under test. */
const FIXTURES: Record<string, unknown> = {
  silent: new VirtualStore({ findById: NEVER }, '/apps/users') satisfies Store,
  answersIn2: new VirtualStore({ findById: timer(2).pipe(map((): Document => ({ _id: 'u1', name: 'Ada' }))) }, '/apps/users') satisfies Store,
  displayName: (users: Store, id: string): Observable<string> =>
    users.findById(id, { fields: ['name'] }).pipe(map((doc) => (typeof doc?.name === 'string' ? doc.name : 'anonymous'))),
  FailoverStore: library.FailoverStore,
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
  const free: Record<string, unknown> = { ...FIXTURES, it: register, test: register, marbles, expect }
  // The snippet runs in a block, so its own declarations shadow the fixtures of the same name.
  new Function('require', 'exports', ...Object.keys(free), `{\n${js}\n}`)(require, {}, ...Object.values(free))
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
