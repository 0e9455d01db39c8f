/**
 * Every failure grpc-js 1.14 reports on the client (the texts are copied from its sources:
 * picker.ts, internal-channel.ts, resolving-call.ts, load-balancing-call.ts, subchannel-call.ts,
 * compression-filter.ts, client.ts), plus what a gateway itself sends, each mapped to an outage
 * (availability error) or an answer, and `unsent` only where provable.
 */
import { status } from '@grpc/grpc-js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { classifyStatus, errorFromStatus, provesUnsent } from '../../lib/driver/status-errors.js'
import {
  AccessDeniedError,
  AuthenticationError,
  DeadlineExceededError,
  DocumentTooLargeError,
  InvalidArgumentError,
  ResourceExhaustedError,
  ServerError,
  UnavailableError,
  UnsupportedOperationError,
  isAvailabilityError,
  isUnsent,
} from '../../lib/ojai/errors.js'

const ctx = { rpc: 'FindById', target: 'h:1', channelReady: false }
const REFUSED = 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: '

type Row = readonly [string, number, string, abstract new (...args: never[]) => Error, boolean, boolean]

/** [what, code, details, error class, availability, unsent] with the channel not READY. */
const TABLE: readonly Row[] = [
  // Never sent: no HTTP/2 stream was ever created.
  ['refused connection (pick_first UnavailablePicker)', status.UNAVAILABLE, REFUSED, UnavailableError, true, true],
  ['no connection yet', status.UNAVAILABLE, 'No connection established', UnavailableError, true, true],
  ['unresolvable name', status.UNAVAILABLE, 'Name resolution failed for target dns:nowhere.invalid:5678', UnavailableError, true, true],
  ['stream refused (REFUSED_STREAM)', status.UNAVAILABLE, 'Stream refused by server', UnavailableError, true, true],
  [
    'channel closed while the call waited for a connection',
    status.UNAVAILABLE,
    'Channel closed before call started',
    UnavailableError,
    true,
    true,
  ],
  [
    'deadline while waiting for a connection',
    status.DEADLINE_EXCEEDED,
    'Deadline exceeded after 0.201s,Waiting for LB pick',
    UnavailableError,
    true,
    true,
  ],
  // Transport failures: the request may have been applied.
  ['connection dropped mid-call', status.UNAVAILABLE, 'Connection dropped', UnavailableError, true, false],
  ['socket reset mid-call', status.UNAVAILABLE, 'read ECONNRESET', UnavailableError, true, false],
  ['write failed', status.UNAVAILABLE, 'Write failed with error write EPIPE', UnavailableError, true, false],
  ['proxy answered 502/503/504/429', status.UNAVAILABLE, 'Received HTTP status code 503', UnavailableError, true, false],
  [
    'session closed by GOAWAY (rapid-reset protection)',
    status.INTERNAL,
    'Received RST_STREAM with code 2 triggered by internal client error: Session closed with error code 2',
    UnavailableError,
    true,
    false,
  ],
  [
    'GOAWAY before the stream started',
    status.INTERNAL,
    'Received RST_STREAM with code 2 triggered by internal client error: New streams cannot be created after receiving a GOAWAY',
    UnavailableError,
    true,
    false,
  ],
  [
    'HTTP/2 protocol error',
    status.INTERNAL,
    'Received RST_STREAM with code 1 triggered by internal client error: Protocol error',
    UnavailableError,
    true,
    false,
  ],
  [
    'server reset the stream (INTERNAL_ERROR)',
    status.INTERNAL,
    'Received RST_STREAM with code 2 (Internal server error)',
    UnavailableError,
    true,
    false,
  ],
  [
    'stream ended without a status',
    status.INTERNAL,
    'Received RST_STREAM with code 0 (Call ended without gRPC status)',
    UnavailableError,
    true,
    false,
  ],
  ['other stream reset', status.INTERNAL, 'Received RST_STREAM with code 7', UnavailableError, true, false],
  [
    'session failed between pick and stream',
    status.INTERNAL,
    'Failed to start HTTP/2 stream with error The session has been destroyed',
    UnavailableError,
    true,
    false,
  ],
  ['stream ended without trailers', status.UNKNOWN, 'No status information received', UnavailableError, true, false],
  ['corrupt compressed message', status.INTERNAL, 'Failed to decompress gzip-encoded message', UnavailableError, true, false],
  ['proxy answered 500', status.UNKNOWN, 'Received HTTP status code 500', UnavailableError, true, false],
  ['cancelled by the server (shutting down)', status.CANCELLED, 'Call cancelled', UnavailableError, true, false],
  // Other availability errors.
  [
    'deadline on a started call',
    status.DEADLINE_EXCEEDED,
    'Deadline exceeded after 0.201s,LB pick: 0.001s,remote_addr=127.0.0.1:1',
    DeadlineExceededError,
    true,
    false,
  ],
  ['server busy', status.RESOURCE_EXHAUSTED, 'too many concurrent requests', ResourceExhaustedError, true, false],
  [
    'ENHANCE_YOUR_CALM stream reset',
    status.RESOURCE_EXHAUSTED,
    'Bandwidth exhausted or memory limit exceeded',
    ResourceExhaustedError,
    true,
    false,
  ],
  // Size limits: answers (every cluster has the same limit).
  [
    'response over the client receive limit',
    status.RESOURCE_EXHAUSTED,
    'Received message larger than max (40000000 vs 33554432)',
    DocumentTooLargeError,
    false,
    false,
  ],
  [
    'request over the gateway receive limit',
    status.RESOURCE_EXHAUSTED,
    'Received message larger than max (40000000 vs. 33554432)',
    DocumentTooLargeError,
    false,
    false,
  ],
  [
    'response over the gateway send limit',
    status.RESOURCE_EXHAUSTED,
    'Sent message larger than max (40000000 vs. 33554432)',
    DocumentTooLargeError,
    false,
    false,
  ],
  [
    'request over the client send limit',
    status.RESOURCE_EXHAUSTED,
    'Attempted to send message with a size larger than 33554432',
    DocumentTooLargeError,
    false,
    false,
  ],
  [
    'decompressed response over the limit',
    status.RESOURCE_EXHAUSTED,
    'Received message that decompresses to a size larger than 33554432',
    DocumentTooLargeError,
    false,
    false,
  ],
  [
    'grpc-java size limit',
    status.RESOURCE_EXHAUSTED,
    'gRPC message exceeds maximum size 33554432: 40000000',
    DocumentTooLargeError,
    false,
    false,
  ],
  // Answers from a gateway that is up.
  ['wrong credentials', status.UNAUTHENTICATED, 'invalid user name or password', AuthenticationError, false, false],
  ['proxy answered 401', status.UNAUTHENTICATED, 'Received HTTP status code 401', AuthenticationError, false, false],
  ['permission denied', status.PERMISSION_DENIED, 'no access', AccessDeniedError, false, false],
  ['invalid argument', status.INVALID_ARGUMENT, 'bad table path', InvalidArgumentError, false, false],
  ['unimplemented', status.UNIMPLEMENTED, 'unknown method', UnsupportedOperationError, false, false],
  ['server sent two answers to a unary call', status.UNIMPLEMENTED, 'Too many responses received', UnsupportedOperationError, false, false],
  ['gateway INTERNAL status', status.INTERNAL, 'NullPointerException in handler', ServerError, false, false],
  ['gateway handler threw', status.UNKNOWN, 'boom', ServerError, false, false],
  [
    'request serialization failure (a client bug)',
    status.INTERNAL,
    'Request message serialization failure: bad',
    ServerError,
    false,
    false,
  ],
  [
    'duplicate authorization header (a client bug)',
    status.INTERNAL,
    '"authorization" metadata cannot have multiple values',
    ServerError,
    false,
    false,
  ],
  ['proxy answered 400', status.INTERNAL, 'Received HTTP status code 400', ServerError, false, false],
  ['failed precondition', status.FAILED_PRECONDITION, 'x', ServerError, false, false],
  ['aborted', status.ABORTED, 'x', ServerError, false, false],
  ['out of range', status.OUT_OF_RANGE, 'x', ServerError, false, false],
  ['data loss', status.DATA_LOSS, 'x', ServerError, false, false],
  ['not found', status.NOT_FOUND, 'x', ServerError, false, false],
  ['already exists', status.ALREADY_EXISTS, 'x', ServerError, false, false],
]

