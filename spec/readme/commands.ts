/**
 * What a shell command of the README refers to, checked against the repository: the npm scripts
 * it runs, the bins it calls with npx and the files it passes to `tsx` or `node`.
 */
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { packageJson, ROOT } from './workspace.js'

/** npm commands that run the script of the same name. */
const SCRIPT_COMMANDS = new Set(['start', 'test', 't', 'stop', 'restart'])

/** What is wrong with `command` (empty when nothing is). */
export function commandProblems(command: string): string[] {
  const pkg = packageJson()
  const words = command.split(/\s+/).filter((w) => w !== '' && !/^[A-Z_]+=/.test(w)) // env assignments
  const [program, first, second] = words
  const problems: string[] = []
  if (program === 'npm' && (first === 'run' || first === 'run-script')) {
    if (second === undefined || !(second in pkg.scripts)) problems.push(`\`${command}\`: no npm script "${second ?? ''}" in package.json`)
  } else if (program === 'npm' && first !== undefined && SCRIPT_COMMANDS.has(first)) {
    const script = first === 't' ? 'test' : first
    if (!(script in pkg.scripts)) problems.push(`\`${command}\`: no npm script "${script}" in package.json`)
  } else if (program === 'npx' && first !== undefined) {
    const bin = words.slice(1).find((w) => !w.startsWith('-'))
    if (bin !== undefined && !(bin in (pkg.bin ?? {})) && !existsSync(join(ROOT, 'node_modules', '.bin', bin)))
      problems.push(`\`${command}\`: no bin "${bin}" in this package or its dependencies`)
    if (bin === 'tsx') problems.push(...fileProblems(command, words.slice(words.indexOf('tsx') + 1)))
  } else if (program === 'node' || program === 'tsx') {
    problems.push(...fileProblems(command, words.slice(1)))
  }
  return problems
}

/** The script a `node`/`tsx` command runs (its first argument that is not a flag) must exist. */
function fileProblems(command: string, args: readonly string[]): string[] {
  let file: string | undefined
  for (let i = 0; i < args.length && file === undefined; i++) {
    const arg = args[i] ?? ''
    if (arg === '--import' || arg === '--require' || arg === '-r') i++
    else if (!arg.startsWith('-')) file = arg
  }
  if (file === undefined) return []
  return matches(file) ? [] : [`\`${command}\`: ${file} does not exist`]
}

/** Whether `file` exists; a `<placeholder>` in its last part matches any name there. */
function matches(file: string): boolean {
  if (!file.includes('<')) return existsSync(join(ROOT, file))
  const dir = join(ROOT, dirname(file))
  const pattern = new RegExp(
    `^${file
      .slice(dirname(file).length + 1)
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replace(/<[^>]*>/g, '.+')}$`,
  )
  return existsSync(dir) && readdirSync(dir).some((name) => pattern.test(name))
}
