import { spawn } from "node:child_process";

/** Output beyond this is cut: scripts print one small JSON object. */
export const MAX_COMMAND_OUTPUT_BYTES = 1_048_576;

export interface CommandResult {
  /** null when killed by a signal (a timeout included). */
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program with an argument array (never a shell, so nothing in a name
 * is interpreted), kills it and its process group after `timeoutMs`, and
 * collects its output up to a cap.
 */
export function runCommand(
  argv: readonly string[],
  options: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    const child = spawn(file!, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // own process group: a timeout also stops what the script started
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      if (outBytes < MAX_COMMAND_OUTPUT_BYTES) out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (errBytes < MAX_COMMAND_OUTPUT_BYTES) err.push(chunk);
      errBytes += chunk.length;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, options.timeoutMs);
    let spawnError: string | undefined;
    child.on("error", (error) => {
      spawnError = error.message;
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        exitCode: spawnError ? 127 : code,
        timedOut,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: spawnError ?? Buffer.concat(err).toString("utf8"),
      });
    });
  });
}
