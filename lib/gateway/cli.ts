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
import { DEFAULT_FIND_LIMITS } from './find-limits.js'
import { exposureWarnings, startGateway } from './gateway.js'
import type { GatewayOptions } from './gateway.js'
import { MAX_CLOCK_OFFSET_MS } from './hlc.js'
import type { GatewayLogger } from './logger.js'
import { messageOf } from '../ojai/message-of.js'

const HELP = `Usage: ojai-gateway [options]

Runs an OJAI gateway (the Data Access Gateway gRPC protocol, com.mapr.data.db.MapRDbServer).
Prints "listening on <host>:<port>" once ready; SIGTERM or SIGINT stops it cleanly.

Options:
  --port <n>                 TCP port (default ${DEFAULT_PORT}; 0 = any free port)
  --host <addr>              interface to listen on (default 127.0.0.1; 0.0.0.0 = all)
  --data <dir>               durable LMDB storage in <dir> (default: in memory); needs the
                             optional package lmdb (npm install lmdb)
  --user <u>                 require authentication with this user name ...
  --password-file <file>     ... and the password in this file (first line), or in the
                             environment variable OJAI_GATEWAY_PASSWORD
  --password <p>             the password on the command line (visible to every user of the
                             machine in the process list: prefer the two above)
  --token-ttl-ms <n>         bearer token lifetime (default 1800000)
  --replication-user <u>     the replication service takes only these credentials (peers use
                             them too), not the data ones; the password comes from
  --replication-password-file <file>, OJAI_GATEWAY_REPLICATION_PASSWORD, or
  --replication-password <p>
  --tls-cert <file>          serve TLS with this PEM certificate ...
  --tls-key <file>           ... and this PEM private key
  --replicate-to <host:port> replicate every write to this peer gateway (repeatable)
  --replication-lag-ms <n>   delay before a write is shipped to peers (default 0)
  --peer-ca <file>           PEM CA to verify TLS peers (default: peers are plaintext)
  --gateway-id <id>          id used as replication origin (default random)
  --clock-offset-ms <n>      run this gateway's clock n ms ahead of the machine's (negative:
                             behind; write --clock-offset-ms=-200), as a cluster whose clock
                             is off: its write timestamps and last-writer-wins order follow it
                             (default 0; at most 86400000 either way)
  --max-find-streams <n>     Find streams served at once by the gateway (default 64)
  --max-find-streams-per-connection <n>
                             ... and by one client connection (default 16)
  --verbose                  log to stderr

Listening beyond loopback (e.g. --host 0.0.0.0) without --user or without TLS prints a warning.
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

function clockOffset(text: string): number {
  const n = Number(text)
  if (text.trim() === '' || !Number.isInteger(n) || Math.abs(n) > MAX_CLOCK_OFFSET_MS)
    fail(
      `--clock-offset-ms needs an integer in [-${MAX_CLOCK_OFFSET_MS}, ${MAX_CLOCK_OFFSET_MS}] (negative: --clock-offset-ms=-200), got ${JSON.stringify(text)}`,
    )
  return n
}

function positive(name: string, text: string | undefined, fallback: number): number {
  const n = integer(name, text, fallback)
  if (n < 1) fail(`--${name} needs a positive integer, got ${JSON.stringify(text)}`)
  return n
}

/**
 * A password given for `user` by exactly one of: a file (first line), the environment variable,
 * the command line (with a warning: `ps` shows it). Undefined when there is no user.
 */
function secret(
  user: string | undefined,
  from: { flag: string; text: string | undefined; file: string | undefined; env: string },
  read: (file: string) => Buffer,
): string | undefined {
  const userFlag = from.flag.replace('password', 'user')
  const given = [from.text, from.file].filter((x) => x !== undefined).length
  if (user === undefined) {
    if (given > 0) fail(`--${from.flag}${from.file !== undefined ? '-file' : ''} needs --${userFlag}`)
    return undefined
  }
  if (given > 1) fail(`give the password once: --${from.flag} or --${from.flag}-file`)
  if (from.file !== undefined) {
    const text = read(from.file).toString('utf8').split(/\r?\n/)[0] ?? ''
    if (text === '') fail(`${from.file} is empty: the password is its first line`)
    return text
  }
  if (from.text !== undefined) {
    process.stderr.write(
      `ojai-gateway: WARNING: --${from.flag} is visible to every user of this machine in the process list; prefer --${from.flag}-file or ${from.env}\n`,
    )
    return from.text
  }
  const env = process.env[from.env]
  if (env === undefined || env === '')
    fail(`--${userFlag} needs a password: --${from.flag}-file <file>, the environment variable ${from.env}, or --${from.flag}`)
  return env
}

function stderrLogger(): GatewayLogger {
  const line = (level: string) => (obj: object, msg?: string) =>
    process.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...obj })}\n`)
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
        'password-file': { type: 'string' },
        'token-ttl-ms': { type: 'string' },
        'replication-user': { type: 'string' },
        'replication-password': { type: 'string' },
        'replication-password-file': { type: 'string' },
        'max-find-streams': { type: 'string' },
        'max-find-streams-per-connection': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'replicate-to': { type: 'string', multiple: true },
        'replication-lag-ms': { type: 'string' },
        'peer-ca': { type: 'string' },
        'gateway-id': { type: 'string' },
        'clock-offset-ms': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    fail(messageOf(error))
  }
  if (values.help) {
    process.stdout.write(HELP)
    return
  }
  const port = integer('port', values.port, DEFAULT_PORT)
  if (port > 65535) fail(`--port must be at most 65535, got ${port}`)
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) fail('--tls-cert and --tls-key go together')
  const read = (file: string) => {
    try {
      return readFileSync(file)
    } catch (error) {
      fail(`cannot read ${file}: ${messageOf(error)}`)
    }
  }
  const password = secret(
    values.user,
    { flag: 'password', text: values.password, file: values['password-file'], env: 'OJAI_GATEWAY_PASSWORD' },
    read,
  )
  const replicationPassword = secret(
    values['replication-user'],
    {
      flag: 'replication-password',
      text: values['replication-password'],
      file: values['replication-password-file'],
      env: 'OJAI_GATEWAY_REPLICATION_PASSWORD',
    },
    read,
  )
  const tokenTtlMs = integer('token-ttl-ms', values['token-ttl-ms'], 1_800_000)
  const peerCa = values['peer-ca'] === undefined ? undefined : read(values['peer-ca'])
  const { credentials } = await import('@grpc/grpc-js')
  const options: GatewayOptions = {
    port,
    host: values.host ?? '127.0.0.1',
    ...(values.data === undefined ? {} : { storage: { dir: values.data } }),
    ...(values.user === undefined || password === undefined ? {} : { auth: { user: values.user, password, tokenTtlMs } }),
    ...(values['replication-user'] === undefined || replicationPassword === undefined
      ? {}
      : { replicationAuth: { user: values['replication-user'], password: replicationPassword, tokenTtlMs } }),
    ...(values['tls-cert'] === undefined ? {} : { tls: { cert: read(values['tls-cert']), key: read(values['tls-key'] as string) } }),
    ...(values['replicate-to'] === undefined ? {} : { replicateTo: values['replicate-to'] }),
    replicationLagMs: integer('replication-lag-ms', values['replication-lag-ms'], 0),
    ...(peerCa === undefined ? {} : { replication: { credentials: credentials.createSsl(peerCa) } }),
    ...(values['gateway-id'] === undefined ? {} : { gatewayId: values['gateway-id'] }),
    ...(values['clock-offset-ms'] === undefined ? {} : { clockOffsetMs: clockOffset(values['clock-offset-ms']) }),
    ...(values.verbose ? { logger: stderrLogger() } : {}),
    findLimits: {
      maxStreams: positive('max-find-streams', values['max-find-streams'], DEFAULT_FIND_LIMITS.maxStreams),
      maxStreamsPerConnection: positive(
        'max-find-streams-per-connection',
        values['max-find-streams-per-connection'],
        DEFAULT_FIND_LIMITS.maxStreamsPerConnection,
      ),
    },
  }
  // Without --verbose too: this is about the machine's safety, not a log line.
  for (const warning of exposureWarnings(options)) process.stderr.write(`ojai-gateway: WARNING: ${warning}\n`)

  let gateway
  try {
    gateway = await startGateway(options)
  } catch (error) {
    process.stderr.write(`ojai-gateway: cannot start: ${messageOf(error)}\n`)
    process.exit(1)
  }
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    if (values.verbose) process.stderr.write(`ojai-gateway: ${signal}, closing\n`)
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`ojai-gateway: close failed: ${messageOf(error)}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  // Only now: a supervisor may send SIGTERM the moment it reads this line.
  process.stdout.write(`listening on ${gateway.address}\n`)
  void gateway.crashed.then(() => {
    if (stopping) return
    process.stderr.write('ojai-gateway: crashed (fault injected)\n')
    // Like a killed process: no graceful close, but acknowledged writes are already durable.
    process.exit(70)
  })
}

void main()
