/**
 * What happens to every call before the gateway's semantics see it: counting, authentication,
 * then injected faults. Kept apart from the handlers so the semantics stay free of both.
 *
 * When neither auth nor any fault is set the guard adds one counter increment and two property
 * checks to a call: the benchmark's hot path.
 */
import * as grpc from '@grpc/grpc-js'
import { AUTHORIZATION, BEARER_TOKEN } from '../proto/index.js'
import type { Authenticator } from './auth.js'
import type { FaultAction, Faults, RpcName } from './faults.js'
import { RPC_NAMES } from './faults.js'
import { messageOf } from '../ojai/message-of.js'

/**
 * Per-RPC request counts: every call that reached the server, whatever its fate.
 * @category Gateway
 */
export type RequestCounts = Record<RpcName, number>

export function emptyCounts(): RequestCounts {
  return Object.fromEntries(RPC_NAMES.map((n) => [n, 0])) as RequestCounts
}

export interface GuardHooks {
  readonly auth: Authenticator | undefined
  /** Credentials of the replication service; undefined = the same as `auth`. */
  readonly replicationAuth?: Authenticator | undefined
  readonly faults: Faults
  readonly counts: RequestCounts
  /** Drops every connection and stops the gateway (the "crash" fault). */
  readonly crash: () => void
}

/** The in-band answer of an `error` fault, built by the handler that knows its response type. */
export type InBandError = (errCode: number, message: string) => unknown

type Call = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>

/** Result of the pre-checks: run the call (maybe after a wait), or it was already answered. */
type Verdict = { readonly run: true; readonly crashAfter: boolean } | { readonly run: false }

const RUN: Verdict = { run: true, crashAfter: false }

export class CallGuard {
  constructor(private readonly hooks: GuardHooks) {}

  /**
   * Wraps a unary handler. `impl` must never throw: the handlers turn every failure into an
   * in-band error themselves.
   */
  unary<Req, Res>(
    rpc: RpcName,
    inBand: (errCode: number, message: string) => Res,
    impl: (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Res | Promise<Res>,
  ): grpc.handleUnaryCall<Req, Res> {
    const hooks = this.hooks
    return (call, callback) => {
      hooks.counts[rpc]++
      if (hooks.auth !== undefined && !this.authenticate(call, (status) => callback(status))) return
      if (!hooks.faults.active) {
        answer(impl(call.request, call), callback)
        return
      }
      void this.applyFaults(
        rpc,
        call,
        (status) => callback(status),
        (errCode, message) => callback(null, inBand(errCode, message)),
      ).then((verdict) => {
        if (!verdict.run) return
        if (!verdict.crashAfter) {
          answer(impl(call.request, call), callback)
          return
        }
        void Promise.resolve(impl(call.request, call)).finally(() => hooks.crash())
      })
    }
  }

  /** Wraps a server-streaming handler (Find). */
  streaming<Req, Res>(
    rpc: RpcName,
    inBand: (errCode: number, message: string) => Res,
    impl: (call: grpc.ServerWritableStream<Req, Res>) => Promise<void>,
  ): grpc.handleServerStreamingCall<Req, Res> {
    const hooks = this.hooks
    return (call) => {
      hooks.counts[rpc]++
      const fail = (status: Partial<grpc.StatusObject>) => call.emit('error', status)
      if (hooks.auth !== undefined && !this.authenticate(call, fail)) return
      if (!hooks.faults.active) {
        void impl(call)
        return
      }
      void this.applyFaults(rpc, call, fail, (errCode, message) => {
        call.write(inBand(errCode, message))
        call.end()
      }).then((verdict) => {
        if (!verdict.run) return
        const done = impl(call)
        if (verdict.crashAfter) void done.finally(() => hooks.crash())
      })
    }
  }

  /**
   * Wraps an internal unary handler (replication, control): authentication only, no faults, not
   * counted. Replication checks its own credentials when the gateway has them.
   */
  internal<Req, Res>(realm: 'replication' | 'control', impl: (request: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
    const auth = realm === 'replication' ? (this.hooks.replicationAuth ?? this.hooks.auth) : this.hooks.auth
    return (call, callback) => {
      if (auth !== undefined && !this.authenticate(call, (status) => callback(status), auth)) return
      impl(call.request).then(
        (response) => callback(null, response),
        (error: unknown) =>
          callback(
            error instanceof CallStatusError
              ? { code: error.code, details: error.message }
              : { code: grpc.status.INTERNAL, details: messageOf(error) },
          ),
      )
    }
  }

  /** Checks credentials; sends the bearer token header after a basic login. False = refused (already answered). */
  private authenticate(call: Call, refuse: (status: Partial<grpc.StatusObject>) => void, auth = this.hooks.auth as Authenticator): boolean {
    const outcome = auth.check(call.metadata.get(AUTHORIZATION))
    if (!outcome.ok) {
      refuse({ code: grpc.status.UNAUTHENTICATED, details: outcome.details })
      return false
    }
    if (outcome.token !== undefined) {
      const headers = new grpc.Metadata()
      headers.set(BEARER_TOKEN, outcome.token)
      call.sendMetadata(headers)
    }
    return true
  }

  private async applyFaults(
    rpc: RpcName,
    call: Call,
    fail: (status: Partial<grpc.StatusObject>) => void,
    inBand: (errCode: number, message: string) => void,
  ): Promise<Verdict> {
    const action: FaultAction | undefined = this.hooks.faults.decide(rpc)
    if (action === undefined) return RUN
    switch (action.kind) {
      case 'delay':
        return (await this.hooks.faults.delay(action.ms, call)) ? RUN : { run: false }
      case 'stall':
        await action.released
        return RUN
      case 'fail':
        fail({ code: action.code, details: action.details })
        return { run: false }
      case 'error':
        inBand(action.errCode, action.message)
        return { run: false }
      case 'crash':
        if (action.when === 'after') return { run: true, crashAfter: true }
        this.hooks.crash()
        return { run: false }
    }
  }
}

/** A handler's way to answer with a gRPC status instead of a response. */
export class CallStatusError extends Error {
  constructor(
    readonly code: grpc.status,
    details: string,
  ) {
    super(details)
    this.name = 'CallStatusError'
  }
}

function answer<Res>(result: Res | Promise<Res>, callback: grpc.sendUnaryData<Res>): void {
  if (result instanceof Promise) {
    result.then(
      (r) => callback(null, r),
      (error: unknown) =>
        callback(
          error instanceof CallStatusError
            ? { code: error.code, details: error.message }
            : { code: grpc.status.INTERNAL, details: String(error) },
        ),
    )
  } else callback(null, result)
}
