import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { commandOf, cpuMs, descendants, listeningPorts, rssBytes } from "./proc.js";
import { sleep } from "./stats.js";
import { startWorkerdProfile, type ProfileRun } from "./workerd-profile.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

export interface Target {
  name: "ours" | "ours-direct" | "floor";
  /** ws://…/ws/notifications */
  socketUrl: string;
  dispatchSocket: string;
  jwtSecret: string;
  /** PIDs of this target's processes, by role (workerd, devProxy, bridge, wrangler, floor). */
  pids(): Record<string, number[]>;
  /** Roles whose processes hold the client sockets: memory per socket is counted from these only. */
  socketHolders: string[];
  /** With a profile directory: CPU profiles of the gateway's isolates from now until `stop()`. */
  profile?(label: string): Promise<ProfileRun>;
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

/**
 * The gateway in workerd (its own process, persisted storage) and the real bridge.
 * wrangler runs two workerd processes: its dev proxy (listening on the gateway's
 * port, relaying every request and socket) and the runtime hosting our worker.
 * `direct` points the clients and the bridge at the latter's own port instead (as
 * on Cloudflare, where there is no dev proxy): the "ours-direct" probe.
 */
export async function startOurs(options: {
  jwtSecret: string;
  bridgeToken: string;
  vars?: Record<string, string>;
  /** Writes CPU profiles here: the bridge's (`--cpu-prof`, at exit) and workerd's (`profile()`). */
  profileDir?: string;
  direct?: boolean;
}): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), "bench-ours-"));
  const persist = join(dir, "state");
  const dispatchSocket = join(dir, "ws.sock");
  const { profileDir } = options;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  let port = 0;
  let host: ChildProcess;
  let roles: { workerd: number[]; devProxy: number[] } | undefined;

  const startHost = async () => {
    roles = undefined;
    host = spawn(process.execPath, ["--import", "tsx", join(ROOT, "scripts/gateway-host.ts")], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...QUIET,
        GATEWAY_PORT: String(port),
        GATEWAY_PERSIST: persist,
        // workerd's inspector listens only when profiling: it is not free.
        ...(profileDir ? { GATEWAY_INSPECTOR_PORT: "0" } : {}),
        GATEWAY_VARS: JSON.stringify({
          DESKTOP_JWT_SECRET: options.jwtSecret,
          BRIDGE_TOKEN: options.bridgeToken,
          // The load is the point here, not a runaway script.
          DISPATCH_RATE_PER_USER_PER_MINUTE: "0",
          ...options.vars,
        }),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const url = await waitForLine(host, /GATEWAY_READY (\S+)/, "gateway host");
    port = Number(new URL(url).port);
    // "ready" is the dev proxy's; the runtime hosting our worker may still be starting.
    for (let i = 0; i < 600; i++) {
      const response = await fetch(new URL("/healthz", url)).catch(() => undefined);
      if (response?.ok) return;
      await sleep(100);
    }
    throw new Error("gateway did not answer /healthz within 60 s");
  };
  await startHost();
  const workerdRoles = () => {
    if (!roles) {
      const all = descendants(host.pid!).filter((pid) => commandOf(pid).includes("workerd serve"));
      // Only wrangler dev runs a proxy beside the runtime; the gateway host runs workerd alone.
      const devProxy = all.length > 1 ? all.filter((pid) => listeningPorts(pid).includes(port)) : [];
      roles = { workerd: all.filter((pid) => !devProxy.includes(pid)), devProxy };
    }
    return roles;
  };
  // Miniflare's entry socket in the workerd of our worker: the one of its ports that serves /healthz.
  let gatewayPort = port;
  if (options.direct) {
    const ports = listeningPorts(workerdRoles().workerd[0]!);
    const answers = await Promise.all(
      ports.map((p) =>
        fetch(`http://127.0.0.1:${p}/healthz`).then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    gatewayPort = ports[answers.indexOf(true)] ?? 0;
    if (!gatewayPort) throw new Error(`no port of workerd (${ports.join(", ")}) serves /healthz`);
  }

  const profile = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const bridge = spawn(process.execPath, [...profile, join(ROOT, "local-bridge/dist/cli.js"), "serve"], {
    env: {
      PATH: process.env.PATH,
      WS_DISPATCH_SOCKET: dispatchSocket,
      SPOOL_DIR: join(dir, "spool"),
      GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`,
      BRIDGE_TOKEN: options.bridgeToken,
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  for (let i = 0; i < 200 && !existsSync(dispatchSocket); i++) await sleep(50);
  if (!existsSync(dispatchSocket)) throw new Error("bridge did not start");

  return {
    name: options.direct ? "ours-direct" : "ours",
    socketUrl: `ws://127.0.0.1:${gatewayPort}/ws/notifications`,
    dispatchSocket,
    jwtSecret: options.jwtSecret,
    pids: () => ({ ...workerdRoles(), bridge: [bridge.pid!], wrangler: [host.pid!] }),
    socketHolders: options.direct ? ["workerd"] : ["workerd", "devProxy"],
    ...(profileDir && {
      profile: (label: string) => startWorkerdProfile(workerdRoles().workerd[0]!, profileDir, label),
    }),
    // The direct port changes with a restart; the probe starts a new gateway instead.
    restartGateway: options.direct
      ? undefined
      : async () => {
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
    socketHolders: ["floor"],
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/** RSS of each role's processes, in bytes. */
export function memoryOf(target: Target): Record<string, number> {
  return byRole(target, rssBytes);
}

/** CPU time each role's processes have used so far, in ms. */
export function cpuOf(target: Target): Record<string, number> {
  return byRole(target, cpuMs);
}

function byRole(target: Target, read: (pid: number) => number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [role, pids] of Object.entries(target.pids())) out[role] = pids.reduce((sum, pid) => sum + read(pid), 0);
  return out;
}

/** RSS per role as the median of several samples after a pause, with each role's spread (max − min). */
export async function settledMemoryOf(
  target: Target,
  { samples = 5, intervalMs = 200, pauseMs = 1000 } = {},
): Promise<{ median: Record<string, number>; spread: Record<string, number> }> {
  await sleep(pauseMs);
  const taken: Record<string, number>[] = [];
  for (let i = 0; i < samples; i++) {
    if (i) await sleep(intervalMs);
    taken.push(memoryOf(target));
  }
  const median: Record<string, number> = {};
  const spread: Record<string, number> = {};
  for (const role of Object.keys(taken[0]!)) {
    const values = taken.map((sample) => sample[role] ?? 0).sort((a, b) => a - b);
    median[role] = values[Math.floor(values.length / 2)]!;
    spread[role] = values[values.length - 1]! - values[0]!;
  }
  return { median, spread };
}
