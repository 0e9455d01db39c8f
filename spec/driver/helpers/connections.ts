import { type Connection, type ConnectOptions, connect } from '../../../lib/driver/index.js'

/** Connections a spec opens with `open` (with `defaults`, then the call's options), all closed by `closeAll`. */
export function openedConnections(defaults: ConnectOptions = { deadlineMs: 5000 }): {
  open: (connectionString: string, options?: ConnectOptions) => Connection
  closeAll: () => Promise<void>
} {
  const opened: Connection[] = []
  return {
    open: (connectionString, options) => {
      const connection = connect(connectionString, { ...defaults, ...options })
      opened.push(connection)
      return connection
    },
    closeAll: async () => {
      for (const connection of opened.splice(0)) await connection.close()
    },
  }
}
