import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_SPOOL_DIR, DEFAULT_WS_DISPATCH_SOCKET, SETTINGS } from "../src/config.js";

// The example systemd unit must agree with the settings table it configures.
const unit = readFileSync(new URL("../deploy/analyst-bridge.service", import.meta.url), "utf8");
const directives = unit
  .split("\n")
  .filter((line) => /^[A-Za-z]+=/.test(line))
  .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const);
const environment = Object.fromEntries(
  directives.filter(([key]) => key === "Environment").map(([, value]) => value.split("=") as [string, string]),
);

describe("deploy/analyst-bridge.service", () => {
  it("sets only documented settings", () => {
    const known = SETTINGS.map((setting) => setting.env);
    for (const name of Object.keys(environment)) expect(known).toContain(name);
  });

  it("serves the legacy socket from its RuntimeDirectory and keeps the spool in its StateDirectory", () => {
    const get = (key: string) => directives.find(([name]) => name === key)?.[1];
    expect(environment.WS_DISPATCH_SOCKET).toBe(DEFAULT_WS_DISPATCH_SOCKET);
    expect(environment.WS_DISPATCH_SOCKET).toBe(`/run/${get("RuntimeDirectory")}/ws.sock`);
    expect(environment.SPOOL_DIR).toBe(DEFAULT_SPOOL_DIR);
    expect(environment.SPOOL_DIR).toBe(`/var/lib/${get("StateDirectory")}/spool`);
    expect(get("ExecStart")).toMatch(/ serve$/);
    expect(get("Restart")).toBe("always");
  });
});
