/**
 * Last-resort cleanup: child processes and temporary directories the chaos harness created are
 * killed and removed when this process exits, however it exits (test failure, `process.exit`,
 * an uncaught error). Normal paths close things themselves; this catches what they miss so no
 * gateway outlives its test run.
 */
import type { ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'

const children = new Set<ChildProcess>()
const directories = new Set<string>()
let installed = false

function reap(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        // SIGKILL also ends a SIGSTOPped process.
        process.kill(child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  children.clear()
  for (const dir of directories) {
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch {
      // best effort at exit
    }
  }
  directories.clear()
}

function install(): void {
  if (installed) return
  installed = true
  process.once('exit', reap)
}

/** Kills `child` at process exit unless it has exited by then. */
export function reapOnExit(child: ChildProcess): void {
  install()
  children.add(child)
  child.once('exit', () => children.delete(child))
}

/** Removes `dir` at process exit unless {@link forgetDirectory} was called. */
export function removeOnExit(dir: string): void {
  install()
  directories.add(dir)
}

export function forgetDirectory(dir: string): void {
  directories.delete(dir)
}

/** Children still tracked (for specs: proves nothing is left behind). */
export function trackedChildren(): number {
  return children.size
}
