// Connection caps and timeouts on the HTTP server itself, applied before any request is parsed:
// at most `maxConnections` sockets in all (the kernel's file descriptors are finite) and
// `maxConnectionsPerClient` from one address, so one client opening many connections cannot
// starve the others; headers must arrive within the headers timeout, a whole request within the
// request timeout, and idle keep-alive connections close.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ServiceLimits } from './limits.js';

/** Node's http.Server options for the limits (passed to fastify's `http` option). */
export function serverTimeouts(l: Required<ServiceLimits>) {
  const headersTimeout = l.headersTimeoutSeconds * 1000;
  return {
    headersTimeout,
    requestTimeout: l.requestTimeoutSeconds * 1000,
    keepAliveTimeout: l.keepAliveTimeoutSeconds * 1000,
    // How often Node checks the two timeouts above (its default, 30 s, would let a slow client
    // hold its connection up to 30 s past them).
    connectionsCheckingInterval: Math.max(250, Math.min(1000, headersTimeout / 4)),
  };
}

/** Counts sockets per remote address; one over the cap is destroyed before a byte is read. */
export function capConnections(server: Server, l: Required<ServiceLimits>): { readonly refused: () => number } {
  server.maxConnections = l.maxConnections;
  const open = new Map<string, number>();
  let refused = 0;
  server.on('connection', (socket: Socket) => {
    const who = socket.remoteAddress ?? '?';
    const n = (open.get(who) ?? 0) + 1;
    if (n > l.maxConnectionsPerClient) {
      refused++;
      socket.destroy();
      return;
    }
    open.set(who, n);
    socket.once('close', () => {
      const left = (open.get(who) ?? 1) - 1;
      if (left === 0) open.delete(who);
      else open.set(who, left);
    });
  });
  return { refused: () => refused };
}
