#!/usr/bin/env node
/**
 * `ojai-gateway`: runs an embedded OJAI gateway until SIGTERM/SIGINT.
 *
 * Prints exactly one line on stdout when ready, `listening on <host>:<port>`; everything else
 * (logs, errors) goes to stderr. Exit codes: 0 after a clean stop, 1 when it cannot start,
 * 2 for bad arguments, 70 when the gateway crashed (the "crash" fault).
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { DEFAULT_PORT } from '../proto/index.js'
import { startGateway } from './gateway.js'
import type { GatewayOptions } from './gateway.js'
import type { GatewayLogger } from './logger.js'

const HELP = `Usage: ojai-gateway [options]

Runs an OJAI gateway (the Data Access Gateway gRPC protocol, com.mapr.data.db.MapRDbServer).
Prints "listening on <host>:<port>" once ready; SIGTERM or SIGINT stops it cleanly.

Options:
  --port <n>                 TCP port (default ${DEFAULT_PORT}; 0 = any free port)
  --host <addr>              interface to listen on (default 127.0.0.1; 0.0.0.0 = all)
  --data <dir>               durable LMDB storage in <dir> (default: in memory)
  --user <u>                 require authentication with this user name ...
  --password <p>             ... and password (basic credentials, then bearer tokens)
  --token-ttl-ms <n>         bearer token lifetime (default 1800000)
  --tls-cert <file>          serve TLS with this PEM certificate ...
  --tls-key <file>           ... and this PEM private key
  --replicate-to <host:port> replicate every write to this peer gateway (repeatable)
  --replication-lag-ms <n>   delay before a write is shipped to peers (default 0)
  --peer-ca <file>           PEM CA to verify TLS peers (default: peers are plaintext)
  --gateway-id <id>          id used as replication origin (default random)
  --verbose                  log to stderr
  --help                     show this help
`

function fail(message: string): never {
  process.stderr.write(`ojai-gateway: ${message}\nTry --help.\n`)
  process.exit(2)
}

function integer(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0) fail(`--${name} needs a non-negative integer, got ${JSON.stringify(text)}`)
  return n
}

function stderrLogger(): GatewayLogger {
  const line = (level: string) => (obj: object, msg?: string) => process.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...obj })}\n`)
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') }
}

async function main(): Promise<void> {
  let values
  try {
    ;({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        user: { type: 'string' },
        password: { type: 'string' },
        'token-ttl-ms': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'replicate-to': { type: 'string', multiple: true },
        'replication-lag-ms': { type: 'string' },
        'peer-ca': { type: 'string' },
        'gateway-id': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error))
  }
  if (values.help) {
    process.stdout.write(HELP)
    return
  }
  const port = integer('port', values.port, DEFAULT_PORT)
  if (port > 65535) fail(`--port must be at most 65535, got ${port}`)
  if ((values.user === undefined) !== (values.password === undefined)) fail('--user and --password go together')
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) fail('--tls-cert and --tls-key go together')
  const read = (file: string) => {
    try {
      return readFileSync(file)
    } catch (error) {
      fail(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  const peerCa = values['peer-ca'] === undefined ? undefined : read(values['peer-ca'])
  const { credentials } = await import('@grpc/grpc-js')
  const options: GatewayOptions = {
    port,
    host: values.host ?? '127.0.0.1',
    ...(values.data === undefined ? {} : { storage: { dir: values.data } }),
    ...(values.user === undefined ? {} : { auth: { user: values.user, password: values.password ?? '', tokenTtlMs: integer('token-ttl-ms', values['token-ttl-ms'], 1_800_000) } }),
    ...(values['tls-cert'] === undefined ? {} : { tls: { cert: read(values['tls-cert']), key: read(values['tls-key'] as string) } }),
    ...(values['replicate-to'] === undefined ? {} : { replicateTo: values['replicate-to'] }),
    replicationLagMs: integer('replication-lag-ms', values['replication-lag-ms'], 0),
    ...(peerCa === undefined ? {} : { replication: { credentials: credentials.createSsl(peerCa) } }),
    ...(values['gateway-id'] === undefined ? {} : { gatewayId: values['gateway-id'] }),
    ...(values.verbose ? { logger: stderrLogger() } : {}),
  }

  let gateway
  try {
    gateway = await startGateway(options)
  } catch (error) {
    process.stderr.write(`ojai-gateway: cannot start: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  }
  process.stdout.write(`listening on ${gateway.address}\n`)

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    if (values.verbose) process.stderr.write(`ojai-gateway: ${signal}, closing\n`)
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`ojai-gateway: close failed: ${error instanceof Error ? error.message : String(error)}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  void gateway.crashed.then(() => {
    if (stopping) return
    process.stderr.write('ojai-gateway: crashed (fault injected)\n')
    // Like a killed process: no graceful close, but acknowledged writes are already durable.
    process.exit(70)
  })
}

void main()
