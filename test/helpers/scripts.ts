import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { socketRequest } from "./bridge.js";

// A helper program standing in for /usr/local/bin/notify-scripts (same verbs
// and output): it runs real Python scripts from `<root>/<user>/user/notifications`
// with the user's home as working directory, so a script can tell whose it ran as.
const HELPER = `import { existsSync, readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
const [root, user, verb, name] = process.argv.slice(2);
const dir = join(root, user, "user", "notifications");
if (verb === "list") {
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".py")).sort() : [];
  console.log(JSON.stringify(names.map((n) => ({ name: n, stem: n.slice(0, -3), last_run: null }))));
} else if (verb === "run") {
  const path = join(dir, name);
  if (!existsSync(path)) { console.log(JSON.stringify({ error: "not found" })); process.exit(1); }
  const run = spawnSync("python3", [path], { encoding: "utf8", cwd: join(root, user) });
  if (run.status !== 0) { console.log(JSON.stringify({ error: "script failed" })); process.exit(1); }
  process.stdout.write(run.stdout);
} else {
  process.exit(2);
}
`;

/** Writes the helper under `root`; returns the SCRIPTS_COMMAND that runs it for `{user}`. */
export function writeScriptsHelper(root: string): string {
  const helper = join(root, "notify-scripts.mjs");
  writeFileSync(helper, HELPER);
  return `${process.execPath} ${helper} ${root} {user}`;
}

export function writeScript(root: string, user: string, name: string, body: string): void {
  const dir = join(root, user, "user", "notifications");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), body);
}

/** A Python script body printing `output` as its JSON line. */
export const printing = (output: unknown) => `print(${JSON.stringify(JSON.stringify(output))})\n`;

/** Until the bridge's health says its agent channel is connected (10 s at most). */
export async function waitForAgent(socketPath: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const health = (await socketRequest(socketPath, "GET", "/health")).body as Record<string, unknown>;
    if (health.agent_channel === "connected") return;
    if (Date.now() > deadline) throw new Error(`agent channel not connected: ${JSON.stringify(health)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
