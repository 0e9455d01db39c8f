/**
 * Runs one scenario in a worker thread (see pool.ts): the scenarios of a fleet run are independent,
 * so a 2-core machine runs two at once, each with a young generation sized for the simulation's
 * short-lived objects (pool.ts).
 */
import { parentPort } from 'node:worker_threads'
import { figuresOf } from './figures.js'
import { scenarioNamed } from './scenarios.js'
import { simulate, type FleetConfig } from './simulate.js'

export interface Job {
  readonly scenario: string
  readonly config: FleetConfig
}

parentPort?.on('message', (job: Job) => {
  const scenario = scenarioNamed(job.scenario)
  if (scenario === undefined) throw new Error(`unknown scenario ${job.scenario}`)
  parentPort?.postMessage(figuresOf(simulate(scenario, job.config)))
})
