import { describe, expect, it } from 'vitest'
import { fences, readmeBlocks, shellCommands } from '../../scripts/readme-blocks.js'
import { commandProblems } from './commands.js'

const md = (...lines: string[]) => `${lines.join('\n')}\n`

describe('fences', () => {
  it('finds backtick and tilde fences with the line of the opening fence, their info string and text', () => {
    const found = fences(md('# T', '', '```ts run', 'a()', '```', 'text', '~~~text', '```', 'not a close', '~~~'))
    expect(found).toEqual({
      fences: [
        { line: 3, info: 'ts run', code: 'a()\n' },
        { line: 7, info: 'text', code: '```\nnot a close\n' },
      ],
      problems: [],
    })
  })

  it('a longer fence closes only with at least as many marks; indentation is removed from the text', () => {
    expect(fences(md('- item', '  ````md', '  ```ts', '  x', '  ```', '  ````')).fences).toEqual([
      { line: 2, info: 'md', code: '```ts\nx\n```\n' },
    ])
  })

  it('inline code with three backticks is not a fence; an unclosed fence is a problem', () => {
    expect(fences(md('```a``` b')).fences).toEqual([])
    expect(fences(md('x', '```ts', 'a()')).problems).toEqual(['README.md:2: unclosed code fence'])
  })
})

describe('readmeBlocks', () => {
  const classify = (info: string, code = 'x()') => readmeBlocks(md('```' + info, code, '```'))

  it('a TypeScript block runs by default, is a test when it imports vitest, is typechecked only when it needs a cluster', () => {
    const roles = (info: string, code?: string) =>
      classify(info, code).blocks.map((b) => (b.kind === 'typescript' ? [b.role, b.reason] : b.kind))
    expect(roles('ts')).toEqual([['run', undefined]])
    expect(roles('typescript', "import { it } from 'vitest'")).toEqual([['test', undefined]])
    expect(roles('ts', "import {\n  describe,\n  it,\n} from 'vitest'")).toEqual([['test', undefined]])
    expect(roles('ts', "// see 'vitest'\nimport { of } from 'rxjs'")).toEqual([['run', undefined]])
    expect(roles('ts needs-cluster')).toEqual([['typecheck', 'connects to real clusters']])
    expect(roles('ts needs-cluster: a TLS gateway')).toEqual([['typecheck', 'a TLS gateway']])
    expect(roles('ts fragment: the options of one call')).toEqual([['skip', 'the options of one call']])
  })

  it('a bare fence, an unknown language or marker, and a fragment without a reason are problems', () => {
    expect(classify('').problems).toEqual([
      "README.md:1: a code fence without a language: write ```text for a diagram or output, or the code's language so it is checked",
    ])
    expect(classify('js').problems[0]).toMatch(/^README\.md:1: unsupported code fence ```js: use ts, /)
    expect(classify('ts runs').problems[0]).toMatch(
      /^README\.md:1: unknown marker in ```ts runs: use none \(run\), needs-cluster, or fragment: <reason>$/,
    )
    expect(classify('ts fragment').problems[0]).toMatch(/^README\.md:1: ```ts fragment needs a reason/)
    expect(classify('sh needs-cluster').problems).toEqual(['README.md:1: ```sh takes no marker (found "needs-cluster")'])
    expect(classify('ts fragment').blocks).toEqual([])
  })

  it('shell, console, json and text blocks', () => {
    const { blocks } = readmeBlocks(
      md('```console', '$ npm test', 'ok', '```', '```json', '{}', '```', '```text', 'a --b|', '```', '```bash', 'npm ci', '```'),
    )
    expect(blocks.map((b) => [b.kind, b.kind === 'shell' ? b.commands : b.fence.line])).toEqual([
      ['shell', ['npm test']],
      ['json', 5],
      ['text', 8],
      ['shell', ['npm ci']],
    ])
  })
})

describe('shellCommands', () => {
  it('drops comments, joins continued lines and splits at && || ; |', () => {
    expect(shellCommands('npm install && npm start   # the demo\n# only a comment\nnode a.js \\\n  --flag; x | y || z\n')).toEqual([
      'npm install',
      'npm start',
      'node a.js    --flag',
      'x',
      'y',
      'z',
    ])
  })
})

describe('commandProblems', () => {
  it('npm scripts, npx bins and the files given to tsx or node must exist', () => {
    expect(commandProblems('npm run chaos -- --quick')).toEqual([])
    expect(commandProblems('npm start -- --duration 30')).toEqual([])
    expect(commandProblems('npm run nope')).toEqual(['`npm run nope`: no npm script "nope" in package.json'])
    expect(commandProblems('npx tsx bench/experiments/client-stall.ts')).toEqual([])
    expect(commandProblems('npx tsx examples/<name>.ts')).toEqual([])
    expect(commandProblems('npx tsx examples/missing.ts')).toEqual(['`npx tsx examples/missing.ts`: examples/missing.ts does not exist'])
    expect(commandProblems('npx tsx examples/<name>.js')).toEqual(['`npx tsx examples/<name>.js`: examples/<name>.js does not exist'])
    expect(commandProblems('npx no-such-tool --x')).toEqual([
      '`npx no-such-tool --x`: no bin "no-such-tool" in this package or its dependencies',
    ])
    expect(commandProblems('NO_COLOR=1 node --import tsx examples/find-all.ts')).toEqual([])
    expect(commandProblems('node dist/nowhere.js')).toEqual(['`node dist/nowhere.js`: dist/nowhere.js does not exist'])
  })
})
