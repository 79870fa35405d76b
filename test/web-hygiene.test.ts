import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { TestSocket, connectV2 } from "./helpers/ws-client.js";

// Browsers: only our own origin and ALLOWED_ORIGINS may call the API or open sockets.
let gateway: Gateway;
let token: string;
beforeAll(async () => {
  gateway = await startGateway({ ALLOWED_ORIGINS: "https://analyst.example" });
  token = await mintToken({ secret: gateway.jwtSecret, sub: "cora" });
});
afterAll(() => gateway?.stop());

describe("CORS", () => {
  it("answers a preflight from an allowed origin with the methods and headers the API uses", async () => {
    const response = await gateway.fetch("/api/notifications", {
      method: "OPTIONS",
      headers: { Origin: "https://analyst.example", "Access-Control-Request-Method": "GET" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("https://analyst.example");
    expect(response.headers.get("Access-Control-Allow-Headers")).toContain("Authorization");
  });

  it("refuses a preflight from another origin with 403", async () => {
    const response = await gateway.fetch("/api/notifications", {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "GET" },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(await response.json()).toMatchObject({ code: 40301 });
  });

  it("lets only allowed origins read API responses", async () => {
    const allowed = await gateway.fetch("/api/notifications", {
      headers: { Origin: "https://analyst.example", Authorization: `Bearer ${token}` },
    });
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("https://analyst.example");
    const other = await gateway.fetch("/api/notifications", {
      headers: { Origin: "https://evil.example", Authorization: `Bearer ${token}` },
    });
    expect(other.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});

describe("browser WebSocket upgrades", () => {
  it("refuses a socket from a foreign origin before the upgrade (legacy and v2)", async () => {
    for (const headers of [{}, { Authorization: `Bearer ${token}` }] as Array<Record<string, string>>) {
      const socket = new TestSocket(gateway.socketUrl, { headers, origin: "https://evil.example" });
      await expect(socket.opened()).rejects.toThrow(/upgrade refused: 403/);
    }
  });

  it("accepts sockets from an allowed origin and from clients that send no Origin", async () => {
    const allowed = new TestSocket(gateway.socketUrl, {
      headers: { Authorization: `Bearer ${token}` },
      origin: "https://analyst.example",
    });
    await allowed.opened();
    expect((await allowed.next()).type).toBe("auth_ok");
    allowed.close();
    const native = await connectV2(gateway.socketUrl, token);
    native.socket.close();
  });
});
