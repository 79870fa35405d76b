import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  DEFAULT_WS_DISPATCH_SOCKET,
  SETTINGS,
  loadBridgeConfig,
  loadClientConfig,
  settingsHelp,
} from "../src/config.js";

const token = "t".repeat(32);

describe("loadBridgeConfig", () => {
  it("uses the legacy socket path and documented defaults", () => {
    const config = loadBridgeConfig({ BRIDGE_TOKEN: token });
    expect(config.socketPath).toBe(DEFAULT_WS_DISPATCH_SOCKET);
    expect(config.socketPath).toBe("/run/ws-gateway/ws.sock");
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{}, /BRIDGE_TOKEN/],
    [{ BRIDGE_TOKEN: "short" }, /BRIDGE_TOKEN/],
    [{ BRIDGE_TOKEN: token, GATEWAY_URL: "not a url" }, /GATEWAY_URL/],
    [{ BRIDGE_TOKEN: token, GATEWAY_TIMEOUT_MS: "soon" }, /GATEWAY_TIMEOUT_MS/],
    [{ BRIDGE_TOKEN: token, LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    // The bridge token travels in every request: never in clear to another machine.
    [{ BRIDGE_TOKEN: token, GATEWAY_URL: "http://gateway.example.com" }, /must be https/],
    [{ BRIDGE_TOKEN: token, GATEWAY_URL: "ws://127.0.0.1:8787" }, /must be https/],
    [{ BRIDGE_TOKEN: token, DISPATCH_TRUST: "peer" }, /DISPATCH_TRUST/],
  ])("refuses %j naming the setting", (env, pattern) => {
    expect(() => loadBridgeConfig(env)).toThrow(ConfigError);
    expect(() => loadBridgeConfig(env)).toThrow(pattern);
  });

  it("accepts https anywhere and plain http only to a loopback host", () => {
    for (const url of [
      "https://gateway.example.com",
      "http://127.0.0.1:8787",
      "http://localhost:8787",
      "http://[::1]:8787",
    ]) {
      expect(loadBridgeConfig({ BRIDGE_TOKEN: token, GATEWAY_URL: url }).gatewayUrl.href).toBe(new URL(url).href);
    }
  });

  it("documents every setting it reads", () => {
    const documented = SETTINGS.map((setting) => setting.env);
    for (const name of ["WS_DISPATCH_SOCKET", "WS_DISPATCH_SOCKET_GROUP", "GATEWAY_URL", "BRIDGE_TOKEN", "LOG_LEVEL"]) {
      expect(documented).toContain(name);
    }
  });

  it("has a README row with the same default for every setting", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    for (const setting of SETTINGS) {
      expect(readme).toMatch(new RegExp(`\\|\\s*\`${setting.env}\`\\s*\\|\\s*\`${escape(setting.default)}\`\\s*\\|`));
    }
  });

  it("splits SCRIPTS_COMMAND into an argument array and refuses bad values", () => {
    expect(loadBridgeConfig({ BRIDGE_TOKEN: token }).scriptsCommand).toEqual([
      "sudo",
      "-n",
      "-u",
      "{user}",
      "/usr/local/bin/notify-scripts",
    ]);
    expect(() => loadBridgeConfig({ BRIDGE_TOKEN: token, AGENT_CHANNEL: "maybe" })).toThrow(/AGENT_CHANNEL/);
    expect(() => loadBridgeConfig({ BRIDGE_TOKEN: token, FORWARD_BATCH_MAX_ENTRIES: "101" })).toThrow(/at most 100/);
    expect(() => loadBridgeConfig({ BRIDGE_TOKEN: token, SPOOL_MAX_BYTES: "-1" })).toThrow(/SPOOL_MAX_BYTES/);
  });

  it("needs no secret for the socket clients and expands ~ to the home directory", () => {
    const config = loadClientConfig({}, "/home/alice");
    expect(config.scriptsDir).toBe("/home/alice/user/notifications");
    expect(config.stateDir).toBe("/home/alice/.notifications/state");
    expect(config.scriptTimeoutMs).toBe(60_000);
    expect(() => loadClientConfig({ SCRIPT_TIMEOUT_SECONDS: "0" })).toThrow(/SCRIPT_TIMEOUT_SECONDS/);
  });

  it("shows each command only the settings it reads", () => {
    expect(settingsHelp("cron")).toContain("NOTIFY_SCRIPTS_DIR");
    expect(settingsHelp("cron")).not.toContain("BRIDGE_TOKEN");
    expect(settingsHelp("serve")).toContain("SPOOL_DIR");
  });
});
