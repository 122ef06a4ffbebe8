import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';

/**
 * Stops accepting connections and lets the open ones finish. http.Server#close would also cut every
 * idle keep-alive connection at once, racing a client that is sending its next request on one right
 * then (it sees a reset, and a POST is not safely retried). Closing only the listener instead lets
 * each connection end after its next response, marked `Connection: close`, or at its keep-alive
 * timeout, which clients know from the Keep-Alive header. Whatever is still open after `graceMs` is cut.
 */
export function drainServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    server.on('request', (_req: unknown, res: ServerResponse) => {
      res.shouldKeepAlive = false;
    });
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    NetServer.prototype.close.call(server, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
