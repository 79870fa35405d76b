import { LOCAL_PATHS, SCRIPT_STEM_PATTERN, ScriptOutput } from "@analyst-notifications/schemas";
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { Logger } from "./log.js";
import { runCommand } from "./run-command.js";
import { requestSocket } from "./socket-client.js";

/** Legacy: a script without `cooldown` may notify once an hour. */
export const DEFAULT_COOLDOWN = "1h";
const UNIT_SECONDS = { m: 60, h: 3_600, d: 86_400 } as const;

export interface CronOptions {
  user: string;
  home: string;
  scriptsDir: string;
  stateDir: string;
  interpreter: string;
  scriptTimeoutMs: number;
  socketPath: string;
  log: Logger;
  now?: () => number;
}

export type ScriptOutcome = "sent" | "cooldown" | "silent" | "failed";

/** `<N>m|h|d` → seconds. */
export function cooldownSeconds(value: string): number {
  const match = /^(\d+)([mhd])$/.exec(value);
  if (!match) throw new Error(`cooldown ${value} is not <N>m, <N>h or <N>d`);
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

/**
 * The legacy cron job (docs/PROTOCOL.md, "Notification scripts") for one user: every `*.py` in the
 * scripts directory, one after another, each with a timeout and the home
 * directory as cwd. Only `notify:true` output sends, and only when the last
 * send of that script is older than its cooldown. Every failure is logged and
 * sends nothing. Returns each script's outcome.
 */
export async function runCron(options: CronOptions): Promise<Record<string, ScriptOutcome>> {
  const { log } = options;
  let names: string[];
  try {
    names = readdirSync(options.scriptsDir)
      .filter((name) => name.endsWith(".py"))
      .sort();
  } catch {
    log.info("no scripts directory; nothing to run", { dir: options.scriptsDir });
    return {};
  }
  const outcomes: Record<string, ScriptOutcome> = {};
  for (const name of names) {
    outcomes[name] = await runOne(name, options).catch((error: unknown) => {
      log.error("script failed", { script: name, error: (error as Error).message });
      return "failed" as const;
    });
  }
  return outcomes;
}

async function runOne(name: string, options: CronOptions): Promise<ScriptOutcome> {
  const { log } = options;
  const stem = basename(name, ".py");
  if (!SCRIPT_STEM_PATTERN.test(stem)) {
    log.error("script name not allowed; skipped", { script: name });
    return "failed";
  }
  const path = resolve(options.scriptsDir, name);
  const result = await runCommand([options.interpreter, path], {
    timeoutMs: options.scriptTimeoutMs,
    cwd: options.home,
  });
  if (result.timedOut) return fail(log, name, `timed out after ${options.scriptTimeoutMs} ms`);
  if (result.exitCode !== 0) {
    return fail(log, name, `exit code ${result.exitCode}`, result.stderr.slice(-500));
  }
  const text = result.stdout.trim();
  if (!text) return fail(log, name, "empty output");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail(log, name, "output is not valid JSON");
  }
  const output = ScriptOutput.safeParse(parsed);
  if (!output.success)
    return fail(log, name, `output does not follow the contract: ${output.error.issues[0]?.message}`);
  if (!output.data.notify) {
    log.debug("script: nothing to notify", { script: name });
    return "silent";
  }

  const now = Math.floor((options.now ?? Date.now)() / 1000);
  const statePath = join(options.stateDir, `${stem}.json`);
  const lastSent = readLastSent(statePath);
  const cooldown = cooldownSeconds(output.data.cooldown ?? DEFAULT_COOLDOWN);
  if (lastSent !== undefined && now - lastSent < cooldown) {
    log.info("script in cooldown; not sent", { script: name, secondsLeft: cooldown - (now - lastSent) });
    return "cooldown";
  }
  const answer = await requestSocket(options.socketPath, "POST", LOCAL_PATHS.dispatch, {
    user: options.user,
    notification: {
      title: output.data.title!, // the schema requires it with notify:true
      message: output.data.message ?? "",
      script: stem,
      ...(output.data.image_path ? { image_path: resolve(options.home, output.data.image_path) } : {}),
    },
  });
  if (answer.status !== 200 && answer.status !== 202) {
    return fail(log, name, `the bridge refused the dispatch (${answer.status})`, JSON.stringify(answer.body));
  }
  writeLastSent(statePath, now);
  log.info("script notified", { script: name, queued: answer.status === 202 });
  return "sent";
}

function fail(log: Logger, name: string, reason: string, detail?: string): ScriptOutcome {
  log.error("script failed; nothing sent", { script: name, reason, ...(detail ? { detail } : {}) });
  return "failed";
}

function readLastSent(path: string): number | undefined {
  try {
    const value = (JSON.parse(readFileSync(path, "utf8")) as { last_sent?: unknown }).last_sent;
    return typeof value === "number" && Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Legacy format `{"last_sent": <epoch s>}`; written via rename so a crash never leaves half a file. */
function writeLastSent(path: string, epochSeconds: number): void {
  mkdirSync(resolve(path, ".."), { recursive: true, mode: 0o700 });
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ last_sent: epochSeconds })}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}
