import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_WS_DISPATCH_SOCKET, SETTINGS, loadBridgeConfig } from "../src/config.js";

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
  ])("refuses %j naming the setting", (env, pattern) => {
    expect(() => loadBridgeConfig(env)).toThrow(ConfigError);
    expect(() => loadBridgeConfig(env)).toThrow(pattern);
  });

  it("documents every setting it reads", () => {
    const documented = SETTINGS.map((setting) => setting.env);
    for (const name of ["WS_DISPATCH_SOCKET", "WS_DISPATCH_SOCKET_GROUP", "GATEWAY_URL", "BRIDGE_TOKEN", "LOG_LEVEL"]) {
      expect(documented).toContain(name);
    }
  });
});
