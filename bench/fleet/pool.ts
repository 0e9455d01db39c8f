/**
 * Runs scenarios on up to `jobs` worker threads: one lane per thread, each lane taking the next
 * scenario (longest first) when it is free, so a 2-core machine runs two at once.
 *
 * Each worker gets a 192 MB young generation (64 MB semi-spaces): a simulation allocates a few
 * short-lived objects per operation (subscribers, attempts, timers), and with V8's default young
 * generation most of a run's CPU went to scavenges (measured: 10.2 s of CPU for the heal scenario
 * at N = 1,000 with the default, 5.1 s with 64 MB semi-spaces).
 */
import { Worker } from 'node:worker_threads'
import type { ScenarioOutcome } from './figures.js'
import { scenarioNamed } from './scenarios.js'
import type { FleetConfig } from './simulate.js'
import type { Job } from './worker.js'
import { messageOf } from '../../lib/ojai/message-of.js'

/**
 * The worker's entry: registers the TypeScript loader the CLI runs under (tsx), which a worker
 * thread does not inherit, then loads worker.ts.
 */
const BOOT = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./worker.ts', import.meta.url).href)}) })`

/** One worker thread running one scenario at a time. */
class Lane {
  private readonly worker = new Worker(BOOT, {
    eval: true,
    resourceLimits: { maxYoungGenerationSizeMb: 192, maxOldGenerationSizeMb: 8192 },
  })
  private pending: { resolve(o: ScenarioOutcome): void; reject(e: unknown): void; name: string } | null = null

  constructor() {
    this.worker.on('message', (outcome: ScenarioOutcome) => {
      const p = this.pending
      this.pending = null
      p?.resolve(outcome)
    })
    this.worker.on('error', (error) => this.fail(error))
    this.worker.on('exit', (code) => this.fail(new Error(`worker exited with code ${code}`)))
  }

  run(job: Job): Promise<ScenarioOutcome> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, name: job.scenario }
      this.worker.postMessage(job)
    })
  }

  close(): Promise<number> {
    return this.worker.terminate()
  }

  private fail(error: unknown): void {
    const p = this.pending
    this.pending = null
    p?.reject(new Error(`scenario ${p.name}: ${messageOf(error)}`, { cause: error }))
  }
}

/** Runs every scenario named, at most `jobs` at a time; results in the order asked. */
export async function runScenarios(
  names: readonly string[],
  config: FleetConfig,
  jobs: number,
  onDone: (outcome: ScenarioOutcome) => void,
): Promise<ScenarioOutcome[]> {
  const results: ScenarioOutcome[] = new Array(names.length)
  const cost = (i: number) => scenarioNamed(names[i] as string)?.durationMs ?? 0
  const order = names.map((_, i) => i).sort((a, b) => cost(b) - cost(a))
  const lanes = Array.from({ length: Math.max(1, Math.min(jobs, names.length)) }, () => new Lane())
  try {
    await Promise.all(
      lanes.map(async (lane) => {
        for (let i = order.shift(); i !== undefined; i = order.shift()) {
          results[i] = await lane.run({ scenario: names[i] as string, config })
          onDone(results[i] as ScenarioOutcome)
        }
      }),
    )
  } finally {
    await Promise.all(lanes.map((l) => l.close()))
  }
  return results
}
