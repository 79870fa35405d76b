// Reads and completes .dev.vars, the git-ignored file of local secrets that
// `wrangler dev` loads. Shared by `npm start` and `npm run token`.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const DEV_VARS_PATH = process.env.DEV_VARS_PATH || fileURLToPath(new URL("../.dev.vars", import.meta.url));

/** The secrets a local run needs; each is generated when missing. */
export const DEV_SECRETS = ["DESKTOP_JWT_SECRET", "BRIDGE_TOKEN"];

/** @returns {Record<string, string>} */
export function readDevVars(path = DEV_VARS_PATH) {
  if (!existsSync(path)) return {};
  const vars = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = line.match(/^\s*([A-Z0-9_]+)\s*=\s*"?(.*?)"?\s*$/);
    if (match) vars[match[1]] = match[2];
  }
  return vars;
}

/** Adds a random secret for every missing one; returns all vars and the names added. */
export function ensureDevVars(path = DEV_VARS_PATH) {
  const vars = readDevVars(path);
  const added = DEV_SECRETS.filter((name) => !vars[name]);
  if (added.length > 0) {
    const lines = added.map((name) => `${name}="${randomBytes(32).toString("hex")}"`);
    const existing = existsSync(path)
      ? readFileSync(path, "utf8")
      : "# Local development secrets (git-ignored). Never use them in production.\n";
    writeFileSync(path, `${existing.replace(/\n?$/, "\n")}${lines.join("\n")}\n`, { mode: 0o600 });
  }
  return { vars: readDevVars(path), added };
}
