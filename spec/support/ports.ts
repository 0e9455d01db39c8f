import net from 'node:net'

/** A port on 127.0.0.1 where nothing listens (bound, read, released): free to listen on, or refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * Makes `port` on 127.0.0.1 taken: listens on it, or finds it already taken by someone else
 * (then resolves `undefined`: nothing of ours to close). Any other failure rejects.
 */
export async function occupy(port: number): Promise<{ close: () => Promise<void> } | undefined> {
  const server = net.createServer()
  const bound = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)))
    server.listen(port, '127.0.0.1', () => resolve(true))
  })
  return bound ? { close: () => new Promise<void>((resolve) => server.close(() => resolve())) } : undefined
}