describe('errorFromStatus: every failure grpc-js reports', () => {
  it.each(TABLE)('%s', (_what, code, details, type, availability, unsent) => {
    const e = errorFromStatus({ code, details }, ctx)
    expect(e).toBeInstanceOf(type)
    expect(isAvailabilityError(e)).toBe(availability)
    expect(isUnsent(e)).toBe(unsent)
    expect(e.message).toContain('FindById on h:1')
  })

  it('over a READY channel, nothing is unsent but a deadline that never got a connection', () => {
    for (const [what, code, details, , , unsent] of TABLE) {
      const e = errorFromStatus({ code, details }, { ...ctx, channelReady: true })
      expect(isUnsent(e), what).toBe(unsent && code === status.DEADLINE_EXCEEDED)
    }
  })

  it('does not believe a server that claims "No connection established" over a READY channel', () => {
    expect(provesUnsent({ code: status.UNAVAILABLE, details: REFUSED }, true)).toBe(false)
  })

  it('a status that is not UNAVAILABLE or a deadline is never unsent, whatever its text (property)', () => {
    const codes = fc.integer({ min: 1, max: 16 }).filter((c) => c !== status.UNAVAILABLE && c !== status.DEADLINE_EXCEEDED)
    fc.assert(
      fc.property(codes, fc.oneof(fc.string(), fc.constantFrom(...TABLE.map((r) => r[2]))), fc.boolean(), (code, details, ready) => {
        expect(isUnsent(errorFromStatus({ code, details }, { ...ctx, channelReady: ready }))).toBe(false)
      }),
    )
  })

  it('transport failures are never answers, answers never availability errors (property over the kinds)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.string(), fc.boolean(), (code, details, ready) => {
        const kind = classifyStatus({ code, details }, ready)
        const e = errorFromStatus({ code, details }, { ...ctx, channelReady: ready })
        expect(isAvailabilityError(e)).toBe(kind !== 'answer' && kind !== 'too-large')
      }),
    )
  })

  it('takes credentials out of the details the gateway wrote', () => {
    const e = errorFromStatus(
      { code: status.UNAUTHENTICATED, details: 'bad password Hunter2 for mapr' },
      { ...ctx, redact: (t) => t.replaceAll('Hunter2', '***') },
    )
    expect(e.message).not.toContain('Hunter2')
    expect(JSON.stringify(e.cause)).not.toContain('Hunter2')
  })
})
