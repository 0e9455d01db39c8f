/**
 * A bench server process's CPU time, asked over its stdio: the parent writes `cpu` on the child's
 * stdin, the child answers `cpu <µs>` (user + system, `process.cpuUsage()`) on its stdout. Lets
 * an experiment divide a server's own CPU by the answers it served.
 */
import type { ChildProcess } from 'node:child_process'
import type { Interface } from 'node:readline'
import { createInterface } from 'node:readline'

/** In the server process: answers every `cpu` line read from stdin. */
export function answerCpuQueries(): Interface {
  const input = createInterface({ input: process.stdin })
  input.on('line', (line) => {
    if (line !== 'cpu') return
    const used = process.cpuUsage()
    console.log(`cpu ${used.user + used.system}`)
  })
  return input
}

/** In the parent: asks `child` (whose stdout lines `lines` reads) for its CPU time so far, in µs. */
export class CpuQuery {
  private readonly waiting: ((line: string) => void)[] = []

  constructor(
    private readonly name: string,
    private readonly child: ChildProcess,
    lines: Interface,
  ) {
    lines.on('line', (line) => {
      if (line.startsWith('cpu ')) this.waiting.shift()?.(line)
    })
  }

  async cpuUs(): Promise<number> {
    const answer = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no CPU answer within 10 s`)), 10_000)
      this.waiting.push((line) => {
        clearTimeout(timer)
        resolve(line)
      })
    })
    this.child.stdin?.write('cpu\n')
    const m = /^cpu (\d+)$/.exec(await answer)
    if (m === null) throw new Error(`${this.name}: unexpected CPU answer`)
    return Number(m[1])
  }
}
