import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, runExample } from './run-example.js'

// Every example, and the line of its output that shows it did its job.
const EXAMPLES: Record<string, RegExp> = {
  'connect-and-insert.ts': /^inserted 4 documents into \/examples\/users_\S+: u1, u2, u3, u4$/m,
  'find-by-id.ts': /fields name, tags\[0\]: \{ name: 'Ada Lovelace', tags: \[ 'math' \] \}\nmissing id: null\nu1 only if age > 40: null/,
  'find-all.ts': /^found all 6 documents; average age 66\.8$/m,
  'find-queries.ts':
    /order by age, limit 2, offset 2:\n {2}\{"name":"Edsger Dijkstra","age":72\}\n {2}\{"name":"Leslie Lamport","age":83\}/,
  'update-mutations.ts': /visits now: 13\n[\s\S]*replace of a missing document: DOCUMENT_NOT_FOUND\nafter delete: null/,
  'check-and-mutate.ts': /Ada books 12A: true\nAlan books 12A: false/,
  'duplicate-insert.ts': /second insert: DOCUMENT_EXISTS .*\nactive cluster: cluster1; failover events: 0/,
  'read-your-own-write.ts': /read back version 1 with items \["book"\] from cluster2[\s\S]*read your own write: version 2 on cluster2/,
  'rxjs-pipeline.ts': /^processed 400 of 400 items/m,
  'watch-cluster.ts': /cluster\$: cluster2 \[failover\][\s\S]*cluster\$: cluster1 \[failback\]/,
  'prometheus-metrics.ts': /^ojai_failover_events_total\{table="[^"]+",type="failover",cluster="cluster1"\} 1$/m,
  'opentelemetry.ts':
    /name: 'attempt cluster1',[\s\S]*'ojai.attempt.outcome': 'timed-out'[\s\S]*name: 'attempt cluster2',[\s\S]*'ojai.attempt.kind': 'failover'[\s\S]*'ojai.attempt.outcome': 'answered'[\s\S]*name: 'findById \/examples\/users_\S+',[\s\S]*name: 'ojai.switch'[\s\S]*name: 'handle request'[\s\S]*^read \{"_id":"u1","name":"Ada"\} from cluster2$[\s\S]*name: 'db.client.operation.duration'/m,
  'marble-testing.ts': /^4 of 4 marble tests passed$/m,
  'testing-with-embedded-gateway.ts': /^all tests passed$/m,
}

const files = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.ts') && f !== 'support.ts')

describe('examples', () => {
  it('every example file is run below, and each starts with a comment saying what it shows', () => {
    expect(files.sort()).toEqual(Object.keys(EXAMPLES).sort())
    for (const f of files) expect(readFileSync(join(ROOT, 'examples', f), 'utf8').startsWith('/**\n')).toBe(true)
  })

  for (const [file, expected] of Object.entries(EXAMPLES)) {
    it(`${file} runs, exits 0 by itself and prints what it shows`, { timeout: 90_000 }, async () => {
      const run = await runExample(join('examples', file))
      expect({ code: run.code, signal: run.signal, stderr: run.code === 0 ? '' : run.stderr }).toEqual({
        code: 0,
        signal: null,
        stderr: '',
      })
      expect(run.stdout).toMatch(expected)
    })
  }
})
