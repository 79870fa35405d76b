import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BRIDGE_CLI = fileURLToPath(new URL("../../local-bridge/dist/cli.js", import.meta.url));

export interface Bridge {
  socketPath: string;
  process: ChildProcess;
  /** Collected JSON log lines. */
  logs: Array<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Bridges still running; a test that fails before stopping its bridge must not leave it behind. */
const running = new Set<ChildProcess>();

/** Kills every bridge a test file left running (test/setup.ts calls it after each file). */
export async function killLeftoverBridges(): Promise<void> {
  const exits = [...running].map((child) => new Promise((resolve) => child.once("exit", resolve)));
  for (const child of running) child.kill("SIGKILL");
  await Promise.all(exits);
}

/**
 * Runs the built bridge as a real process serving a real Unix socket, with a
 * spool of its own beside the socket unless `env.SPOOL_DIR` names one, and
 * the agent channel off unless `env.AGENT_CHANNEL` turns it on.
 */
export async function startBridge(env: Record<string, string>, socketPath?: string): Promise<Bridge> {
  const path = socketPath ?? join(mkdtempSync(join(tmpdir(), "bridge-")), "ws.sock");
  const child = spawn(process.execPath, [BRIDGE_CLI, "serve"], {
    env: {
      PATH: process.env.PATH,
      WS_DISPATCH_SOCKET: path,
      SPOOL_DIR: join(dirname(path), "spool"),
      AGENT_CHANNEL: "off",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const logs: Array<Record<string, unknown>> = [];
  let buffered = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 10_000;
  while (!logs.some((line) => line.msg === "listening")) {
    if (child.exitCode !== null) throw new Error(`bridge exited: ${JSON.stringify(logs)}`);
    if (Date.now() > deadline) throw new Error("bridge did not start within 10 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    socketPath: path,
    process: child,
    logs,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A bridge in front of `gateway`, waiting up to 5 s for the worker's answer (so tests see it). */
export function startBridgeFor(
  gateway: { url: URL; bridgeToken: string },
  env: Record<string, string> = {},
): Promise<Bridge> {
  return startBridge({
    GATEWAY_URL: gateway.url.href,
    BRIDGE_TOKEN: gateway.bridgeToken,
    DISPATCH_SYNC_DEADLINE_MS: "5000",
    ...env,
  });
}

export interface SocketResponse {
  status: number;
  body: unknown;
}

/** One HTTP request over the Unix socket, as `curl --unix-socket` makes it. */
export function socketRequest(
  socketPath: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<SocketResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: { ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // keep text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export function socketExists(path: string): boolean {
  return existsSync(path);
}
