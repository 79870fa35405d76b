import { connect, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
  /** http://127.0.0.1:<port>/ */
  url: string;
  /** Closed: every connection is reset at once, as if nothing listened behind it. */
  setOpen(open: boolean): void;
  /** Delays every chunk in both directions (a slow network). */
  setLatencyMs(ms: number): void;
  stop(): Promise<void>;
}

/**
 * A loopback TCP relay in front of the worker, so a test decides when the
 * bridge can reach it (the worker itself stays real and is restarted for real).
 */
export async function startTcpProxy(targetPort: () => number): Promise<TcpProxy> {
  let open = false;
  let latencyMs = 0;
  const sockets = new Set<Socket>();
  const relay = (from: Socket, to: Socket) =>
    from.on("data", (chunk) => {
      if (latencyMs === 0) to.write(chunk);
      else setTimeout(() => to.writable && to.write(chunk), latencyMs);
    });
  const server: Server = createServer((client) => {
    if (!open) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort(), "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    relay(client, upstream);
    relay(upstream, client);
    client.on("end", () => setTimeout(() => upstream.end(), latencyMs));
    upstream.on("end", () => setTimeout(() => client.end(), latencyMs));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    setOpen(value) {
      open = value;
      if (!open) for (const socket of sockets) socket.destroy();
    },
    setLatencyMs(ms) {
      latencyMs = ms;
    },
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
