import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FDS_PER_SOCKET } from "./fds.js";
import { startGatewayHost } from "./host.js";
import { waitForLine } from "./lines.js";
import { commandOf, cpuMs, descendants, listeningPorts, openFds, rssBytes } from "./proc.js";
import { sleep } from "./stats.js";
import { bridgeStageTrace, type StageTrace } from "./trace.js";
import { startWorkerdProfile, type ProfileRun } from "./workerd-profile.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

export type TargetName = "ours" | "floor" | "durable-floor" | "runtime-floor" | "external";

export interface Target {
  name: TargetName;
  /** ws://…/ws/notifications */
  socketUrl: string;
  dispatchSocket: string;
  jwtSecret: string;
  /** Every process of the running gateway, by role (host, workerd, devProxy, bridge, floor, sqlite3). */
  pids(): Record<string, number[]>;
  /** Descriptors a client socket costs in the process that spends the most on it (see fds.ts). */
  fdsPerSocket: number;
  /** With a profile directory: CPU profiles of the gateway's isolates from now until `stop()`. */
  profile?(label: string): Promise<ProfileRun>;
  /** Per-stage timings of one measured run, where the gateway can report them (see trace.ts). */
  trace?: StageTrace;
  /** Kills and restarts the gateway (not the bridge); storage survives. */
  restartGateway?(): Promise<void>;
  stop(): Promise<void>;
}

