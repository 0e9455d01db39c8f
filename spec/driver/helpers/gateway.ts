import { ScriptedServer } from './scripted-server.js'

export interface TestGateway {
  readonly port: number
  requestCount(): number
  /** Calls of this RPC never answer from now on. */
  stall(rpc: 'TableExists' | 'FindById' | 'Find'): void
  close(): Promise<void>
}

export async function startTestGateway(options: { port?: number } = {}): Promise<TestGateway> {
  const server = await ScriptedServer.start({}, options.port ?? 0)
  return {
    port: server.port,
    requestCount: () => server.calls.length,
    stall: (rpc) => {
      server.handlers[rpc] = () => undefined
    },
    close: () => server.close(),
  }
}
