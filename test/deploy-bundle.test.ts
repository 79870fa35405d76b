import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

describe("the deploy bundle", () => {
  it("builds with wrangler deploy --dry-run and contains both Durable Object classes", () => {
    const outdir = mkdtempSync(join(tmpdir(), "deploy-"));
    execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], {
      cwd: ROOT,
      stdio: "pipe",
      timeout: 120_000,
    });
    const bundle = join(outdir, "index.js");
    expect(existsSync(bundle)).toBe(true);
    const code = readFileSync(bundle, "utf8");
    // Checked as booleans so a failure does not print the whole bundle.
    expect(/export\s*\{[^}]*\bUserInbox\b[^}]*\}/.test(code)).toBe(true);
    expect(/export\s*\{[^}]*\bConnectionRegistry\b[^}]*\}/.test(code)).toBe(true);
  });
});
