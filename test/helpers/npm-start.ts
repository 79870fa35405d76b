import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mintToken } from "./tokens.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** `npm start` (scripts/dev.mjs) as a user runs it, on its own port, socket, spool, state and secrets. */
export interface NpmStart {
  url: string;
  socketPath: string;
  jwtSecret: string;
  process: ChildProcess;
  output: () => string;
  /** The pid of the workerd serving the gateway, and of the bridge. */
  workerdPid(): number;
  bridgePid(): number;
  /** Every stored notification id of a user, newest first (HTTP API, user token). */
  inboxIds(user: string): Promise<string[]>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const pgrep = (args: string[]) =>
  execFileSync("pgrep", args, { encoding: "utf8" }).trim().split("\n").filter(Boolean).map(Number);

/** Same directories as `dir` gives: a second start after a stop sees the same spool and inboxes. */
export async function startNpmStart(dir = mkdtempSync(join(tmpdir(), "npm-start-"))): Promise<NpmStart> {
  const jwtSecret = randomBytes(32).toString("hex");
  writeFileSync(
    join(dir, "dev.vars"),
    `DESKTOP_JWT_SECRET="${jwtSecret}"\nBRIDGE_TOKEN="${randomBytes(32).toString("hex")}"\n`,
    { flag: "wx" },
  );
  return launch(dir);
}

/** Starts `npm start` again on the directories of an earlier one. */
export async function launch(dir: string): Promise<NpmStart> {
  const vars = Object.fromEntries(
    [...readFileSync(join(dir, "dev.vars"), "utf8").matchAll(/^([A-Z_]+)="(.*)"$/gm)].map((m) => [m[1]!, m[2]!]),
  );
  const port = await freePort();
  const socketPath = join(dir, "ws.sock");
  const child = spawn(process.execPath, ["scripts/dev.mjs"], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      WS_DISPATCH_SOCKET: socketPath,
      SPOOL_DIR: join(dir, "spool"),
      GATEWAY_STATE_DIR: join(dir, "state"),
      DEV_VARS_PATH: join(dir, "dev.vars"),
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 110_000;
  while (!output.includes("Analyst Notifications is running.")) {
    if (child.exitCode !== null) throw new Error(`npm start exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    socketPath,
    jwtSecret: vars.DESKTOP_JWT_SECRET!,
    process: child,
    output: () => output,
    workerdPid: () => pgrep(["-f", `socket-addr=entry=127.0.0.1:${port}`])[0]!,
    bridgePid: () => pgrep(["-P", String(child.pid), "-f", "cli.js serve"])[0]!,
    inboxIds: async (user) => {
      const token = await mintToken({ secret: vars.DESKTOP_JWT_SECRET!, sub: user });
      const response = await fetch(`${url}/api/notifications?limit=200`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      const body = (await response.json()) as { notifications: Array<{ id: string }> };
      return body.notifications.map((notification) => notification.id);
    },
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface Call {
  id: string;
  user: string;
  /** HTTP status, or the error code of a call that got no answer. */
  outcome: number | string;
}

/**
 * POST /dispatch over the Unix socket, one connection per call as curl and
 * cron jobs make them, with an id fixed before the first attempt.
 */
export function dispatchOnce(socketPath: string, user: string, id: string): Promise<number | string> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ user, notification: { id, title: `t ${id}`, message: "m" } });
    const req = request(
      { socketPath, method: "POST", path: "/dispatch", agent: false, headers: { "Content-Type": "application/json" } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end(body);
  });
}

/**
 * `count` dispatches from `inFlight` concurrent callers over `users`, ids
 * `<tag>-<n>`. With `retry`, a call that got no answer is sent again with the
 * same id until it is answered (what local-bridge/README.md tells callers).
 */
export async function dispatchStream(
  socketPath: string,
  options: { users: string[]; count: number; inFlight: number; tag: string; retry: boolean; pauseMs?: number },
): Promise<Call[]> {
  const calls: Call[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: options.inFlight }, async () => {
      while (next < options.count) {
        const n = next++;
        const user = options.users[n % options.users.length]!;
        const id = `${options.tag}-${n}`;
        let outcome = await dispatchOnce(socketPath, user, id);
        const deadline = Date.now() + 60_000;
        while (options.retry && typeof outcome === "string" && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          outcome = await dispatchOnce(socketPath, user, id);
        }
        calls.push({ id, user, outcome });
        if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
      }
    }),
  );
  return calls;
}

/** Bridge health over the socket. */
export function health(socketPath: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: "/health", agent: false }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve(JSON.parse(text) as Record<string, unknown>));
    });
    req.on("error", reject);
    req.end();
  });
}
