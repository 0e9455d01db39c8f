/**
 * The `ojai-gateway` CLI as a child process of a spec: one node process (so signals reach it),
 * its output collected, its ready line awaited with a bound, killed after the spec if still alive.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'

const children = new Set<ChildProcess>()

export interface CliRun {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export interface RunningCli extends CliRun {
  /** `host:port` from the ready line. */
  readonly address: string
}

/** Starts `node <nodeArgs> <args>` (e.g. `['--import', 'tsx', 'lib/gateway/cli.ts']` or `['dist/gateway/cli.js']`). */
export function runCli(nodeArgs: readonly string[], args: readonly string[], env: NodeJS.ProcessEnv = process.env): CliRun {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
  children.add(child)
  let out = ''
  let err = ''
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return { child, stdout: () => out, stderr: () => err, exited }
}

/** Starts the CLI and waits (at most `boundMs`) for its one ready line. */
export async function startCli(
  nodeArgs: readonly string[],
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
  boundMs = 20_000,
): Promise<RunningCli> {
  const r = runCli(nodeArgs, args, env)
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within ${boundMs} ms; stderr: ${r.stderr()}`)), boundMs)
    const check = () => {
      const m = /^listening on (\S+)\n/.exec(r.stdout())
      if (m !== null) {
        clearTimeout(timer)
        resolve(m[1] as string)
      }
    }
    r.child.stdout?.on('data', check)
    void r.exited.then(({ code }) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${String(code)} before ready; stderr: ${r.stderr()}`))
    })
  })
  return { ...r, address }
}

/** Kills (SIGKILL) every child still alive. */
export function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  children.clear()
}
