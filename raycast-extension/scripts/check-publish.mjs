// Refuses to publish while package.json still has the repository's
// placeholder author: the Raycast store (and a Teams private store) publishes
// under the author's Raycast username, so it must be a real one.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Authors that mean "not set yet". */
const PLACEHOLDER_AUTHORS = new Set(["", "analyst-notifications", "your-raycast-username"]);
/** Raycast usernames (and organization handles): lowercase letters, digits and hyphens. */
const HANDLE = /^[a-z0-9][a-z0-9-]*$/;

const root = process.argv[2] ?? dirname(dirname(fileURLToPath(import.meta.url)));
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const problems = [];
const author = typeof manifest.author === "string" ? manifest.author.trim() : "";
if (PLACEHOLDER_AUTHORS.has(author)) {
  problems.push(`"author" is "${author}", a placeholder: set it to your Raycast username`);
} else if (!HANDLE.test(author)) {
  problems.push(`"author" must be a Raycast username (lowercase letters, digits, hyphens), got "${author}"`);
}
if (manifest.owner !== undefined && (typeof manifest.owner !== "string" || !HANDLE.test(manifest.owner))) {
  problems.push(`"owner" must be your Raycast organization's handle (Teams private store), got "${manifest.owner}"`);
}
if (problems.length > 0) {
  console.error(`Not publishing (see "Publishing" in README.md):\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log(`publish check: ok (author ${author}${manifest.owner ? `, owner ${manifest.owner}` : ""})`);
