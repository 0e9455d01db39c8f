/**
 * Virtual time for specs that need more than rxjs-marbles' TestScheduler: a clock that can jump,
 * and a bound on how far virtual time may run.
 *
 * `m.scheduler.stall(ms)`, called from an action, blocks "this process" for `ms`: the clock jumps
 * forward and every action that came due meanwhile runs late, at the end of the stall, in the
 * order it was due. That is what Node does after a GC pause or a CPU-bound handler: the timers
 * that came due run late, one after the other, and an answer that arrived meanwhile (an emission
 * of a cold marble due inside the stall) is only seen in that same late turn.
 *
 * ```
 * due        ----t-----a----------           t: a timer due at 4, a: an answer due at 10
 * stall      --[========250========]          stallAt(2, 250): blocked from 2 to 252
 * runs at    ----------------------(ta)       both at 252, t first
 * ```
 *
 * Node reads sockets only after it ran the timers that came due, so an answer that arrived during
 * a stall loses to any timer due before the stall ended. `m.scheduler.io(source)` models that:
 * each notification of `source` is delivered in a turn of its own, after the actions due with it.
 * Outside a stall that changes nothing (same frame); at a stall's end, every timer that came due
 * during the stall runs first.
 *
 * `marbles(fn)` runs `fn` like rxjs-marbles' own `marbles(fn)` (same Context: cold, hot, expect,
 * flush), on a StallScheduler. Virtual time is bounded (`limitMs`): a spec whose timers never
 * stop fails with a clear error instead of hanging the test run, which vitest cannot time out
 * because flush() is synchronous.
 */
import { Observable, Subscription } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { defaults, type Context } from 'rxjs-marbles'
import { RunContext } from 'rxjs-marbles/context-run.js'
import { observableMatcher } from 'rxjs-marbles/matcher.js'

/** Default bound on virtual time: ten virtual minutes, far beyond any spec's timeline. */
export const DEFAULT_LIMIT_MS = 600_000

export class StallScheduler extends TestScheduler {
  /** The stalls so far: when each began and how long it lasted. */
  readonly stalls: { readonly at: number; readonly ms: number }[] = []

  constructor(
    assertDeepEqual: (actual: unknown, expected: unknown) => boolean | void,
    readonly limitMs: number = DEFAULT_LIMIT_MS,
  ) {
    super(assertDeepEqual)
    // VirtualTimeScheduler.flush sets `frame` to each action's due time. Here the clock never
    // goes back: an action due during a stall runs at the stall's end.
    let clock = 0
    Object.defineProperty(this, 'frame', {
      configurable: true,
      get: () => clock,
      set: (frame: number) => {
        if (frame > limitMs) {
          throw new Error(`virtual time ran past ${limitMs} ms: something keeps scheduling (a timer or probe that never stops)`)
        }
        clock = Math.max(clock, frame)
      },
    })
  }

  /** Blocks this process for `ms` from now (call it from an action). */
  stall(ms: number): void {
    this.stalls.push({ at: this.frame, ms })
    this.frame = this.frame + ms
  }

  /** Schedules a stall of `ms` starting at `at`. */
  stallAt(at: number, ms: number): void {
    this.schedule(() => this.stall(ms), at - this.frame)
  }

  /** `source` as I/O: every notification delivered in a turn after the timers due with it. */
  io<T>(source: Observable<T>): Observable<T> {
    return new Observable<T>((out) => {
      const turns = new Subscription()
      const later = (deliver: () => void) => void turns.add(this.schedule(deliver))
      turns.add(
        source.subscribe({
          next: (value) => later(() => out.next(value)),
          error: (error: unknown) => later(() => out.error(error)),
          complete: () => later(() => out.complete()),
        }),
      )
      return turns
    })
  }
}

/** A marbles Context whose scheduler is a StallScheduler. */
export interface StallContext extends Context {
  readonly scheduler: StallScheduler
}

class StallRunContext extends RunContext implements StallContext {
  declare readonly scheduler: StallScheduler
}

/** rxjs-marbles' `marbles(fn)`, run on a StallScheduler bounded to `limitMs` of virtual time. */
export function marbles(fn: (m: StallContext) => void, limitMs = DEFAULT_LIMIT_MS): () => void {
  return () => {
    const { assert, assertDeepEqual, frameworkMatcher } = defaults()
    const scheduler = new StallScheduler(
      (actual, expected) => observableMatcher(actual, expected, assert, assertDeepEqual, frameworkMatcher),
      limitMs,
    )
    scheduler.run((helpers) => fn(new StallRunContext(scheduler, helpers)))
  }
}
