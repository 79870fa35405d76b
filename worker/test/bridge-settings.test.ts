import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

// Bridges, their tokens and where scripts go: parsed once, refused loudly.
const JWT = { DESKTOP_JWT_SECRET: "s".repeat(32) };
const token = (char: string) => char.repeat(32);

describe("bridge settings", () => {
  it("make BRIDGE_TOKEN the bridge named default, alone or beside named ones", () => {
    expect(loadConfig({ ...JWT, BRIDGE_TOKEN: token("a") })).toMatchObject({
      bridgeTokens: [{ name: "default", token: token("a") }],
      bridgeNames: ["default"],
      scriptsDefaultBridge: "default",
    });
    const both = loadConfig({ ...JWT, BRIDGE_TOKEN: token("a"), BRIDGE_TOKENS: `east=${token("e")}` });
    expect(both.bridgeNames).toEqual(["default", "east"]);
    expect(both.scriptsDefaultBridge).toBe("default");
  });

  it("accept two tokens per name during a rotation, and route scripts by user with a default", () => {
    const config = loadConfig({
      ...JWT,
      BRIDGE_TOKENS: ` east=${token("e")}, west=${token("w")},west=${token("x")} `,
      SCRIPTS_BRIDGE_BY_USER: "wes=west",
      SCRIPTS_DEFAULT_BRIDGE: "east",
    });
    expect(config.bridgeTokens.map((entry) => entry.name)).toEqual(["east", "west", "west"]);
    expect(config.bridgeNames).toEqual(["east", "west"]);
    expect(config.scriptsBridgeByUser.get("wes")).toBe("west");
    expect(config.scriptsDefaultBridge).toBe("east");
    // The only bridge is the default when none is named.
    expect(loadConfig({ ...JWT, BRIDGE_TOKENS: `solo=${token("s")}` }).scriptsDefaultBridge).toBe("solo");
  });

  it.each([
    [{ BRIDGE_TOKENS: `east=${token("e")},east=${token("f")},east=${token("g")}` }, /more than 2 tokens/],
    [{ BRIDGE_TOKENS: `east=short` }, /token of east is shorter than 32/],
    [{ BRIDGE_TOKENS: `East Coast=${token("e")}` }, /without a valid name/],
    [{ BRIDGE_TOKENS: token("e") }, /without a valid name/],
    [{ BRIDGE_TOKENS: `east=${token("e")}`, SCRIPTS_BRIDGE_BY_USER: "alice=west" }, /names the bridge west/],
    [{ BRIDGE_TOKENS: `east=${token("e")},west=${token("w")}` }, /SCRIPTS_DEFAULT_BRIDGE names the bridge default/],
    [{ BRIDGE_TOKEN: token("a"), SCRIPTS_BRIDGE_BY_USER: "alice" }, /expected user=bridge/],
    [{}, /BRIDGE_TOKEN is not set \(nor BRIDGE_TOKENS\)/],
  ])("refuse %j naming the fix", (env, message) => {
    expect(() => loadConfig({ ...JWT, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...JWT, ...env })).toThrow(message);
  });

  it("read the client address from the configured header, CF-Connecting-IP by default", () => {
    expect(loadConfig({ ...JWT, BRIDGE_TOKEN: token("a") }).clientAddressHeader).toBe("CF-Connecting-IP");
    expect(
      loadConfig({ ...JWT, BRIDGE_TOKEN: token("a"), CLIENT_ADDRESS_HEADER: " X-Forwarded-For " }).clientAddressHeader,
    ).toBe("X-Forwarded-For");
  });
});
