/**
 * Marble diagrams as scripted answers, played on a scheduler: one frame is one millisecond.
 *
 * A diagram is parsed once with RxJS's own `TestScheduler.parseMarbles` (run-mode syntax: `-` is
 * one frame, spaces are ignored, `10ms ` / `2s ` advance time, `(ab)` groups, `|` completes, `#`
 * errors) and played with the scheduler's timers, from the moment of subscription. On the default
 * `asyncScheduler` that is virtual time inside `TestScheduler.run` (and rxjs-marbles' `marbles()`,
 * which runs there), whose `run` mode takes over the async scheduler's timers, and real time
 * (1 frame = 1 ms) anywhere else: the same script serves a marble test and a real-time test.
 *
 * ```
 * marble('--a|', { a: ada })     subscribe at 0: ada at 2, complete at 3
 * marble('500ms (a|)', { a: 1 }) 1 and complete at 500
 * marble('-')                    never answers (a black-holed cluster)
 * marble('--#', {}, err)         err at 2; without err, an UnavailableError (a cluster fault)
 * ```
 */
import { Observable, Subscription, type SchedulerLike } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { InvalidOptionsError } from '../ojai/errors.js'
import { messageOf } from '../ojai/message-of.js'

/**
 * A scripted answer: a marble diagram, the values its letters stand for, and the error of `#`.
 * @category Testing
 */
export class Marble<R> {
  constructor(
    /** e.g. `'--a|'`: one frame per `-`, one millisecond per frame. */
    readonly diagram: string,
    /** The value of each letter of the diagram. */
    readonly values?: Readonly<Record<string, R>>,
    /** What `#` errors with. */
    readonly error?: unknown,
  ) {}
}

/**
 * A marble answer, as RxJS's `cold(diagram, values, error)`: `marble('--a|', { a: doc })` answers
 * `doc` 2 ms after subscription and completes at 3 ms.
 * @category Testing
 */
export function marble<R>(diagram: string, values?: Readonly<Record<string, R>>, error?: unknown): Marble<R> {
  return new Marble(diagram, values, error)
}

/** One scheduled notification, at `frame` ms after subscription. */
export type Step<R> = { readonly frame: number } & (
  { readonly kind: 'N'; readonly value: R } | { readonly kind: 'E'; readonly error: unknown } | { readonly kind: 'C' }
)

interface Parsed {
  readonly frame: number
  readonly notification: { readonly kind: 'N' | 'E' | 'C'; readonly value?: unknown; readonly error?: unknown }
}

/**
 * Parses `diagram` in run-mode syntax with one frame per millisecond, whatever the TestScheduler's
 * current frame factor (10 outside `run`). `valueOf(letter)` gives each letter's value (or throws),
 * `error()` the error of `#`. Throws InvalidOptionsError naming `where` for a diagram RxJS refuses.
 */
export function parseDiagram<R>(where: string, diagram: string, valueOf: (letter: string) => R, error: () => unknown): Step<R>[] {
  if (typeof diagram !== 'string') throw new InvalidOptionsError(`${where}: a marble diagram must be a string, got ${typeof diagram}`)
  if (diagram.includes('^') || diagram.includes('!')) {
    throw new InvalidOptionsError(
      `${where}: the marble ${JSON.stringify(diagram)} is an answer played from its subscription: it cannot have "^" or "!"`,
    )
  }
  let parsed: Parsed[]
  const factor = TestScheduler.frameTimeFactor
  try {
    TestScheduler.frameTimeFactor = 1
    // No values object: each letter comes back as itself, to be looked up below.
    parsed = TestScheduler.parseMarbles(diagram, undefined, undefined, false, true) as Parsed[]
  } catch (e) {
    throw new InvalidOptionsError(`${where}: the marble ${JSON.stringify(diagram)} is not a valid diagram: ${messageOf(e)}`)
  } finally {
    TestScheduler.frameTimeFactor = factor
  }
  return parsed.map(({ frame, notification: n }): Step<R> => {
    if (n.kind === 'N') return { frame, kind: 'N', value: valueOf(String(n.value)) }
    if (n.kind === 'E') return { frame, kind: 'E', error: error() }
    return { frame, kind: 'C' }
  })
}

/**
 * A cold Observable playing `steps` on `scheduler` from each subscription: the notifications of
 * one frame are delivered together, in diagram order, by one scheduled action; unsubscribing
 * cancels what is left.
 */
export function play<R>(steps: readonly Step<R>[], scheduler: SchedulerLike): Observable<R> {
  const frames: Step<R>[][] = []
  for (const step of steps) {
    const last = frames[frames.length - 1]
    if (last !== undefined && last[0]?.frame === step.frame) last.push(step)
    else frames.push([step])
  }
  return new Observable<R>((subscriber) => {
    const timers = new Subscription()
    for (const group of frames) {
      timers.add(
        scheduler.schedule(() => {
          for (const step of group) {
            if (step.kind === 'N') subscriber.next(step.value)
            else if (step.kind === 'E') subscriber.error(step.error)
            else subscriber.complete()
          }
        }, group[0]?.frame ?? 0),
      )
    }
    return timers
  })
}
