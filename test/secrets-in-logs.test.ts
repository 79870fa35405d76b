import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bridgeDispatch, note, userApi } from "./helpers/api.js";
import { socketRequest, startBridgeFor, type Bridge } from "./helpers/bridge.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import {
  RAYCAST_REDIRECT,
  browserPost,
  codeFrom,
  devSignIn,
  pkcePair,
  submitConsent,
  tokenFromAppUrl,
} from "./helpers/sign-in.js";
import { waitForAgent } from "./helpers/scripts.js";
import { mintToken } from "./helpers/tokens.js";
import { TestSocket, connectLegacy, connectV2 } from "./helpers/ws-client.js";

// Secrets and tokens never reach a log: the worker at LOG_LEVEL=debug (its
// console, as wrangler prints it in this process) and the bridge at debug
// (its JSON lines on stderr), through sign-in, OAuth, dispatch and sockets.
const output: string[] = [];
let gateway: Gateway;
let bridge: Bridge;
beforeAll(async () => {
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      output.push(args.map(String).join(" "));
    });
  }
  gateway = await startGateway({ LOG_LEVEL: "debug", DEV_SIGNIN_ENABLED: "true" }, { logLevel: "debug" });
  bridge = await startBridgeFor(gateway, { LOG_LEVEL: "debug", AGENT_CHANNEL: "on", AGENT_RECONNECT_MAX_MS: "300" });
  await waitForAgent(bridge.socketPath);
});
afterAll(async () => {
  await bridge?.stop();
  await gateway?.stop();
  vi.restoreAllMocks();
});

describe("logs at debug level", () => {
  it("contain none of the secrets and tokens of a whole session", async () => {
    const secrets: string[] = [gateway.jwtSecret, gateway.bridgeToken];
    const session = await devSignIn(gateway, "lena");
    secrets.push(...session.cookie.split("; ").map((pair) => pair.slice(pair.indexOf("=") + 1)), session.csrf);

    const authorized = await browserPost(gateway, "/api/desktop/authorize", session);
    const desktopToken = tokenFromAppUrl(((await authorized.json()) as { url: string }).url);
    const refreshed = await gateway.fetch("/api/desktop/refresh", {
      method: "POST",
      headers: { Authorization: `Bearer ${desktopToken}` },
    });
    const { token: refreshedToken } = (await refreshed.json()) as { token: string };
    const pkce = pkcePair();
    const code = codeFrom(await submitConsent(gateway, session, { code_challenge: pkce.challenge }));
    const exchanged = await gateway.fetch("/oauth/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        client_id: "raycast",
        redirect_uri: RAYCAST_REDIRECT,
        code_verifier: pkce.verifier,
      }),
    });
    const oauth = (await exchanged.json()) as { access_token: string; refresh_token: string };
    const badToken = await mintToken({ secret: "s".repeat(64), sub: "lena" });
    secrets.push(desktopToken, refreshedToken, code, pkce.verifier, oauth.access_token, oauth.refresh_token, badToken);

    // Sockets (good and bad tokens), dispatch through the bridge, the API.
    // The refresh rotated the desktop token: the old one is spent.
    const legacy = await connectLegacy(gateway.socketUrl, refreshedToken);
    const v2 = (await connectV2(gateway.socketUrl, oauth.access_token)).socket;
    const refused = new TestSocket(gateway.socketUrl);
    await refused.opened();
    refused.send({ type: "auth", token: badToken });
    expect((await refused.next()).type).toBe("auth_error");
    const dispatched = await socketRequest(
      bridge.socketPath,
      "POST",
      "/dispatch",
      JSON.stringify({ user: "lena", notification: { title: "t", message: "m" } }),
    );
    expect(dispatched.status).toBe(200);
    expect((await legacy.next()).type).toBe("notification");
    expect((await bridgeDispatch(gateway, "lena", note("n-2"))).status).toBe(200);
    expect((await userApi(gateway, badToken, "GET", "/api/notifications")).status).toBe(401);
    expect((await userApi(gateway, refreshedToken, "GET", "/api/notifications")).status).toBe(200);
    legacy.close();
    v2.close();
    await new Promise((resolve) => setTimeout(resolve, 300));

    const logs = [...output, ...bridge.logs.map((line) => JSON.stringify(line))].join("\n");
    // The capture works: the worker's debug line of a dispatch and the bridge's own lines are there.
    expect(logs).toContain('"msg":"dispatched"');
    expect(bridge.logs.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThanOrEqual(16);
      expect(logs).not.toContain(secret);
      // A JWT's signature alone would be as bad.
      const signature = secret.split(".")[2];
      if (signature) expect(logs).not.toContain(signature);
    }
  });
});
