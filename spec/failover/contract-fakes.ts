/**
 * Stand-ins for the `Query` and `Mutation` contract (lib/ojai/query.ts, mutation.ts) used only
 * while those modules are still declaration stubs with no runtime value. Specs mock the modules
 * with {@link realOrFake}: the real implementation when it exists, these otherwise. They
 * implement just the documented behaviour the failover core relies on.
 */
import type { DocumentId } from '../../lib/ojai/values.js'

type Json = Record<string, unknown>

function parse(input: unknown): Json {
  if (input === undefined) return {}
  if (typeof input === 'string') return JSON.parse(input) as Json
  return input as Json
}

export class FakeQuery {
  private constructor(readonly json: Json) {}

  static from(input: unknown): FakeQuery {
    return input instanceof FakeQuery ? input : new FakeQuery(parse(input))
  }

  static parse(input: unknown): FakeQuery {
    return new FakeQuery(parse(input))
  }

  get isIdOrdered(): boolean {
    const order = this.json['$orderby'] as Record<string, string> | undefined
    if (order === undefined) return true
    const keys = Object.keys(order)
    return keys.length === 1 && keys[0] === '_id' && order['_id'] !== 'desc'
  }

  resumeAfter(lastId: DocumentId, delivered: number): FakeQuery {
    const where = this.json['$where'] as Json | undefined
    const after = { $gt: { _id: lastId } }
    const limit = this.json['$limit'] as number | undefined
    return new FakeQuery({
      ...this.json,
      $where: where === undefined ? after : { $and: [where, after] },
      $offset: 0,
      ...(limit === undefined ? {} : { $limit: Math.max(0, limit - delivered) }),
    })
  }

  toJsonString(): string {
    return JSON.stringify(this.json)
  }
}

export class FakeMutation {
  private constructor(readonly json: Json) {}

  static from(input: unknown): FakeMutation {
    return input instanceof FakeMutation ? input : new FakeMutation(parse(input))
  }

  static parse(input: unknown): FakeMutation {
    return new FakeMutation(parse(input))
  }

  get isIdempotent(): boolean {
    return !['$increment', '$decrement', '$append'].some((k) => k in this.json)
  }

  toJsonString(): string {
    return JSON.stringify(this.json)
  }
}

/** The real module when its class has a runtime value, else the module with the fake class in. */
export function realOrFake<M extends object>(real: M, key: string, fake: unknown): M {
  return typeof (real as Record<string, unknown>)[key] === 'function' ? real : { ...real, [key]: fake }
}
