import { describe, expect, it } from 'vitest'
import { marbles, type Context } from 'rxjs-marbles'
import type { Observable } from 'rxjs'
import { DocumentExistsError } from '../../lib/ojai/errors.js'
import { classify, DEFAULT_STRATEGIES, mayMoveOn, OPERATION_CLASSES, Policy, type FailoverStore } from '../../lib/failover/index.js'
import type { FailoverStrategy, OperationClass } from '../../lib/store.js'
import { doc, outcome, refused, SETTLE, setup, T, T2, unavailable } from './helpers.js'

describe('operation classes', () => {
  it('the table gives every Store operation a class', () => {
    expect(OPERATION_CLASSES).toEqual({
      findById: 'idempotent',
      find: 'idempotent',
      insertOrReplace: 'idempotent',
      replace: 'idempotent',
      delete: 'idempotent',
      insert: 'conditional',
      update: 'by-mutation',
      checkAndReplace: 'conditional',
      checkAndDelete: 'conditional',
      checkAndMutate: 'by-mutation',
      increment: 'non-idempotent',
    })
  })

  it.each([
    ['update', { $set: { a: 1 } }, 'conditional'],
    ['update', { $put: { a: 1 }, $delete: 'b' }, 'conditional'],
    ['update', { $increment: { n: 1 } }, 'non-idempotent'],
    ['update', { $set: { a: 1 }, $decrement: { n: 1 } }, 'non-idempotent'],
    ['checkAndMutate', { $append: { l: [1] } }, 'non-idempotent'],
    ['checkAndMutate', { $set: { a: 1 } }, 'conditional'],
  ] as const)('%s with %j is %s', (op, mutation, cls) => {
    expect(classify(op, mutation)).toBe(cls)
  })

  it('safe defaults: only idempotent operations fail over on any availability error', () => {
    expect(DEFAULT_STRATEGIES).toEqual({
      idempotent: 'failover',
      conditional: 'failover-if-unsent',
      'non-idempotent': 'failover-if-unsent',
    })
  })

  it('resolution order: call > class > all > default', () => {
    const p = new Policy({ all: 'current-only', conditional: 'failover' })
    expect(p.strategy('idempotent')).toBe('current-only')
    expect(p.strategy('conditional')).toBe('failover')
    expect(p.strategy('conditional', 'primary-only')).toBe('primary-only')
    expect(new Policy().strategy('non-idempotent')).toBe('failover-if-unsent')
  })

  it('a timeout is never proof that a request was unsent', () => {
    expect(mayMoveOn('failover-if-unsent', unavailable())).toBe(false)
    expect(mayMoveOn('failover-if-unsent', refused())).toBe(true)
  })
})

// Every class x strategy x outcome, on a fresh store (the primary is active): does the operation
// reach the secondary, and what does the caller get?
const CLASSES: readonly OperationClass[] = ['idempotent', 'conditional', 'non-idempotent']
const STRATEGIES: readonly FailoverStrategy[] = ['primary-only', 'current-only', 'failover-if-unsent', 'failover']
const OUTCOMES = ['timeout', 'refused', 'semantic'] as const
type Outcome = (typeof OUTCOMES)[number]

/** One representative operation per class; update classes by mutation like the store does. */
const OPS: Record<
  OperationClass,
  { name: 'insertOrReplace' | 'update'; run: (s: FailoverStore, strategy: FailoverStrategy) => Observable<void> }
> = {
  idempotent: { name: 'insertOrReplace', run: (s, strategy) => s.insertOrReplace(doc('k'), { strategy }) },
  conditional: { name: 'update', run: (s, strategy) => s.update('k', { $set: { a: 1 } }, { strategy }) },
  'non-idempotent': { name: 'update', run: (s, strategy) => s.update('k', { $increment: { n: 1 } }, { strategy }) },
}

function expected(cls: OperationClass, strategy: FailoverStrategy, o: Outcome): { moves: boolean; marble: string; error?: string } {
  const moves = o !== 'semantic' && (strategy === 'failover' || (strategy === 'failover-if-unsent' && o === 'refused'))
  // A value-setting write that moved on after a timeout is not acknowledged while its first
  // attempt (silent here) could still land: after the settle bound it ends with UNSETTLED_WRITE.
  // A non-idempotent one (an increment) would only be repeated, which `failover` accepts.
  if (moves && o === 'timeout' && cls !== 'non-idempotent')
    return { moves, marble: `${T + 1 + SETTLE}ms (e|)`, error: 'error:UNSETTLED_WRITE' }
  if (moves) return { moves, marble: o === 'timeout' ? '10ms -(s|)' : '--(s|)' }
  // Not allowed to move: it keeps waiting on its cluster up to secondaryTimeoutMs.
  if (o === 'timeout') return { moves, marble: `${T2}ms (e|)`, error: 'error:TIMEOUT' }
  if (o === 'refused') return { moves, marble: '-(e|)', error: 'error:UNAVAILABLE' }
  return { moves, marble: '-(e|)', error: 'error:DOCUMENT_EXISTS' }
}

const cases = CLASSES.flatMap((cls) => STRATEGIES.flatMap((strategy) => OUTCOMES.map((o) => [cls, strategy, o] as const)))

describe('class x strategy x outcome', () => {
  it.each(cases)(
    '%s under %s, primary %s',
    marbles((m: Context, cls: OperationClass, strategy: FailoverStrategy, o: Outcome) => {
      const { store, stores } = setup(m)
      const op = OPS[cls]
      const primary =
        o === 'timeout'
          ? m.cold('-')
          : o === 'refused'
            ? m.cold('-#', undefined, refused())
            : m.cold('-#', undefined, new DocumentExistsError('exists'))
      const secondary = m.cold('-(s|)', { s: undefined })
      stores[0]!.on(op.name, primary)
      stores[1]!.on(op.name, secondary)
      const e = expected(cls, strategy, o)
      m.expect(outcome(op.run(store, strategy))).toBeObservable(e.marble, { s: undefined, e: e.error })
      m.expect(secondary).toHaveSubscriptions(e.moves ? [o === 'timeout' ? '10ms ^!' : '-^!'] : [])
    }),
  )

  it('covers all 36 combinations', () => {
    expect(new Set(cases.map((c) => c.join('/'))).size).toBe(36)
  })
})
