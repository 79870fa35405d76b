// Builds the extension as the store does (`ray build -e dist`, which also
// type-checks src/) into a temporary directory, then type-checks the tests
// against the raycast-env.d.ts that build generated.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = (name) => join(root, "node_modules/.bin", name);
if (!existsSync(bin("ray")))
  throw new Error("raycast-extension/node_modules is missing: run `npm ci` in raycast-extension");
const output = mkdtempSync(join(tmpdir(), "raycast-build-"));
try {
  execFileSync(bin("ray"), ["build", "-e", "dist", "-o", output, "--non-interactive"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NO_COLOR: "1" },
  });
  for (const command of ["inbox.js", "menu-bar.js", "run-script.js"]) {
    if (!existsSync(join(output, command))) throw new Error(`ray build did not produce ${command}`);
  }
  console.log("ray build: ok");
  execFileSync(bin("tsc"), ["-p", "test/tsconfig.json"], { cwd: root, stdio: "inherit" });
} finally {
  rmSync(output, { recursive: true, force: true });
}
