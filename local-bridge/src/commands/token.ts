import { USERNAME_PATTERN } from "@analyst-notifications/schemas";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, DEFAULT_DISPATCH_TOKENS_FILE } from "../config.js";
import { issueDispatchToken } from "../dispatch-trust.js";
import type { CliCommand } from "./command.js";

export const tokenCommand: CliCommand = {
  name: "token",
  summary: "issue a user's dispatch token for DISPATCH_TRUST=token (admin, as root)",
  usage: `Usage: analyst-bridge token issue <user> [options]

Writes a new dispatch token for <user> into a file only that user can read
(mode 0600, owned by the user; default <home>/.notifications/dispatch-token)
and its hash into DISPATCH_TOKENS_FILE, replacing the user's earlier token.
The user's cron runs and \`analyst-bridge send\` pick the file up
(DISPATCH_TOKEN_FILE); the running bridge sees the new token at once.
Run as root, so the file can be given to the user.

Options:
  --uid <n>         the user's uid (default: \`id -u <user>\`); also whose images they may attach
  --gid <n>         the user's group (default: \`id -g <user>\`)
  --output <path>   where to write the token (default: the user's home, from getent)`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { uid: { type: "string" }, gid: { type: "string" }, output: { type: "string" } },
    });
    const [verb, user] = positionals;
    if (verb !== "issue" || !user || positionals.length !== 2) {
      process.stderr.write("usage: analyst-bridge token issue <user> (see --help)\n");
      return 2;
    }
    if (!USERNAME_PATTERN.test(user)) throw new ConfigError(`${user} is not a valid user name`);
    const uid = values.uid === undefined ? idOf(user, "-u") : numeric("--uid", values.uid);
    const gid = values.gid === undefined ? idOf(user, "-g") : numeric("--gid", values.gid);
    const output = values.output ?? join(homeOf(user), ".notifications", "dispatch-token");
    issueDispatchToken({
      user,
      uid,
      gid,
      output,
      registryPath: process.env.DISPATCH_TOKENS_FILE || DEFAULT_DISPATCH_TOKENS_FILE,
    });
    process.stdout.write(`${JSON.stringify({ user, uid, file: output })}\n`);
    return 0;
  },
};

function numeric(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${flag}=${raw} is not a uid/gid`);
  return value;
}

function idOf(user: string, flag: "-u" | "-g"): number {
  try {
    return Number(execFileSync("id", [flag, user], { encoding: "utf8" }).trim());
  } catch {
    throw new ConfigError(`no such user: ${user} (or pass --uid and --gid)`);
  }
}

function homeOf(user: string): string {
  let line: string;
  try {
    line = execFileSync("getent", ["passwd", user], { encoding: "utf8" }).trim();
  } catch {
    throw new ConfigError(`no home directory known for ${user}: pass --output`);
  }
  const home = line.split(":")[5];
  if (!home) throw new ConfigError(`no home directory known for ${user}: pass --output`);
  return home;
}
