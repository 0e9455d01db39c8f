/**
 * Delay distributions for the fault proxy (and anything else that needs a sampled delay).
 *
 * A delay is either a fixed number of milliseconds or a sampler called once per chunk. Samplers
 * take an optional random source so a run can be replayed from a seed.
 */

/** Milliseconds, fixed or sampled per use. Negative samples are treated as 0. */
export type Delay = number | (() => number)

/** A source of uniform numbers in [0, 1), like `Math.random`. */
export type Random = () => number

/** Resolves a {@link Delay} to a concrete, non-negative number of milliseconds. */
export function sampleDelay(delay: Delay): number {
  const ms = typeof delay === 'number' ? delay : delay()
  return Number.isFinite(ms) && ms > 0 ? ms : 0
}

/** Uniform in [minMs, maxMs). */
export function uniform(minMs: number, maxMs: number, random: Random = Math.random): () => number {
  return () => minMs + (maxMs - minMs) * random()
}

/** Exponential with the given mean: many short delays, a long thin tail. */
export function exponential(meanMs: number, random: Random = Math.random): () => number {
  return () => -meanMs * Math.log(1 - random())
}

/**
 * Mostly `fastMs`, with probability `slowProbability` `slowMs`: the shape of a gray failure
 * (e.g. 1% of calls take a second).
 */
export function bimodal(fastMs: number, slowMs: number, slowProbability: number, random: Random = Math.random): () => number {
  return () => (random() < slowProbability ? slowMs : fastMs)
}

/** A small deterministic PRNG (mulberry32) so a chaos run can be replayed from its seed. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
