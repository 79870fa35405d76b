import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";

// Assumptions about the edge, made settings: which header carries the
// client's address, and bridge settings that cannot work stop the gateway
// with a message instead of half-working.
describe("CLIENT_ADDRESS_HEADER behind a proxy", () => {
  let proxied: Gateway;
  let badToken: string;
  beforeAll(async () => {
    proxied = await startGateway({
      CLIENT_ADDRESS_HEADER: "X-Forwarded-For",
      AUTH_FAILURES_PER_ADDRESS: "2",
      AUTH_FAILURE_WINDOW_SECONDS: "60",
    });
    badToken = await mintToken({ secret: "x".repeat(64), sub: "anna" });
  });
  afterAll(() => proxied?.stop());

  const list = (forwardedFor: string, extra: Record<string, string> = {}) =>
    proxied.fetch("/api/notifications", {
      headers: { Authorization: `Bearer ${badToken}`, "X-Forwarded-For": forwardedFor, ...extra },
    });

  it("counts failures by the header's last entry, the one the proxy added", async () => {
    // The client controls the entries on the left: changing them does not escape the limit.
    expect((await list("203.0.113.1, 198.51.100.1")).status).toBe(401);
    expect((await list("203.0.113.2, 198.51.100.1")).status).toBe(401);
    expect((await list("203.0.113.3, 198.51.100.1")).status).toBe(429);
    // Another client behind the same proxy is not limited, whatever CF-Connecting-IP says.
    expect((await list("198.51.100.1, 198.51.100.2", { "CF-Connecting-IP": "198.51.100.1" })).status).toBe(401);
  });
});

describe("bridge settings that cannot work", () => {
  let broken: Gateway;
  beforeAll(async () => {
    broken = await startGateway({ SCRIPTS_BRIDGE_BY_USER: "alice=nowhere" });
  });
  afterAll(() => broken?.stop());

  it("stop every request with a clear 500 instead of sending scripts to a bridge that cannot exist", async () => {
    for (const path of ["/healthz", "/bridge/v1/health"]) {
      const response = await broken.fetch(path, { headers: { Authorization: `Bearer ${broken.bridgeToken}` } });
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ error: expect.stringMatching(/misconfigured/) });
    }
  });
});
