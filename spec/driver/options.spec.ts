/**
 * `connect` options are validated like the connection string: unknown keys are rejected with the
 * nearest known one, values out of range say what is expected, and the channel options the driver
 * owns are checked too. Nothing is opened for options that are refused.
 */
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { CONNECT_OPTIONS, connect, DEFAULT_CHANNEL_OPTIONS, DEFAULT_CONNECT_TIMEOUT_MS } from '../../lib/driver/index.js'
import { CancelBudget } from '../../lib/driver/cancel-budget.js'
import { InvalidOptionsError } from '../../lib/ojai/errors.js'

const TARGET = '127.0.0.1:1?ssl=false'

function rejects(options: unknown, message: RegExp): void {
  let caught: unknown
  try {
    connect(TARGET, options as never).close()
  } catch (error) {
    caught = error
  }
  expect(caught, JSON.stringify(options)).toBeInstanceOf(InvalidOptionsError)
  expect((caught as Error).message).toMatch(message)
}

describe('connect options', () => {
  it.each([
    [{ deadline: 5 }, /connect options: unknown option "deadline" \(did you mean "deadlineMs"\?\)/],
    [{ DeadlineMs: 5 }, /did you mean "deadlineMs"/],
    [{ connectTimeout: 5 }, /did you mean "connectTimeoutMs"/],
    [{ channelOption: {} }, /did you mean "channelOptions"/],
    [{ loger: pino({ level: 'silent' }) }, /did you mean "logger"/],
    [
      { retries: 3 },
      /connect options: unknown option "retries" \(known options: logger, deadlineMs, findIdleMs, findDeadlineMs, connectTimeoutMs, cancelBudget, channelOptions, tls, closeGraceMs\)/,
    ],
    [{ tls: { cA: 'x' } }, /tls: unknown option "cA" \(did you mean "ca"\?\)/],
    [{ tls: { targetName: 'x' } }, /tls: unknown option "targetName" \(known options: ca, targetNameOverride\)/],
    [{ cancelBudget: { bursts: 5 } }, /cancelBudget: unknown option "bursts" \(did you mean "burst"\?\)/],
    [{ cancelBudget: { burst: 0 } }, /cancelBudget.burst must be an integer of at least 1; got 0/],
    [{ cancelBudget: { perSecond: -1 } }, /cancelBudget.perSecond must be a number above 0/],
    [{ cancelBudget: 5 }, /cancelBudget must be an object; got 5/],
    [{ connectTimeoutMs: 0 }, /connectTimeoutMs must be a number of ms above 0 and at most 2\^31-1, or Infinity for no limit; got 0/],
    [{ closeGraceMs: -1 }, /closeGraceMs must be an integer number of ms in \[0, 2\^31-1\] \(0 = cancel at once\); got -1/],
    [{ closeGraceMs: Infinity }, /closeGraceMs must be an integer number of ms in \[0, 2\^31-1\] \(0 = cancel at once\); got Infinity/],
    [{ connectTimeoutMs: -5 }, /connectTimeoutMs must be a number of ms .*; got -5/],
    [{ logger: {} }, /logger must be a pino logger/],
    [{ channelOptions: [] }, /channelOptions must be an object; got an array/],
    [
      { channelOptions: { 'grpc.keepalive_time': 1000 } },
      /channelOptions: unknown option "grpc.keepalive_time" \(did you mean "grpc.keepalive_time_ms"\?\)/,
    ],
    [{ channelOptions: { 'grpc.max_send_message_lenght': 1 } }, /did you mean "grpc.max_send_message_length"/],
    [
      { channelOptions: { 'grpc.keepalive_time_ms': 0 } },
      /channelOptions\["grpc.keepalive_time_ms"\] must be an integer in \[1, 2\^31-1\], or -1 for no keepalive; got 0/,
    ],
    [
      { channelOptions: { 'grpc.keepalive_timeout_ms': '5s' } },
      /channelOptions\["grpc.keepalive_timeout_ms"\] must be an integer in \[1, 2\^31-1\]; got "5s"/,
    ],
    [{ channelOptions: { 'grpc.max_send_message_length': 1.5 } }, /must be a positive integer of bytes, or -1 for no limit/],
    [
      { channelOptions: { 'grpc.use_local_subchannel_pool': 0 } },
      /channelOptions\["grpc.use_local_subchannel_pool"\] must be 1 \(each connection owns its TCP connections/,
    ],
    [{ channelOptions: { 'grpc.keepalive_permit_without_calls': 2 } }, /must be one of 0, 1; got 2/],
    [null, /connect options must be an object; got null/],
  ])('rejects %j', (options, message) => {
    rejects(options, message)
  })

  it('accepts every documented key, and channel options it does not own as given', () => {
    const connection = connect(TARGET, {
      logger: pino({ level: 'silent' }),
      deadlineMs: 1000,
      connectTimeoutMs: 1000,
      cancelBudget: { burst: 10, perSecond: 1 },
      channelOptions: {
        'grpc.keepalive_time_ms': -1,
        'grpc.max_receive_message_length': -1,
        'grpc.primary_user_agent': 'app/1',
        'grpc-node.flow_control_window': 1 << 20,
      },
      tls: {},
      closeGraceMs: 0,
    })
    expect(connection.info).toMatchObject({ deadlineMs: 1000, connectTimeoutMs: 1000 })
    connection.close()
    expect(CONNECT_OPTIONS).toEqual([
      'logger',
      'deadlineMs',
      'findIdleMs',
      'findDeadlineMs',
      'connectTimeoutMs',
      'cancelBudget',
      'channelOptions',
      'tls',
      'closeGraceMs',
    ])
  })

  it('defaults: keepalive on, a connect timeout, own subchannels', () => {
    expect(DEFAULT_CONNECT_TIMEOUT_MS).toBe(5000)
    expect(DEFAULT_CHANNEL_OPTIONS).toMatchObject({
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 0,
      'grpc.use_local_subchannel_pool': 1,
    })
    const connection = connect(TARGET)
    expect(connection.info.connectTimeoutMs).toBe(5000)
    connection.close()
  })
})

describe('CancelBudget', () => {
  it('allows a burst, then the refill rate, never more than the burst', () => {
    let now = 0
    const budget = new CancelBudget({ burst: 3, perSecond: 2 }, () => now)
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([true, true, true, false])
    now += 499
    expect(budget.take()).toBe(false)
    now += 1
    expect(budget.take()).toBe(true) // 0.5 s at 2/s: one more
    expect(budget.take()).toBe(false)
    now += 60_000
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([true, true, true, false])
  })
})
