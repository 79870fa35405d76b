// Prints "N passed, M failed" from every JSON test report in a folder
// (vitest's --reporter=json, Jest-compatible), and exits non-zero when a test
// failed, a suite failed to load, or nothing ran at all.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? "reports";
let passed = 0;
let failed = 0;
let skipped = 0;
let brokenSuites = 0;
for (const file of readdirSync(dir).filter((name) => name.endsWith(".json"))) {
  const report = JSON.parse(readFileSync(join(dir, file), "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A file that fails to import has no tests but a failed suite.
  brokenSuites += (report.testResults ?? []).filter(
    (suite) => suite.status === "failed" && suite.assertionResults?.length === 0,
  ).length;
}
failed += brokenSuites;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
