/**
 * The npm package is complete: every relative link and image of README.md points to a file the
 * tarball ships (a folder link to a folder that ships files), and the tarball holds LICENSE and
 * the examples the README sends users to. The file list is npm's own (`npm pack --dry-run`).
 */
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { posix } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function packedFiles(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(
      npm,
      ['pack', '--dry-run', '--json', '--ignore-scripts'],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error !== null) return reject(error)
        const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[]
        resolve((pack?.files ?? []).map((f) => f.path))
      },
    )
  })
}

/** Targets of the Markdown links and images of `markdown`, outside code, without `#fragment`. */
function relativeTargets(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '')
  const targets = [
    ...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g),
    ...prose.matchAll(/<img\s[^>]*src="([^"]+)"/g),
  ].map((m) => m[1] as string)
  return targets
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#'))
    .map((t) => decodeURI(t.split('#')[0] as string))
    .filter((t) => t !== '')
}

let files: string[] = []
beforeAll(async () => {
  files = await packedFiles()
}, 90_000)

describe('the npm package', () => {
  it('finds the README links it checks (the parser is not blind)', () => {
    const targets = relativeTargets(
      'See [`x`](examples/) and ![chart](bench/results/a.svg "t"), [top](#top), [web](https://x.y/z), `[no](code.md)`.\n```\n[no](block.md)\n```\n<img src="img/b.svg">',
    )
    expect(targets).toEqual(['examples/', 'bench/results/a.svg', 'img/b.svg'])
  })

  it('every relative link and image of README.md is in the tarball', () => {
    const targets = relativeTargets(readFileSync('README.md', 'utf8'))
    expect(targets.length).toBeGreaterThan(5)
    const missing = targets.filter((target) => {
      const path = posix.normalize(target)
      return path.endsWith('/') ? !files.some((f) => f.startsWith(path)) : !files.includes(path)
    })
    expect(missing).toEqual([])
  })

  it('ships every file package.json points to (exports, types, bin)', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      exports: Record<string, string | Record<string, string>>
      bin: Record<string, string>
      types: string
      main: string
    }
    const targets = [
      pkg.main,
      pkg.types,
      ...Object.values(pkg.bin),
      ...Object.values(pkg.exports).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e))),
    ]
    expect(targets.length).toBeGreaterThan(5)
    expect(targets.map((t) => posix.normalize(t)).filter((t) => !files.includes(t))).toEqual([])
  })

  it('ships LICENSE, README.md and every example', () => {
    const examples = readdirSync('examples', { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => posix.join(posix.relative('.', e.parentPath.replaceAll('\\', '/')), e.name))
    expect(examples.length).toBeGreaterThan(10)
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', ...examples]))
    expect(readFileSync('LICENSE', 'utf8')).toMatch(
      /Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS[\s\S]*Copyright 2026 The ojai-failover authors/,
    )
  })
})
