import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sleep } from "./stats.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

export interface Target {
  name: "ours" | "floor";
  /** ws://…/ws/notifications */
  socketUrl: string;
  dispatchSocket: string;
  jwtSecret: string;
  /** PIDs whose RSS counts as this target's memory, by role. */
  pids(): Record<string, number[]>;
  /** Kills and restarts the gateway (not the bridge); storage survives. */
  restartGateway?(): Promise<void>;
  stop(): Promise<void>;
}

const QUIET = {
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_ERROR_REPORTS: "false",
};

/** Resident set size of a process in bytes (0 when gone). */
export function rssBytes(pid: number): number {
  try {
    const match = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every descendant of a process (workerd runs under wrangler's Node process). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const child of children.get(p) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

async function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${buffered.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = buffered.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? match[0]);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${what} exited (${code}): ${buffered.slice(-2000)}`)));
  });
}

/** The gateway in workerd (its own process, persisted storage) and the real bridge. */
export async function startOurs(options: {
  jwtSecret: string;
  bridgeToken: string;
  vars?: Record<string, string>;
}): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), "bench-ours-"));
  const persist = join(dir, "state");
  const dispatchSocket = join(dir, "ws.sock");
  let port = 0;
  let host: ChildProcess;

  const startHost = async () => {
    host = spawn(process.execPath, ["--import", "tsx", join(ROOT, "scripts/gateway-host.ts")], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...QUIET,
        BENCH_PORT: String(port),
        BENCH_PERSIST: persist,
        BENCH_BINDINGS: JSON.stringify({
          DESKTOP_JWT_SECRET: options.jwtSecret,
          BRIDGE_TOKEN: options.bridgeToken,
          // The load is the point here, not a runaway script.
          DISPATCH_RATE_PER_USER_PER_MINUTE: "0",
          ...options.vars,
        }),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const url = await waitForLine(host, /BENCH_READY (\S+)/, "gateway host");
    port = Number(new URL(url).port);
  };
  await startHost();

  // BENCH_PROFILE_DIR=<dir> writes a V8 CPU profile of the bridge there when it stops.
  const profile = process.env.BENCH_PROFILE_DIR
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
    : [];
  const bridge = spawn(process.execPath, [...profile, join(ROOT, "local-bridge/dist/cli.js"), "serve"], {
    env: {
      PATH: process.env.PATH,
      WS_DISPATCH_SOCKET: dispatchSocket,
      SPOOL_DIR: join(dir, "spool"),
      GATEWAY_URL: `http://127.0.0.1:${port}`,
      BRIDGE_TOKEN: options.bridgeToken,
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  for (let i = 0; i < 200 && !existsSync(dispatchSocket); i++) await sleep(50);
  if (!existsSync(dispatchSocket)) throw new Error("bridge did not start");

  return {
    name: "ours",
    socketUrl: `ws://127.0.0.1:${port}/ws/notifications`,
    dispatchSocket,
    jwtSecret: options.jwtSecret,
    pids: () => ({
      workerd: descendants(host.pid!).filter((pid) => commandOf(pid).includes("workerd")),
      bridge: [bridge.pid!],
    }),
    restartGateway: async () => {
      const exited = new Promise((resolve) => host.once("exit", resolve));
      host.kill("SIGTERM");
      await exited;
      await startHost();
    },
    stop: async () => {
      bridge.kill("SIGTERM");
      host.kill("SIGTERM");
      await Promise.all([new Promise((r) => bridge.once("exit", r)), new Promise((r) => host.once("exit", r))]);
    },
  };
}

/** The floor: a minimal legacy gateway in one Node process. */
export async function startFloor(options: { jwtSecret: string }): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), "bench-floor-"));
  const dispatchSocket = join(dir, "ws.sock");
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/floor-gateway.ts")], {
    cwd: ROOT,
    env: { ...process.env, FLOOR_SECRET: options.jwtSecret, FLOOR_SOCKET: dispatchSocket },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await waitForLine(child, /FLOOR_READY (\S+)/, "floor gateway");
  return {
    name: "floor",
    socketUrl: url,
    dispatchSocket,
    jwtSecret: options.jwtSecret,
    pids: () => ({ floor: [child.pid!] }),
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

export function memoryOf(target: Target): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [role, pids] of Object.entries(target.pids()))
    out[role] = pids.reduce((sum, pid) => sum + rssBytes(pid), 0);
  return out;
}
