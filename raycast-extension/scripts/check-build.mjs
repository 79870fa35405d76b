// Builds the extension as the store would (`ray build -e dist`, which also
// type-checks src/) into a temporary directory, so CI proves it builds; then
// type-checks the tests against the raycast-env.d.ts that build generated.
// `ray build` runs ./node_modules/.bin/tsc; in this npm workspace TypeScript
// is hoisted to the root, so link it there first.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(join(root, "package.json"));
const localTsc = join(root, "node_modules/.bin/tsc");
if (!existsSync(localTsc)) {
  mkdirSync(dirname(localTsc), { recursive: true });
  symlinkSync(require.resolve("typescript/bin/tsc"), localTsc);
}
const ray = join(dirname(require.resolve("@raycast/api/package.json")), "bin/run.js");
const output = mkdtempSync(join(tmpdir(), "raycast-build-"));
try {
  execFileSync(process.execPath, [ray, "build", "-e", "dist", "-o", output, "--non-interactive"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NO_COLOR: "1" },
  });
  for (const command of ["inbox.js", "menu-bar.js", "run-script.js"]) {
    if (!existsSync(join(output, command))) throw new Error(`ray build did not produce ${command}`);
  }
  console.log("ray build: ok");
  execFileSync(localTsc, ["-p", "test/tsconfig.json"], { cwd: root, stdio: "inherit" });
} finally {
  rmSync(output, { recursive: true, force: true });
}
