/**
 * The frame the bench command lines share: the options parsed strictly, `--help`, bad arguments
 * answered with the usage line and exit code 2, a hard bound on the whole run, and exit code 0
 * unless the bench itself failed (missed targets are reported, never turned into a failure).
 */
import { dirname, resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { messageOf } from '../lib/ojai/message-of.js'

/** Bad arguments: printed with the usage line; the exit code is 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>

const HELP = { help: { type: 'boolean', short: 'h', default: false } } as const

/** The values of the options `O` (and `help`), as `parseArgs` types them. */
export type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O & typeof HELP; allowPositionals: false; strict: true }>
>['values']

export interface Cli<O extends Options> {
  /** Names the command in its messages ("bench: …"). */
  readonly name: string
  /** The usage line, printed for `--help` and after every bad argument. */
  readonly usage: string
  readonly options: O
  /** The hard bound on the whole run: a hung run must not keep the process (or CI) waiting. */
  readonly boundMs: (values: Values<O>) => number
  /** The run; a UsageError it throws before starting anything is answered like a bad argument. */
  readonly run: (values: Values<O>) => Promise<void>
}

/** Linger after the run before naming what still holds the process and leaving. */
const EXIT_GRACE_MS = 3000

/** Parses `process.argv` for `cli`, runs it, and sets the exit code. */
export function runCli<O extends Options>(cli: Cli<O>): void {
  main(cli).then(
    (code) => {
      process.exitCode = code
      // Everything should be closed by now; if something still holds the process, say what and leave.
      setTimeout(() => {
        console.error(`${cli.name}: still open after the run: ${process.getActiveResourcesInfo().join(', ')}; exiting`)
        process.exit(code)
      }, EXIT_GRACE_MS).unref()
    },
    (error: unknown) => {
      console.error(`${cli.name} failed:`, error)
      process.exit(1)
    },
  )
}

async function main<O extends Options>(cli: Cli<O>): Promise<number> {
  let values: Values<O> & { readonly help?: boolean }
  try {
    values = parseArgs({ options: { ...cli.options, ...HELP }, allowPositionals: false, strict: true }).values as Values<O> & {
      readonly help?: boolean
    }
  } catch (error) {
    console.error(`${messageOf(error)}\n${cli.usage}`)
    return 2
  }
  if (values.help === true) {
    console.log(cli.usage)
    return 0
  }
  const boundMs = cli.boundMs(values)
  const bound = setTimeout(() => {
    console.error(`${cli.name}: exceeded its ${boundMs / 60_000} min bound; exiting`)
    process.exit(1)
  }, boundMs)
  bound.unref()
  try {
    await cli.run(values)
    return 0
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    console.error(`${error.message}\n${cli.usage}`)
    return 2
  } finally {
    clearTimeout(bound)
  }
}

/** `text` as an integer of at least `min`, `fallback` when absent; a UsageError naming `--name` otherwise. */
export function integerArg(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (Number.isInteger(n) && n >= min) return n
  throw new UsageError(`--${name} must be an integer of at least ${min}, got ${JSON.stringify(text)}`)
}

/** The values of a repeatable `--name` option, each checked against `known`; a UsageError naming the unknown ones. */
export function namesArg<N extends string>(what: string, given: readonly string[] | undefined, known: readonly N[]): N[] {
  const names = given ?? []
  const unknown = names.filter((n) => !(known as readonly string[]).includes(n))
  if (unknown.length > 0) throw new UsageError(`unknown ${what}(s) ${unknown.join(', ')}`)
  return names as N[]
}

/** Where a run writes: the `--json` file if given, and its folder for the pictures (./bench-results/ without it). */
export function outputsOf(json: string | undefined): { readonly jsonFile: string | undefined; readonly outDir: string } {
  const jsonFile = json === undefined ? undefined : resolve(json)
  return { jsonFile, outDir: jsonFile === undefined ? resolve('bench-results') : dirname(jsonFile) }
}
