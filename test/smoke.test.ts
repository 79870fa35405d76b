import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userApi } from "./helpers/api.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";

// `npm run smoke -- <url>`, as an operator runs it after a deploy, against a
// real local gateway.
const ROOT = fileURLToPath(new URL("../", import.meta.url));
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway({ DEV_SIGNIN_ENABLED: "true" });
});
afterAll(async () => {
  await gateway?.stop();
});

function smoke(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", "smoke", "--", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

describe("npm run smoke", () => {
  it("passes every check against a working gateway and leaves nothing behind", async () => {
    const { code, output } = await smoke(
      { BRIDGE_TOKEN: gateway.bridgeToken, DESKTOP_JWT_SECRET: gateway.jwtSecret },
      gateway.url.href,
    );
    expect(output).toContain("All checks passed.");
    expect(code).toBe(0);
    for (const step of ["liveness", "OAuth metadata", "sign-in", "bridge token", "v2 socket", "dispatch"]) {
      expect(output).toMatch(new RegExp(`✓ ${step}`));
    }
    expect(output).toMatch(/✓ socket received it\s+notification smoke-/);
    expect(output).toMatch(/✓ inbox API lists it/);
    expect(output).toMatch(/✓ clean-up\s+deleted smoke-/);
    const token = await mintToken({ secret: gateway.jwtSecret, sub: "smoke-test" });
    const inbox = await userApi(gateway, token, "GET", "/api/notifications");
    expect(inbox.body.notifications).toEqual([]);
  });

  it("fails with exit code 1 and names the check when the bridge token is wrong", async () => {
    const { code, output } = await smoke(
      { BRIDGE_TOKEN: "w".repeat(64), DESKTOP_JWT_SECRET: gateway.jwtSecret },
      gateway.url.href,
    );
    expect(code).toBe(1);
    expect(output).toMatch(/✓ liveness/);
    expect(output).toMatch(/✗ bridge token\s+answered 401/);
    expect(output).toMatch(/- dispatch\s+skipped/);
    expect(output).toContain("1 check(s) failed.");
  });

  it("exits 2 with its usage when the URL is missing", async () => {
    const { code, output } = await smoke({ BRIDGE_TOKEN: gateway.bridgeToken, DESKTOP_JWT_SECRET: gateway.jwtSecret });
    expect(code).toBe(2);
    expect(output).toContain("usage: npm run smoke -- <gateway URL>");
  });
});
