import { status } from '@grpc/grpc-js'
import { describe, expect, it } from 'vitest'
import { errorFromStatus, provesUnsent } from '../../lib/driver/status-errors.js'
import {
  AccessDeniedError,
  AuthenticationError,
  DeadlineExceededError,
  ResourceExhaustedError,
  ServerError,
  UnavailableError,
  UnsupportedOperationError,
  isAvailabilityError,
  isUnsent,
} from '../../lib/ojai/errors.js'

const ctx = { rpc: 'FindById', target: 'h:1', channelReady: false }
const REFUSED = 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: '

describe('errorFromStatus', () => {
  it('maps a refused connection to an unsent UnavailableError', () => {
    const e = errorFromStatus({ code: status.UNAVAILABLE, details: REFUSED }, ctx)
    expect(e).toBeInstanceOf(UnavailableError)
    expect(isUnsent(e)).toBe(true)
    expect(isAvailabilityError(e)).toBe(true)
    expect(e.message).toContain('FindById on h:1')
  })

  it('does not call a dropped connection unsent', () => {
    const e = errorFromStatus({ code: status.UNAVAILABLE, details: 'Connection dropped' }, ctx)
    expect(e).toBeInstanceOf(UnavailableError)
    expect(isUnsent(e)).toBe(false)
  })

  it('does not believe a server that claims "No connection established" over a READY channel', () => {
    expect(provesUnsent({ code: status.UNAVAILABLE, details: REFUSED }, true)).toBe(false)
  })

  it('treats unresolvable names and refused streams as unsent', () => {
    expect(provesUnsent({ code: status.UNAVAILABLE, details: 'Name resolution failed for target dns:nowhere.invalid:5678' }, false)).toBe(true)
    expect(provesUnsent({ code: status.UNAVAILABLE, details: 'Stream refused by server' }, false)).toBe(true)
  })

  it('maps a deadline that passed while waiting for a connection to an unsent UnavailableError', () => {
    const e = errorFromStatus({ code: status.DEADLINE_EXCEEDED, details: 'Deadline exceeded after 0.201s,Waiting for LB pick' }, ctx)
    expect(e).toBeInstanceOf(UnavailableError)
    expect(isUnsent(e)).toBe(true)
  })

  it('maps a deadline on a started call to DeadlineExceededError', () => {
    const e = errorFromStatus({ code: status.DEADLINE_EXCEEDED, details: 'Deadline exceeded after 0.201s,LB pick: 0.001s,remote_addr=127.0.0.1:1' }, { ...ctx, channelReady: true })
    expect(e).toBeInstanceOf(DeadlineExceededError)
    expect(isAvailabilityError(e)).toBe(true)
  })

  it.each([
    [status.RESOURCE_EXHAUSTED, ResourceExhaustedError, true],
    [status.UNAUTHENTICATED, AuthenticationError, false],
    [status.PERMISSION_DENIED, AccessDeniedError, false],
    [status.UNIMPLEMENTED, UnsupportedOperationError, false],
    [status.CANCELLED, UnavailableError, true],
    [status.INTERNAL, ServerError, false],
    [status.UNKNOWN, ServerError, false],
  ])('maps status %i', (code, type, availability) => {
    const e = errorFromStatus({ code, details: 'x' }, ctx)
    expect(e).toBeInstanceOf(type)
    expect(isAvailabilityError(e)).toBe(availability)
  })
})
