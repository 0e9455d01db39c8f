/**
 * proto3 requires every `string` field to be valid UTF-8, but protobufjs decodes invalid bytes
 * to U+FFFD, so a request with broken text would be stored silently altered. The gateway's
 * services are wrapped so that each request's string fields (nested messages included) are
 * checked on the wire bytes first; a request with invalid UTF-8 is decoded as usual but marked,
 * and the handler answers it with INVALID_ARGUMENT naming the field, writing nothing.
 */
import { isUtf8 } from 'node:buffer'
import type * as grpc from '@grpc/grpc-js'
import type { PackageDefinition } from '@grpc/proto-loader'
import { InvalidArgumentError } from '../ojai/errors.js'

/** The length-delimited fields to check of one message type: strings, and messages to look into. */
interface Schema {
  readonly fields: ReadonlyMap<number, { readonly name: string; readonly nested: Schema | undefined }>
}

interface FieldDescriptor {
  readonly name: string
  readonly number: number
  readonly type: string
  readonly typeName: string
}

interface MessageDefinition {
  readonly type?: { readonly field?: readonly FieldDescriptor[] }
}

/** Requests with invalid UTF-8: the (snake_case) path of the first such field. */
const marked = new WeakMap<object, string>()

/** The field of `request` that held invalid UTF-8 on the wire, if any. */
export function invalidUtf8Field(request: unknown): string | undefined {
  return typeof request === 'object' && request !== null ? marked.get(request) : undefined
}

/** Throws INVALID_ARGUMENT when `request` held invalid UTF-8 on the wire. */
export function requireValidUtf8(request: unknown): void {
  const field = invalidUtf8Field(request)
  if (field !== undefined) throw new InvalidArgumentError(`${field} is not valid UTF-8 (proto3 strings must be); nothing was done`)
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}

function schemaOf(
  definition: MessageDefinition | undefined,
  resolve: (typeName: string) => MessageDefinition | undefined,
  depth = 0,
): Schema {
  const fields = new Map<number, { name: string; nested: Schema | undefined }>()
  for (const f of definition?.type?.field ?? []) {
    if (f.type === 'TYPE_STRING') fields.set(f.number, { name: snake(f.name), nested: undefined })
    else if (f.type === 'TYPE_MESSAGE' && depth < 8)
      fields.set(f.number, { name: snake(f.name), nested: schemaOf(resolve(f.typeName), resolve, depth + 1) })
  }
  return { fields }
}

/** Reads a varint at `at`; [value, next offset], or undefined when malformed. */
function varint(buf: Uint8Array, at: number): [number, number] | undefined {
  let value = 0
  let scale = 1
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const b = buf[i] as number
    value += (b & 0x7f) * scale
    if (b < 0x80) return [value, i + 1]
    scale *= 128
  }
  return undefined
}

/**
 * The path of the first string field (per `schema`) whose bytes are not valid UTF-8. Malformed
 * protobuf is left to the real decoder (which answers it with a gRPC status).
 */
export function firstInvalidUtf8(buf: Uint8Array, schema: Schema, start = 0, end = buf.length): string | undefined {
  let i = start
  while (i < end) {
    const tag = varint(buf, i)
    if (tag === undefined) return undefined
    i = tag[1]
    const wireType = tag[0] % 8
    const field = Math.floor(tag[0] / 8)
    if (wireType === 0) {
      const skipped = varint(buf, i)
      if (skipped === undefined) return undefined
      i = skipped[1]
    } else if (wireType === 1) i += 8
    else if (wireType === 5) i += 4
    else if (wireType === 2) {
      const len = varint(buf, i)
      if (len === undefined || len[1] + len[0] > end) return undefined
      const from = len[1]
      const to = from + len[0]
      const f = schema.fields.get(field)
      if (f !== undefined) {
        if (f.nested === undefined) {
          if (!isUtf8(buf.subarray(from, to))) return f.name
        } else {
          const inner = firstInvalidUtf8(buf, f.nested, from, to)
          if (inner !== undefined) return `${f.name}.${inner}`
        }
      }
      i = to
    } else return undefined
  }
  return undefined
}

/**
 * `service` with every method's request deserializer checking UTF-8 first (see the module
 * comment). `definitions` resolves nested message types, named relative to `packageName`.
 */
export function strictUtf8<S extends grpc.ServiceDefinition>(service: S, definitions: PackageDefinition, packageName: string): S {
  const resolve = (typeName: string) =>
    (definitions[typeName.startsWith('.') ? typeName.slice(1) : `${packageName}.${typeName}`] ?? definitions[typeName]) as
      MessageDefinition | undefined
  const wrapped: Record<string, grpc.MethodDefinition<object, object>> = {}
  for (const [name, method] of Object.entries(service) as [
    string,
    grpc.MethodDefinition<object, object> & { requestType?: MessageDefinition },
  ][]) {
    const schema = schemaOf(method.requestType, resolve)
    const deserialize = method.requestDeserialize
    wrapped[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        const request = deserialize(bytes)
        const bad = schema.fields.size === 0 ? undefined : firstInvalidUtf8(bytes, schema)
        if (bad !== undefined && typeof request === 'object' && request !== null) marked.set(request, bad)
        return request
      },
    }
  }
  return wrapped as unknown as S
}
