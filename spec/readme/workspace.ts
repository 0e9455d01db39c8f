/**
 * The README's TypeScript blocks as files of a temporary project, whose package imports
 * (`ojai-failover`, `ojai-failover/gateway`, … as package.json `exports` lists them) resolve to
 * this repository's sources through tsconfig `paths`: for the TypeScript compiler, typechecking
 * them all in one Program with the project's strict settings, and for `tsx`, running them.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import type { ReadmeBlock } from '../../scripts/readme-blocks.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

type TypeScriptBlock = Extract<ReadmeBlock, { kind: 'typescript' }>

interface PackageJson {
  readonly name: string
  readonly scripts: Record<string, string>
  readonly bin?: Record<string, string>
  readonly exports: Record<string, string | { readonly import?: string }>
}

export const packageJson = (): PackageJson => JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson

/**
 * Every import path the package exports, mapped to its source file: `./gateway` →
 * `{ 'ojai-failover/gateway': '<root>/lib/gateway/index.ts' }` (dist/X.js is built from lib/X.ts).
 */
export function entryPoints(): Record<string, string> {
  const pkg = packageJson()
  const entries: Record<string, string> = {}
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const file = typeof target === 'string' ? target : target.import
    if (file === undefined || !/^\.\/dist\/.*\.js$/.test(file)) continue
    entries[pkg.name + subpath.slice(1)] = join(ROOT, file.replace(/^\.\/dist\//, 'lib/').replace(/\.js$/, '.ts'))
  }
  return entries
}

export interface Workspace {
  readonly dir: string
  /** Each block that is compiled (all but fragments), by its file in `dir`. */
  readonly files: ReadonlyMap<string, TypeScriptBlock>
  /** The README line of line `line` (1-based) of `file`. */
  readmeLine(file: string, line: number): number | undefined
  remove(): void
}

/**
 * Writes every TypeScript block that is not a fragment to `readme-<line>.ts` in a temporary
 * directory, next to a tsconfig.json that extends the project's and maps the package's imports
 * to lib/, a package.json (ESM) and a link to this repository's node_modules.
 */
export function writeWorkspace(blocks: readonly ReadmeBlock[]): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'ojai-readme-'))
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }))
  const paths = Object.fromEntries(Object.entries(entryPoints()).map(([name, file]) => [name, [file]]))
  const tsconfig = { extends: join(ROOT, 'tsconfig.json'), compilerOptions: { paths }, include: ['*.ts'] }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2))
  const files = new Map<string, TypeScriptBlock>()
  for (const block of blocks) {
    if (block.kind !== 'typescript' || block.role === 'skip') continue
    const file = join(dir, `readme-${block.fence.line}.ts`)
    writeFileSync(file, block.fence.code)
    files.set(file, block)
  }
  return {
    dir,
    files,
    readmeLine: (file, line) => {
      const block = files.get(file)
      return block === undefined ? undefined : block.fence.line + line
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/**
 * Typechecks every block of `workspace` in one Program with the project's compiler options;
 * returns one `README.md:LINE: message` per error (errors in other files name those files).
 */
export function typecheck(workspace: Workspace): string[] {
  const host: ts.ParseConfigFileHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'))
    },
  }
  const config = ts.getParsedCommandLineOfConfigFile(join(workspace.dir, 'tsconfig.json'), {}, host)
  if (config === undefined) throw new Error('the workspace tsconfig.json cannot be read')
  const program = ts.createProgram({ rootNames: [...workspace.files.keys()], options: config.options })
  const diagnostics = [
    ...config.errors,
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...[...workspace.files.keys()].flatMap((file) => {
      const source = program.getSourceFile(file)
      return source === undefined ? [] : [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
    }),
  ]
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n')
    if (d.file === undefined || d.start === undefined) return `TS${d.code}: ${message}`
    const { line } = d.file.getLineAndCharacterOfPosition(d.start)
    const readme = workspace.readmeLine(d.file.fileName, line + 1)
    return readme === undefined
      ? `${relative(ROOT, d.file.fileName)}:${line + 1}: TS${d.code}: ${message}`
      : `README.md:${readme}: TS${d.code}: ${message}`
  })
}
