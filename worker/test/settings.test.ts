import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { CONFIGURATION_DOC, renderConfigurationDoc } from "../scripts/configuration-doc.js";
import {
  ConfigError,
  SETTINGS,
  loadConfig,
  readSetting,
  type Setting,
  type SettingName,
  type SettingsEnv,
} from "../src/config.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SECRETS = { DESKTOP_JWT_SECRET: "s".repeat(32), BRIDGE_TOKEN: "b".repeat(32) };
const rows = Object.entries(SETTINGS) as [SettingName, Setting<unknown>][];

/** `KEY = "value"` lines of wrangler.toml's [vars] table. */
function wranglerVars(): Record<string, string> {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const section = toml.split(/^\[vars\]$/m)[1]?.split(/^\[/m)[0] ?? "";
  const vars: Record<string, string> = {};
  for (const line of section.split("\n")) {
    if (!line.trim() || line.trim().startsWith("#")) continue;
    const match = line.match(/^([A-Z0-9_]+)\s*=\s*"(.*)"\s*$/);
    if (!match) throw new Error(`wrangler.toml [vars]: cannot read "${line}" (use KEY = "value")`);
    vars[match[1]!] = match[2]!;
  }
  return vars;
}

describe("the settings table", () => {
  it("is what docs/CONFIGURATION.md shows (run `npm run docs:generate`)", () => {
    expect(readFileSync(CONFIGURATION_DOC, "utf8")).toBe(renderConfigurationDoc());
  });

  it("has in wrangler.toml's [vars] only known, non-secret settings that differ from their defaults", () => {
    for (const [name, raw] of Object.entries(wranglerVars())) {
      const setting = (SETTINGS as Record<string, Setting<unknown> | undefined>)[name];
      expect(setting, `${name} is not in the table of worker/src/config.ts`).toBeDefined();
      expect(setting!.secret, `${name} is a secret: use .dev.vars or wrangler secret put`).toBe(false);
      expect(readSetting({ [name]: raw }, name as SettingName), `${name} restates its default`).not.toEqual(
        setting!.default,
      );
    }
    expect(() => loadConfig({ ...wranglerVars(), ...SECRETS })).not.toThrow();
  });

  it.each(rows.filter(([, setting]) => !setting.secret && typeof setting.default === "number"))(
    "%s: its shown default parses back to its default",
    (name, setting) => {
      expect(setting.parse(setting.shown, name)).toBe(setting.default);
    },
  );

  it("is read completely by loadConfig, and only through the table", () => {
    const read = new Set<string>();
    const env = new Proxy<SettingsEnv>(
      {
        ...SECRETS,
        OIDC_CLIENT_ID: "gateway",
        ALLOWED_EMAIL_DOMAINS: "example.com",
        ACCESS_TEAM_DOMAIN: "acme.cloudflareaccess.com",
        ACCESS_AUDIENCE: "aud",
      },
      {
        get(target, name: string) {
          read.add(name);
          return target[name as SettingName];
        },
      },
    );
    loadConfig(env);
    expect([...read].sort()).toEqual(Object.keys(SETTINGS).sort());
  });

  it("refuses bad values naming the setting and leaves good ones as before", () => {
    expect(() => loadConfig({ ...SECRETS, LEGACY_LOBBY_SHARDS: "1025" })).toThrow(/LEGACY_LOBBY_SHARDS=1025/);
    expect(() => loadConfig({ ...SECRETS, LOG_LEVEL: "loud" })).toThrow(ConfigError);
    expect(() => loadConfig({ DESKTOP_JWT_SECRET: SECRETS.DESKTOP_JWT_SECRET })).toThrow(/BRIDGE_TOKEN is not set/);
    expect(() => loadConfig({ ...SECRETS, BRIDGE_TOKEN: "short" })).toThrow(/BRIDGE_TOKEN is shorter/);
    expect(() => loadConfig({ ...SECRETS, ALLOWED_ORIGINS: "https://a.example/x" })).toThrow(/not an origin/);
    expect(() => loadConfig({ ...SECRETS, USERNAME_OVERRIDES: "bob" })).toThrow(/expected email=username/);
    expect(() => loadConfig({ ...SECRETS, ACCESS_AUDIENCE: "aud" })).toThrow(/set together/);
    const config = loadConfig({
      ...SECRETS,
      HEARTBEAT_INTERVAL_SECONDS: "0.5",
      USERNAME_OVERRIDES: "Ann@Example.com=ann, ",
      ALLOWED_ORIGINS: " ",
    });
    expect(config.heartbeatIntervalMs).toBe(500);
    expect(config.usernameOverrides.get("ann@example.com")).toBe("ann");
    expect(config.allowedOrigins).toEqual([]);
    expect(config.oauthRedirectUris).toHaveLength(3);
    expect(Object.isFrozen(config)).toBe(true);
  });
});

describe("worker/worker-configuration.d.ts", () => {
  const dir = mkdtempSync(join(tmpdir(), "worker-types-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is what `wrangler types` makes of wrangler.toml today (run `npm run types:generate`)", () => {
    const fresh = join(dir, "worker-configuration.d.ts");
    execFileSync(
      "npx",
      ["wrangler", "types", fresh, "--include-runtime", "false", "--strict-vars", "false", "--env-file", "/dev/null"],
      {
        cwd: ROOT,
        stdio: "pipe",
        env: {
          ...process.env,
          CLOUDFLARE_CF_FETCH_ENABLED: "false",
          WRANGLER_SEND_METRICS: "false",
          WRANGLER_HIDE_BANNER: "true",
          WRANGLER_SEND_ERROR_REPORTS: "false",
        },
      },
    );
    // The header names the output path and the import paths are relative to it.
    const normal = (text: string) =>
      text
        .split("\n")
        .filter((line) => !line.startsWith("// Generated by Wrangler"))
        .join("\n")
        .replace(/import\("[^"]*\/src\/index"\)/g, 'import("src/index")');
    const committed = readFileSync(join(ROOT, "worker/worker-configuration.d.ts"), "utf8");
    expect(normal(committed)).toBe(normal(readFileSync(fresh, "utf8")));
  });
});
