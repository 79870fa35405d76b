import { chmodSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { socketPermissionProblem } from "../src/socket-file.js";

// The start-up check on real files: modes and groups a filesystem may not have
// taken (chmod and chown cannot be made to fail here, so the check gets files
// that have the wrong mode or group), and unsafe directories.
describe("socketPermissionProblem", () => {
  const dir = mkdtempSync(join(tmpdir(), "socket-check-"));
  const file = (mode: number) => {
    const path = join(dir, `f-${mode.toString(8)}`);
    writeFileSync(path, "");
    chmodSync(path, mode);
    return path;
  };
  const safeDir = () => {
    chmodSync(dir, 0o750);
    return statSync(dir);
  };

  it("accepts 0770 with the configured group in a private directory", () => {
    const path = file(0o770);
    expect(socketPermissionProblem(path, statSync(path), safeDir(), statSync(path).gid)).toBeUndefined();
    expect(socketPermissionProblem(path, statSync(path), safeDir(), undefined)).toBeUndefined();
  });

  it.each([0o777, 0o775, 0o700, 0o660])("refuses mode 0%o, naming the fix", (mode) => {
    const path = file(mode);
    expect(socketPermissionProblem(path, statSync(path), safeDir(), undefined)).toMatch(
      new RegExp(`mode 0${mode.toString(8)}, not 0770: .*local filesystem`),
    );
  });

  it("refuses another group than the configured one", () => {
    const path = file(0o770);
    const gid = statSync(path).gid + 1;
    expect(socketPermissionProblem(path, statSync(path), safeDir(), gid)).toMatch(/belongs to group \d+, not \d+/);
  });

  it("refuses a world-writable directory without the sticky bit, accepts one with it", () => {
    const path = file(0o770);
    chmodSync(dir, 0o777);
    expect(socketPermissionProblem(path, statSync(path), statSync(dir), undefined)).toMatch(
      /world-writable without the sticky bit.*chmod o-w/,
    );
    chmodSync(dir, 0o1777);
    expect(socketPermissionProblem(path, statSync(path), statSync(dir), undefined)).toBeUndefined();
    chmodSync(dir, 0o750);
  });
});
