import { spawn } from "node:child_process";
import { BRIDGE_CLI } from "./bridge.js";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stderr's JSON log lines. */
  logs: Array<Record<string, unknown>>;
}

/** Runs one `analyst-bridge <args>` process to its end, as a shell or cron would. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 20_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BRIDGE_CLI, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`analyst-bridge ${args.join(" ")} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      const logs = stderr
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          try {
            return JSON.parse(line) as Record<string, unknown>;
          } catch {
            return { raw: line };
          }
        });
      resolve({ code, stdout, stderr, logs });
    });
  });
}
