/** Real-socket helpers shared by the chaos specs: an echo server and bounded reads. */
import net from 'node:net'

export interface EchoServer {
  readonly port: number
  /** Bytes the server has received, over all connections. */
  received(): string
  /** Connections the server has accepted. */
  connections(): number
  /** Accepted connections still open on the server's side (no FIN, RST or close seen yet). */
  openConnections(): number
  close(): Promise<void>
}

export async function startEchoServer(): Promise<EchoServer> {
  let received = ''
  let connections = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8')
      socket.write(chunk)
    })
    socket.on('error', () => undefined)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as net.AddressInfo
  return {
    port: address.port,
    received: () => received,
    connections: () => connections,
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

export interface Observed {
  data: string
  ended: boolean
  closed: boolean
  error: NodeJS.ErrnoException | undefined
}

/** A client socket that records everything that happens to it. */
export class Client {
  readonly socket: net.Socket
  readonly seen: Observed = { data: '', ended: false, closed: false, error: undefined }
  private readonly connected: Promise<void>

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port })
    this.socket.on('data', (chunk: Buffer) => (this.seen.data += chunk.toString('utf8')))
    this.socket.on('end', () => (this.seen.ended = true))
    this.socket.on('close', () => (this.seen.closed = true))
    this.socket.on('error', (error: NodeJS.ErrnoException) => (this.seen.error = error))
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve())
      this.socket.once('error', reject)
    })
  }

  /** Resolves on connect, rejects with the connect error. */
  connect(): Promise<void> {
    return this.connected
  }

  write(text: string): void {
    this.socket.write(text)
  }

  /** Waits until `predicate` holds or `withinMs` passes; returns whether it held. */
  async until(predicate: (seen: Observed) => boolean, withinMs: number): Promise<boolean> {
    const deadline = Date.now() + withinMs
    while (!predicate(this.seen)) {
      if (Date.now() >= deadline) return false
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    return true
  }

  destroy(): void {
    this.socket.destroy()
  }
}

/** Waits until `predicate` holds or `withinMs` passes. */
export async function eventually(predicate: () => boolean, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs
  while (!predicate()) {
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return true
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
