import { tap } from 'rxjs'
const tapE = (f: (e: unknown) => void) => tap({ error: f })
import { GatewayEnv } from './env.js'
import { faultRun, analyse } from './fault-run.js'
import { oursOverProxies, seedKeys, KEYS } from './sections/failover.js'
const env = await GatewayEnv.start()
try {
  const path = await seedKeys(env)
  for (const fault of ['blackhole', 'refuse'] as const) {
    await env.heal()
    const ours = await oursOverProxies(env, path, { timeoutMs: 100 })
    const ev: string[] = []
    const t0 = performance.now()
    ours.store.events$.subscribe((e) => ev.push(`${(performance.now() - t0).toFixed(1)} ${e.type} ${e.cluster} ${'reason' in e ? String((e as {reason?: unknown}).reason) : ''}`))
    const errs: string[] = []
    const run = await faultRun({ env, op: (i) => ours.store.findById(`k${i % KEYS}`).pipe(tapE((e) => errs.push(String((e as Error).message)))), tagOf: ours.tags.of, fault, rate: 400, healthyMs: 800, afterMs: 1000, drainMs: 3000 })
    console.log(fault, 'faultAt', run.faultAt.toFixed(1), JSON.stringify(analyse(run)))
    const around = run.records.filter((r) => r.start > run.faultAt - 20 && r.start < run.faultAt + 200)
    for (const r of around.slice(0, 3)) console.log(r.start.toFixed(1), (r.end - r.start).toFixed(1), r.ok, r.servedBy, r.error)
    console.log(ev.slice(0, 3).join('\n')); console.log([...new Set(errs)].slice(0,5).join('\n'))
    ours.dispose()
  }
} finally { await env.close() }
