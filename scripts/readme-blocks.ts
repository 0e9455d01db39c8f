/**
 * The code blocks of a Markdown file (the README), each with its line number and what is done
 * with it, so that the README cannot drift from the code: spec/readme/readme-blocks.spec.ts
 * checks every block in the repository, scripts/check-packed-app.ts compiles and runs the
 * TypeScript ones in a fresh app against the packed tarball.
 *
 * A fence's info string is `<language> [<marker>][: <reason>]`:
 *
 * | fence                            | what is checked                                                   |
 * |----------------------------------|-------------------------------------------------------------------|
 * | ```ts                            | a complete module: typechecked, then run (`tsx`), must exit 0     |
 * | ```ts importing from 'vitest'    | a complete test file: typechecked, then run under vitest          |
 * | ```ts needs-cluster[: <reason>]  | typechecked only: it connects to real clusters                    |
 * | ```ts fragment: <reason>         | skipped, for the stated reason (keep these rare)                  |
 * | ```sh / ```bash / ```shell       | `npm run X`, `npm start`/`test` name scripts; `npx X` is a bin; `npx tsx F`, `node F` files exist |
 * | ```console                       | the same for each `$ ` line                                       |
 * | ```json                          | parses                                                            |
 * | ```text                          | nothing (diagrams, output)                                        |
 *
 * Anything else (a bare fence, another language, an unknown marker) is a problem, so that no
 * block goes unchecked by accident.
 */

/** A fenced code block: `line` is the 1-based line of its opening fence. */
export interface Fence {
  readonly line: number
  /** The info string as written, e.g. `ts needs-cluster`. */
  readonly info: string
  /** Its text, without the fences and without the fence's indentation. */
  readonly code: string
}

/** What is done with a TypeScript block. */
export type ModuleRole = 'run' | 'test' | 'typecheck' | 'skip'

export type ReadmeBlock =
  | { readonly kind: 'typescript'; readonly role: ModuleRole; readonly reason: string | undefined; readonly fence: Fence }
  | { readonly kind: 'shell'; readonly commands: readonly string[]; readonly fence: Fence }
  | { readonly kind: 'json'; readonly fence: Fence }
  | { readonly kind: 'text'; readonly fence: Fence }

export interface ReadmeBlocks {
  readonly blocks: readonly ReadmeBlock[]
  /** `README.md:LINE: message` for every fence that cannot be checked as written. */
  readonly problems: readonly string[]
}

const OPEN = /^(\s*)(`{3,}|~{3,})(.*)$/

/** Every fenced code block of `markdown` (CommonMark fences of backticks or tildes). */
export function fences(markdown: string, file = 'README.md'): { fences: Fence[]; problems: string[] } {
  const lines = markdown.split('\n')
  const found: Fence[] = []
  const problems: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN.exec(lines[i] ?? '')
    if (open === null) continue
    const [, indent = '', marks = '', info = ''] = open
    // A backtick fence's info string may not contain a backtick: "```a``` b" is inline code.
    if (marks.startsWith('`') && info.includes('`')) continue
    const close = new RegExp(`^\\s*${marks[0] === '`' ? '`' : '~'}{${marks.length},}\\s*$`)
    let end = i + 1
    while (end < lines.length && !close.test(lines[end] ?? '')) end++
    if (end === lines.length) {
      problems.push(`${file}:${i + 1}: unclosed code fence`)
      break
    }
    const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
    found.push({ line: i + 1, info: info.trim(), code: body.length === 0 ? '' : `${body.join('\n')}\n` })
    i = end
  }
  return { fences: found, problems }
}

const LANGUAGES: Record<string, ReadmeBlock['kind']> = {
  ts: 'typescript',
  typescript: 'typescript',
  sh: 'shell',
  bash: 'shell',
  shell: 'shell',
  console: 'shell',
  json: 'json',
  text: 'text',
}

/** A test file: it imports from vitest. */
const IMPORTS_VITEST = /^\s*import\s[^;]*?\bfrom\s+['"]vitest['"]/m

/** The blocks of `markdown`, each classified by its info string, and the fences that cannot be. */
export function readmeBlocks(markdown: string, file = 'README.md'): ReadmeBlocks {
  const { fences: all, problems } = fences(markdown, file)
  const blocks: ReadmeBlock[] = []
  for (const fence of all) {
    const at = `${file}:${fence.line}:`
    const info = /^(\S*)\s*([^:\s]*)\s*(?::\s*(.*))?$/.exec(fence.info)
    const [, language = '', marker = '', reason] = info ?? []
    const kind = LANGUAGES[language]
    if (language === '') {
      problems.push(
        `${at} a code fence without a language: write \`\`\`text for a diagram or output, or the code's language so it is checked`,
      )
      continue
    }
    if (info === null || kind === undefined) {
      problems.push(`${at} unsupported code fence \`\`\`${fence.info}: use ${Object.keys(LANGUAGES).join(', ')}`)
      continue
    }
    if (kind === 'typescript') {
      const role = moduleRole(marker, reason, fence.code)
      if (typeof role === 'string') problems.push(`${at} ${role}`)
      else blocks.push({ kind, ...role, fence })
      continue
    }
    if (marker !== '' || reason !== undefined) {
      problems.push(`${at} \`\`\`${language} takes no marker (found "${fence.info.slice(language.length).trim()}")`)
      continue
    }
    if (kind === 'shell') blocks.push({ kind, commands: shellCommands(fence.code, language === 'console'), fence })
    else blocks.push({ kind, fence })
  }
  return { blocks, problems }
}

/** The role of a TypeScript block, or what is wrong with its marker. */
function moduleRole(marker: string, reason: string | undefined, code: string): { role: ModuleRole; reason: string | undefined } | string {
  if (marker === 'needs-cluster') return { role: 'typecheck', reason: reason?.trim() || 'connects to real clusters' }
  if (marker === 'fragment') {
    return reason === undefined || reason.trim() === ''
      ? '```ts fragment needs a reason: ```ts fragment: <why it cannot be a complete module>'
      : { role: 'skip', reason: reason.trim() }
  }
  if (marker === '' && reason === undefined) return { role: IMPORTS_VITEST.test(code) ? 'test' : 'run', reason: undefined }
  return `unknown marker in \`\`\`ts ${marker}${reason === undefined ? '' : `: ${reason}`}: use none (run), needs-cluster, or fragment: <reason>`
}

/**
 * The commands of a shell block: comments dropped, lines joined at a trailing `\`, split at
 * `&&`, `||`, `;` and `|`. In a console transcript only `$ ` lines are commands.
 */
export function shellCommands(code: string, transcript = false): string[] {
  const lines = code.replace(/\\\n/g, ' ').split('\n')
  const commands = transcript ? lines.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2)) : lines
  return commands
    .map((l) => l.replace(/(^|\s)#.*$/, ''))
    .flatMap((l) => l.split(/&&|\|\||;|\|/))
    .map((c) => c.trim())
    .filter((c) => c !== '')
}
