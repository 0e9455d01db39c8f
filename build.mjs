// Build: compile lib/ to dist/ with declarations, then copy what tsc does not (the .proto files)
// and make the CLI executable so `npx ojai-gateway` runs it.
import { execFileSync } from 'node:child_process'
import { chmodSync, cpSync, existsSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
for (const file of readdirSync('lib', { recursive: true })) {
  if (String(file).endsWith('.proto')) cpSync(`lib/${file}`, `dist/${file}`)
}
if (existsSync('dist/gateway/cli.js')) chmodSync('dist/gateway/cli.js', 0o755)
