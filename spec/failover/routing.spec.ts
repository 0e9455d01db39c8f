/**
 * Routing (routing.ts): pure decisions from the clusters' health. Views are written as strings:
 * `up`, `suspect`, `down`, with `/held` for a cluster inside its hold (until 100; `now` is 50
 * unless a case says otherwise).
 */
import { describe, expect, it } from 'vitest'
import type { ClusterHealth } from '../../lib/failover/health.js'
import { bestAfter, failbackTarget, failoverTarget, needsProbe, standing, type Failure } from '../../lib/failover/routing.js'

const NOW = 50
const HOLD_UNTIL = 100

function health(spec: string, i = 0): ClusterHealth {
  const [state, held] = spec.split('/') as [ClusterHealth['state'], string | undefined]
  const hold = held === undefined ? {} : { holdUntil: HOLD_UNTIL }
  const name = `c${i + 1}`
  return state === 'up' ? { state, name, since: 0, ...hold } : { state, name, since: 0, why: 'TIMEOUT', ...hold }
}

const view = (specs: string) => specs.split(' ').map(health)
const bits = (clusters: readonly number[]) => clusters.reduce((mask, c) => mask | (1 << c), 0)

describe('standing: up and not held 4, silent 3, suspect 2, held 1, down 0', () => {
  it.each([
    ['up', NOW, 4],
    ['silent', NOW, 3],
    ['silent/held', NOW, 1],
    ['suspect', NOW, 2],
    ['up/held', NOW, 1],
    ['suspect/held', NOW, 1],
    ['down', NOW, 0],
    ['down/held', NOW, 0],
    ['up/held', HOLD_UNTIL, 4], // the hold is over at holdUntil
    ['suspect/held', HOLD_UNTIL, 2],
  ] as const)('%s at %d: %d', (spec, now, expected) => {
    expect(standing(health(spec), now)).toBe(expected)
  })
})

describe('bestAfter: where an operation goes after its attempt on `from` failed', () => {
  it.each<[string, number, Failure, number[], number, string]>([
    ['up up up', 0, 'timeout', [0], 1, 'the next in ring order'],
    ['up up up', 1, 'timeout', [1], 2, 'ring order starts after the failed cluster'],
    ['up up suspect', 2, 'timeout', [2], 0, 'the ring wraps around'],
    ['up suspect up', 0, 'timeout', [0], 2, 'a timeout skips a suspect cluster'],
    ['up up/held up', 0, 'timeout', [0], 2, 'a timeout skips a held cluster'],
    ['up suspect down', 0, 'timeout', [0], -1, 'a timeout with nothing up and not held: stay'],
    ['up up/held down', 0, 'timeout', [0], -1, 'a timeout never goes to a held cluster'],
    ['up suspect down', 0, 'error', [0], 1, 'an error goes to a suspect cluster'],
    ['up up/held down', 0, 'error', [0], 1, 'an error goes to a held cluster when nothing better is left'],
    ['up up/held up', 0, 'error', [0], 2, 'an error prefers up to held, whatever the ring order'],
    ['up suspect up', 0, 'error', [0], 2, 'an error prefers up to suspect, whatever the ring order'],
    ['up down down', 0, 'error', [0], -1, 'never to a cluster known down'],
    ['up up up', 0, 'error', [0, 1], 2, 'clusters already tried are excluded'],
    ['up up up', 0, 'error', [0, 1, 2], -1, 'every cluster tried: none'],
    ['down suspect suspect', 0, 'error', [0], 1, 'ties in standing go in ring order'],
  ])('%s, from c%d after a %s, excluding %j: %d (%s)', (spec, from, failure, excluded, expected) => {
    expect(bestAfter(view(spec), from, failure, bits(excluded), NOW)).toBe(expected)
  })

  it('a hold that is over counts as no hold', () => {
    expect(bestAfter(view('up up/held'), 0, 'timeout', bits([0]), HOLD_UNTIL - 1)).toBe(-1)
    expect(bestAfter(view('up up/held'), 0, 'timeout', bits([0]), HOLD_UNTIL)).toBe(1)
  })
})

describe('failoverTarget: the active cluster moves only to a cluster in better standing', () => {
  it.each<[string, number, Failure, number, string]>([
    ['suspect up', 0, 'timeout', 1, 'slow active, another up: switch'],
    ['suspect suspect', 0, 'timeout', -1, 'slow active, the other only suspect: stay (no ping-pong)'],
    ['suspect up/held', 0, 'timeout', -1, 'slow active, the other held: stay'],
    ['suspect down', 0, 'timeout', -1, 'slow active, the other down: stay'],
    ['down suspect', 0, 'error', 1, 'failed active, the other suspect: switch (a slow cluster beats a dead one)'],
    ['down up/held', 0, 'error', 1, 'failed active, the other held: switch (held beats down)'],
    ['down down', 0, 'error', -1, 'failed active, the other down too: stay'],
    ['suspect suspect/held', 0, 'error', -1, 'the only candidate ranks below the active one: stay'],
    ['up/held down suspect', 1, 'error', 2, 'the best standing wins over ring order'],
    ['up/held down down', 1, 'error', 0, 'back to a held cluster when nothing else is left'],
  ])('%s, active c%d after a %s: %d (%s)', (spec, active, failure, expected) => {
    expect(failoverTarget(view(spec), active, failure, NOW)).toBe(expected)
  })
})

describe('failbackTarget: the highest-priority cluster before the active one that is up and not held', () => {
  it.each<[string, number, number]>([
    ['up up', 1, 0],
    ['up/held up', 1, -1],
    ['suspect up', 1, -1],
    ['down up', 1, -1],
    ['down up up', 2, 1],
    ['up up up', 2, 0],
    ['up up', 0, -1],
  ])('%s, active c%d: %d', (spec, active, expected) => {
    expect(failbackTarget(view(spec), active, NOW)).toBe(expected)
  })
})

describe('needsProbe: a cluster not active, and held or not known up', () => {
  it.each<[string, boolean, boolean]>([
    ['up', false, false],
    ['up/held', false, true],
    ['suspect', false, true],
    ['down', false, true],
    ['down', true, false],
    ['suspect', true, false],
  ])('%s, active %s: %s', (spec, isActive, expected) => {
    expect(needsProbe(health(spec), isActive)).toBe(expected)
  })
})
