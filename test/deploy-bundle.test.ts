import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CONFIG = join(ROOT, "wrangler.toml");

/** The parts of wrangler's resolved configuration this test reads. */
interface DeployConfig {
  workers_dev: boolean | undefined;
  routes: unknown;
  vars: Record<string, unknown>;
  durable_objects: { bindings: Array<{ class_name: string }> };
  migrations: Array<{ new_sqlite_classes?: string[]; new_classes?: string[] }>;
  r2_buckets: Array<{ binding: string }>;
  analytics_engine_datasets: Array<{ binding: string }>;
}

const readConfig = (env: string | undefined) => unstable_readConfig({ config: CONFIG, env }) as DeployConfig;

/** `wrangler deploy --dry-run` for one environment; returns the bundle's text. */
function dryRun(env: string | undefined): string {
  const outdir = mkdtempSync(join(tmpdir(), "deploy-"));
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir, ...(env ? ["--env", env] : [])], {
    cwd: ROOT,
    stdio: "pipe",
    timeout: 120_000,
  });
  const bundle = join(outdir, "index.js");
  expect(existsSync(bundle)).toBe(true);
  return readFileSync(bundle, "utf8");
}

/** Durable Object classes the bundle exports: every `class … extends DurableObject` in its export list. */
function exportedObjectClasses(code: string): string[] {
  const exported = /export\s*\{([^}]*)\}\s*;?\s*(\/\/.*)?$/.exec(code.trimEnd())?.[1] ?? "";
  const names = exported.split(",").map((entry) => entry.trim().split(/\s+as\s+/)[0]!);
  return names.filter((name) => new RegExp(`var ${name} = class extends DurableObject\\d*\\b`).test(code)).sort();
}

describe("the deploy bundle", () => {
  for (const env of [undefined, "production"]) {
    it(`builds for ${env ?? "the top level (local)"} with every Durable Object class bound and migrated`, () => {
      const classes = exportedObjectClasses(dryRun(env));
      // Checked as lists so a failure does not print the whole bundle.
      expect(classes).toEqual(
        ["AddressLimiter", "BridgeAgent", "ConnectionRegistry", "LegacyLobby", "UserAccount", "UserInbox"].sort(),
      );
      const config = readConfig(env);
      const bound = config.durable_objects.bindings.map((binding) => binding.class_name).sort();
      const migrated = config.migrations
        .flatMap((migration) => [...(migration.new_sqlite_classes ?? []), ...(migration.new_classes ?? [])])
        .sort();
      expect(bound).toEqual(classes);
      expect(migrated).toEqual(classes);
      expect(config.r2_buckets.map((bucket) => bucket.binding)).toEqual(["IMAGES"]);
      expect(config.analytics_engine_datasets.map((dataset) => dataset.binding)).toEqual(["METRICS"]);
    }, 150_000); // a bundle takes seconds, and much longer on a busy machine
  }

  it("gives production a hostname of its own and no workers.dev address", () => {
    const config = readConfig("production");
    expect(config.workers_dev).toBe(false);
    expect(config.routes).toEqual([{ pattern: expect.any(String), custom_domain: true }]);
    expect(config.vars.DEV_SIGNIN_ENABLED ?? "false").toBe("false");
  });
});
