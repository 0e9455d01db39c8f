/** Runs an example as a user would (`npx tsx examples/<file>`), with a bounded time, from `cwd` (default: the repository). */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export function runExample(file: string, args: readonly string[] = [], timeoutMs = 60_000, cwd = ROOT): Promise<Run> {
  // Embedded gateways, whatever the caller's environment says.
  const env = { ...process.env, OJAI_PRIMARY: '', OJAI_SECONDARY: '', NO_COLOR: '1' }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', file, ...args],
      { cwd, env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null
        resolve({ code, signal: error?.signal ?? null, stdout, stderr })
      },
    )
  })
}