/** Ours as `npm start` runs it: the gateway host (host.ts) and the real bridge on a Unix socket. */
export async function startOurs(options: {
  jwtSecret: string;
  bridgeToken: string;
  vars?: Record<string, string>;
  /** Writes CPU profiles here: the bridge's (`--cpu-prof`, at exit) and workerd's (`profile()`). */
  profileDir?: string;
  /** Per-stage trace of each delivery run (the bridge logs each dispatch's stage times). */
  trace?: boolean;
}): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), "bench-ours-"));
  const dispatchSocket = join(dir, "ws.sock");
  const { profileDir } = options;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  let port = 0;
  let host: ChildProcess;
  let roles: HostRoles | undefined;

  const startHost = async () => {
    roles = undefined;
    const started = await startGatewayHost({
      port,
      persistDir: join(dir, "state"),
      inspector: Boolean(profileDir),
      bindings: {
        DESKTOP_JWT_SECRET: options.jwtSecret,
        BRIDGE_TOKEN: options.bridgeToken,
        // The load is the point here, not a runaway script.
        DISPATCH_RATE_PER_USER_PER_MINUTE: "0",
        // Every bench client comes from 127.0.0.1; real clients come from many addresses.
        LEGACY_PENDING_SOCKETS_PER_ADDRESS: "100000",
        ...options.vars,
      },
    });
    host = started.child;
    port = Number(new URL(started.url).port);
    // Ready may be the proxy's; the runtime hosting our worker may still be starting.
    for (let i = 0; i < 600; i++) {
      const response = await fetch(`${started.url}/healthz`).catch(() => undefined);
      if (response?.ok) return;
      await sleep(100);
    }
    throw new Error("gateway did not answer /healthz within 60 s");
  };
  await startHost();
  const hostRoles = () => (roles ??= rolesUnder(host.pid!, port));
  const { bridge, trace } = await startBridge({
    dispatchSocket,
    dir,
    gatewayUrl: `http://127.0.0.1:${port}`,
    bridgeToken: options.bridgeToken,
    profileDir,
    trace: options.trace,
  });

  return {
    name: "ours",
    ...(trace && { trace }),
    socketUrl: `ws://127.0.0.1:${port}/ws/notifications`,
    dispatchSocket,
    jwtSecret: options.jwtSecret,
    pids: () => ({
      ...withProcesses(hostRoles()),
      bridge: [bridge.pid!],
    }),
    fdsPerSocket: FDS_PER_SOCKET.ours,
    ...(profileDir && {
      profile: (label: string) => startWorkerdProfile(hostRoles().workerd[0]!, profileDir, label),
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
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface HostRoles {
  host: number[];
  workerd: number[];
  devProxy: number[];
}

/**
 * Every process under a gateway host: workerd (the runtime and, under wrangler dev, its proxy,
 * which listens on the gateway's `port`) and the rest (the host's Node and its helpers).
 */
function rolesUnder(hostPid: number, port?: number): HostRoles {
  const all = descendants(hostPid);
  const workerd = all.filter((pid) => commandOf(pid).includes("workerd serve"));
  // Only wrangler dev runs a proxy beside the runtime; a host of one workerd has none.
  const devProxy =
    port !== undefined && workerd.length > 1 ? workerd.filter((pid) => listeningPorts(pid).includes(port)) : [];
  return {
    host: [hostPid, ...all.filter((pid) => !workerd.includes(pid))],
    workerd: workerd.filter((pid) => !devProxy.includes(pid)),
    devProxy,
  };
}

/** Roles with no process (no dev proxy in front) are left out rather than shown as zero. */
function withProcesses(roles: HostRoles): Record<string, number[]> {
  return Object.fromEntries(Object.entries(roles).filter(([, pids]) => pids.length));
}

/** The bridge as `npm start` runs it, forwarding to `gatewayUrl`; with `trace`, its per-stage log read back. */
async function startBridge(options: {
  dispatchSocket: string;
  dir: string;
  gatewayUrl: string;
  bridgeToken: string;
  /** The bridge writes its CPU profile here at exit (`--cpu-prof`). */
  profileDir?: string;
  trace?: boolean;
  env?: Record<string, string>;
}): Promise<{ bridge: ChildProcess; trace: StageTrace | undefined }> {
  const profile = options.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`] : [];
  const bridge = spawn(process.execPath, [...profile, join(ROOT, "local-bridge/dist/cli.js"), "serve"], {
    env: {
      PATH: process.env.PATH,
      WS_DISPATCH_SOCKET: options.dispatchSocket,
      SPOOL_DIR: join(options.dir, "spool"),
      GATEWAY_URL: options.gatewayUrl,
      BRIDGE_TOKEN: options.bridgeToken,
      LOG_LEVEL: options.trace ? "info" : "warn",
      ...(options.trace && { TRACE_DISPATCHES: "on" }),
      ...options.env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const trace = options.trace ? bridgeStageTrace(bridge) : undefined;
  bridge.stderr!.resume();
  for (let i = 0; i < 200 && !existsSync(options.dispatchSocket); i++) await sleep(50);
  if (!existsSync(options.dispatchSocket)) throw new Error("bridge did not start");
  return { bridge, trace };
}

/**
 * The runtime floor (bench/runtime-floor/): the least a gateway in our runtime and layout
 * does (a v2 socket per user object, one SQLite row per notification), behind the same bridge.
 */
export async function startRuntimeFloor(options: { jwtSecret: string; bridgeToken: string }): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), "bench-runtime-floor-"));
  const dispatchSocket = join(dir, "ws.sock");
  const host = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/runtime-floor/host.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      FLOOR_PERSIST: join(dir, "state"),
      FLOOR_VARS: JSON.stringify({ FLOOR_SECRET: options.jwtSecret, BRIDGE_TOKEN: options.bridgeToken }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = new URL(await waitForLine(host, /RUNTIME_FLOOR_READY (\S+)/, "runtime floor"));
  // Only the worker's routes exist there: no agent channel for the bridge to keep.
  const { bridge } = await startBridge({
    dispatchSocket,
    dir,
    gatewayUrl: url.origin,
    bridgeToken: options.bridgeToken,
    env: { AGENT_CHANNEL: "off" },
  });
  let roles: HostRoles | undefined;
  const hostRoles = () => (roles ??= rolesUnder(host.pid!));
  return {
    name: "runtime-floor",
    socketUrl: `ws://${url.host}/ws/notifications`,
    dispatchSocket,
    jwtSecret: options.jwtSecret,
    pids: () => ({ ...withProcesses(hostRoles()), bridge: [bridge.pid!] }),
    fdsPerSocket: FDS_PER_SOCKET.ours,
    stop: async () => {
      bridge.kill("SIGTERM");
      host.kill("SIGTERM");
      await Promise.all([new Promise((r) => bridge.once("exit", r)), new Promise((r) => host.once("exit", r))]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The floor (one Node process, nothing stored) or, `durable`, the durable floor (floor-gateway.ts). */
export async function startFloor(options: { jwtSecret: string; durable?: boolean }): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), "bench-floor-"));
  const dispatchSocket = join(dir, "ws.sock");
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/floor-gateway.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      FLOOR_SECRET: options.jwtSecret,
      FLOOR_SOCKET: dispatchSocket,
      ...(options.durable && { FLOOR_DURABLE_DIR: dir }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await waitForLine(child, /FLOOR_READY (\S+)/, "floor gateway");
  // The durable floor's sqlite3 runs as its child.
  const sqlite = options.durable ? descendants(child.pid!) : [];
  return {
    name: options.durable ? "durable-floor" : "floor",
    socketUrl: url,
    dispatchSocket,
    jwtSecret: options.jwtSecret,
    pids: () => ({ floor: [child.pid!], ...(options.durable && { sqlite3: sqlite }) }),
    fdsPerSocket: FDS_PER_SOCKET.floor,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** RSS of each role's processes, in bytes. */
export function memoryOf(target: Target): Record<string, number> {
  return byRole(target, rssBytes);
}

/** Open descriptors of each role's processes. */
export function fdsOf(target: Target): Record<string, number> {
  return byRole(target, openFds);
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

/**
 * Waits (at most `maxMs`) until the RSS summed over the target's processes moves less than
 * `withinBytes` from one sample to the next: a process just started is still collecting its
 * start-up garbage, which would otherwise be counted against what comes next.
 */
export async function waitForSteadyMemory(
  target: Target,
  { withinBytes = 2 * 1048576, intervalMs = 1000, maxMs = 15_000 } = {},
): Promise<void> {
  const total = () => Object.values(memoryOf(target)).reduce((sum, bytes) => sum + bytes, 0);
  const deadline = Date.now() + maxMs;
  let previous = total();
  while (Date.now() < deadline) {
    await sleep(intervalMs);
    const now = total();
    if (Math.abs(now - previous) < withinBytes) return;
    previous = now;
  }
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
