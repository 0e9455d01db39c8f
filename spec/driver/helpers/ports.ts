import net from 'node:net'

export { closedPort } from '../../support/ports.js'

/** A TCP server that accepts connections and never says a word (no HTTP/2 handshake). */
export async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/**
 * A listener in front of a gateway that first accepts connections and never answers (a half-dead
 * middlebox), then, after `forward()`, forwards new connections to the gateway. Connections
 * accepted before stay held for ever: only the client can close them.
 */
export async function holdingListener(targetPort: number): Promise<{
  port: number
  forward: () => void
  /** Connections accepted while holding, and how many of them the client has closed. */
  held: () => { accepted: number; closedByClient: number }
  close: () => Promise<void>
}> {
  let forwarding = false
  let closing = false
  const sockets = new Set<net.Socket>()
  let accepted = 0
  let closedByClient = 0
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.on('close', () => sockets.delete(socket))
    if (!forwarding) {
      accepted++
      socket.on('close', () => {
        if (!closing) closedByClient++
      })
      socket.resume() // read and drop, so the client's FIN is seen
      return
    }
    const upstream = net.connect(targetPort, '127.0.0.1')
    sockets.add(upstream)
    upstream.on('error', () => socket.destroy())
    upstream.on('close', () => sockets.delete(upstream))
    socket.on('close', () => upstream.destroy())
    upstream.on('close', () => socket.destroy())
    socket.pipe(upstream).pipe(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    port,
    forward: () => {
      forwarding = true
    },
    held: () => ({ accepted, closedByClient }),
    close: () =>
      new Promise<void>((resolve) => {
        closing = true
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
