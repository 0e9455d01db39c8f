/**
 * Runs a fixture script as a child process (`node --import tsx`) and measures how long it lives
 * after printing `closed`: the check that close() leaves nothing keeping Node alive.
 */
import { type ChildProcess, spawn } from 'node:child_process'

export interface ChildRun {
  /** Exit code, or `undefined` when the child did not exit within the bound. */
  readonly code: number | null | undefined
  /** Milliseconds between the `closed` line and the exit; `undefined` when either is missing. */
  readonly lingerMs: number | undefined
  readonly stdout: string
  readonly stderr: string
}

/** Starts the child; `wait()` resolves when it exits or after `boundMs` (then it is killed). */
export function runChild(fixture: string, args: readonly string[], boundMs = 20_000): { child: ChildProcess; wait(): Promise<ChildRun> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let closedAt: number | undefined
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    if (closedAt === undefined && stdout.includes('closed\n')) closedAt = performance.now()
  })
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const wait = () =>
    new Promise<ChildRun>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        resolve({ code: undefined, lingerMs: undefined, stdout, stderr })
      }, boundMs)
      child.on('exit', (code) => {
        clearTimeout(timer)
        const at = performance.now()
        resolve({ code, lingerMs: closedAt === undefined ? undefined : at - closedAt, stdout, stderr })
      })
    })
  return { child, wait }
}
