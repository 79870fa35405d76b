import { SCRIPT_STEM_PATTERN, ScriptOutput } from "@analyst-notifications/schemas";
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { Logger } from "./log.js";
import { runCommand } from "./run-command.js";
import { derivedDispatchId, dispatchWithRetry } from "./safe-retry.js";

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

  const nowMs = (options.now ?? Date.now)();
  const now = Math.floor(nowMs / 1000);
  const statePath = join(options.stateDir, `${stem}.json`);
  const state = readState(statePath);
  const lastSent = state.last_sent;
  const cooldown = cooldownSeconds(output.data.cooldown ?? DEFAULT_COOLDOWN);
  if (lastSent !== undefined && now - lastSent < cooldown) {
    log.info("script in cooldown; not sent", { script: name, secondsLeft: cooldown - (now - lastSent) });
    return "cooldown";
  }
  // The run that first tried to send is recorded before sending: if the call
  // is cut after the bridge took it, the next cron run sends the same id and
  // the inbox stores it once.
  const run = state.pending_run ?? String(nowMs);
  if (state.pending_run === undefined) writeState(statePath, { ...state, pending_run: run });
  const answer = await dispatchWithRetry(options.socketPath, {
    user: options.user,
    notification: {
      id: derivedDispatchId("cron", [options.user, stem, run]),
      title: output.data.title!, // the schema requires it with notify:true
      message: output.data.message ?? "",
      script: stem,
      ...(output.data.image_path ? { image_path: resolve(options.home, output.data.image_path) } : {}),
    },
  });
  if (answer.status !== 200 && answer.status !== 202) {
    return fail(log, name, `the bridge refused the dispatch (${answer.status})`, JSON.stringify(answer.body));
  }
  writeState(statePath, { last_sent: now });
  log.info("script notified", { script: name, queued: answer.status === 202 });
  return "sent";
}

function fail(log: Logger, name: string, reason: string, detail?: string): ScriptOutcome {
  log.error("script failed; nothing sent", { script: name, reason, ...(detail ? { detail } : {}) });
  return "failed";
}

/**
 * A script's state: the legacy `{"last_sent": <epoch s>}`, plus `pending_run`
 * while a send is not known to have reached the bridge (legacy readers ignore it).
 */
interface ScriptState {
  last_sent?: number;
  pending_run?: string;
}

function readState(path: string): ScriptState {
  try {
    const raw = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    const state: ScriptState = {};
    if (typeof raw.last_sent === "number" && Number.isFinite(raw.last_sent)) state.last_sent = raw.last_sent;
    if (typeof raw.pending_run === "string" && /^\d{1,16}$/.test(raw.pending_run)) state.pending_run = raw.pending_run;
    return state;
  } catch {
    return {};
  }
}

/** Written via rename so a crash never leaves half a file. */
function writeState(path: string, state: ScriptState): void {
  mkdirSync(resolve(path, ".."), { recursive: true, mode: 0o700 });
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}
