import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../../scripts/check-publish.mjs", import.meta.url));
const ours = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as Record<
  string,
  unknown
>;

/** Runs the publish check on a copy of our package.json with `fields` changed. */
function check(fields: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), "publish-check-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ ...ours, ...fields }));
  return spawnSync(process.execPath, [script, dir], { encoding: "utf8" });
}

describe("the publish check", () => {
  it("refuses the repository's placeholder author, naming the field to set", () => {
    const result = check({});
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('"author" is "analyst-notifications", a placeholder');
  });

  it("refuses an author that is not a Raycast username, and a malformed owner", () => {
    expect(check({ author: "Ana Analyst" }).status).toBe(1);
    const owner = check({ author: "ana", owner: "Data Team" });
    expect(owner.status).toBe(1);
    expect(owner.stderr).toContain('"owner"');
  });

  it("lets a real author publish, to the store or a Teams private store", () => {
    expect(check({ author: "ana-analyst" }).status).toBe(0);
    const teams = check({ author: "ana-analyst", owner: "acme-data" });
    expect(teams.status).toBe(0);
    expect(teams.stdout).toContain("owner acme-data");
  });
});
