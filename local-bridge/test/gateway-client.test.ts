import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { loadBridgeConfig } from "../src/config.js";
import { GatewayClient, GatewayRejected, GatewayUnavailable } from "../src/gateway-client.js";

// The worker as the bridge may meet it: slow, broken, or answering oddly.
// A real HTTP server on loopback plays it; the client under test is ours, unchanged.
let server: Server | undefined;
let client: GatewayClient | undefined;
afterEach(async () => {
  client?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = client = undefined;
});

async function worker(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ client: GatewayClient; connections: () => number }> {
  let connections = 0;
  server = createServer(handle);
  server.on("connection", (_socket: Socket) => (connections += 1));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  client = new GatewayClient(
    loadBridgeConfig({
      BRIDGE_TOKEN: "t".repeat(40),
      GATEWAY_URL: `http://127.0.0.1:${port}`,
      GATEWAY_TIMEOUT_MS: "300",
    }),
  );
  return { client, connections: () => connections };
}

describe("GatewayClient", () => {
  it("sends the service secret and reuses one kept-alive connection", async () => {
    const seen: Array<string | undefined> = [];
    const gateway = await worker((req, res) => {
      seen.push(req.headers.authorization);
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ status: "ok", connections: 0, users: {} }));
    });
    for (let i = 0; i < 3; i++) expect(await gateway.client.health()).toMatchObject({ status: "ok" });
    expect(seen).toEqual(Array(3).fill(`Bearer ${"t".repeat(40)}`));
    expect(gateway.connections()).toBe(1);
  });

  it("gives up on a worker that never answers after GATEWAY_TIMEOUT_MS", async () => {
    const gateway = await worker(() => {}); // accepts, reads, never answers
    const started = Date.now();
    const error = await gateway.client.health().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayUnavailable);
    expect(error).toMatchObject({ timedOut: true, message: "timed out" });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("passes a refusal on with its status and body", async () => {
    const gateway = await worker((_req, res) => {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: "Missing or invalid Authorization header", code: 40101 }));
    });
    const error = await gateway.client.dispatchBatch([]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayRejected);
    expect(error).toMatchObject({ status: 401, body: { code: 40101 } });
  });

  it("treats an answer without JSON, or cut off midway, as unreachable (retried later)", async () => {
    const plain = await worker((_req, res) => res.end("<html>bad gateway</html>"));
    expect(await plain.client.health().catch((e: unknown) => e)).toMatchObject({
      name: "GatewayUnavailable",
      message: "answered 200 without JSON",
    });
    client?.close();
    server?.close();
    const cut = await worker((_req, res) => {
      res.writeHead(200, { "Content-Length": "100" });
      res.write('{"status":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    expect(await cut.client.health().catch((e: unknown) => e)).toBeInstanceOf(GatewayUnavailable);
  });

  it("reports a worker that is not listening by its error code", async () => {
    const gateway = await worker(() => {});
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    const error = await gateway.client.health().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "GatewayUnavailable", message: "ECONNREFUSED", timedOut: false });
  });
});
