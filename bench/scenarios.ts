import { performance } from "node:perf_hooks";
import { BenchSocket, Dispatcher, Fleet, type Protocol } from "./load.js";
import { cpuOf, memoryOf, settledMemoryOf, type Target } from "./processes.js";
import { sleep, summarize, type Summary } from "./stats.js";

export interface Scale {
  quick: boolean;
  /**
   * Users of the capacity and storm scenarios (× 5 sockets). The target is 1,000; this
   * workplace caps a process at 20,000 descriptors and the local dev runtime spends about six per
   * WebSocket, so runs here use 600 (3,000 sockets) unless --users says otherwise.
   */
  users: number;
  /** How long capacity's sockets sit idle before memory is sampled (hibernation, allocator settling). */
  idleMs: number;
}

export interface DeliveryResult {
  scenario: string;
  target: string;
  protocol: Protocol;
  dispatches: number;
  refused: number;
  seconds: number;
  dispatchesPerSecond: number;
  deliveriesPerSecond: number;
  latencyMs: Summary;
  /** Dispatch → delivered on the first socket of the user (the rest of `latencyMs` is fan-out). */
  firstSocketMs: Summary;
  lost: number;
  duplicated: number;
  memoryBytes: Record<string, number>;
  /** CPU time each process used during the measured run (ms; `load` is this load generator). */
  cpuMs: Record<string, number>;
  /** CPU profiles of the gateway's isolates over the measured run (with --profile). */
  profiles?: string[];
}

const loadCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 1000);
};

const users = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Sends `count` dispatches round-robin over users, at most `inFlight` at once, optionally paced. */
async function drive(
  fleet: Fleet,
  dispatcher: Dispatcher,
  names: string[],
  count: number,
  { inFlight, perSecond }: { inFlight: number; perSecond?: number },
): Promise<{ refused: number; elapsedMs: number; lost: number }> {
  let next = 0;
  let refused = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const n = next++;
        if (perSecond) {
          const due = start + (n * 1000) / perSecond;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
        }
        const user = names[n % names.length]!;
        const id = dispatcher.nextId(fleet.target.name);
        fleet.expect(id, user);
        const response = await dispatcher.post(user, id);
        if (response.status >= 300) {
          refused += 1;
          fleet.pending.delete(id);
        }
      }
    }),
  );
  const lost = await fleet.settle(10_000);
  return { refused, elapsedMs: Math.max(fleet.lastDeliveryAt(), performance.now()) - start, lost };
}

async function deliveryScenario(
  scenario: string,
  target: Target,
  protocol: Protocol,
  shape: { users: number; perUser: number; count: number; inFlight: number; perSecond?: number },
): Promise<DeliveryResult> {
  const fleet = new Fleet(target, protocol);
  const names = users(`${scenario}-${protocol}-`, shape.users);
  await fleet.connect(names, shape.perUser);
  const dispatcher = new Dispatcher(target.dispatchSocket, shape.inFlight);
  // Warm-up: wakes every user's object and the connection pool.
  await drive(fleet, dispatcher, names, shape.users, { inFlight: shape.inFlight });
  fleet.reset();
  const profiling = await target.profile?.(`${scenario}-${target.name}-${protocol}`);
  const cpuBefore: Record<string, number> = { ...cpuOf(target), load: loadCpuMs() };
  const run = await drive(fleet, dispatcher, names, shape.count, shape);
  const cpuAfter = { ...cpuOf(target), load: loadCpuMs() };
  const cpuMs = Object.fromEntries(Object.entries(cpuAfter).map(([role, ms]) => [role, ms - (cpuBefore[role] ?? 0)]));
  const profiles = await profiling?.stop({ wallMs: Math.round(run.elapsedMs), dispatches: shape.count, cpuMs });
  const seconds = run.elapsedMs / 1000;
  const result: DeliveryResult = {
    scenario,
    target: target.name,
    protocol,
    dispatches: shape.count,
    refused: run.refused,
    seconds: Math.round(seconds * 1000) / 1000,
    dispatchesPerSecond: Math.round((shape.count - run.refused) / seconds),
    deliveriesPerSecond: Math.round(fleet.deliveries / seconds),
    latencyMs: summarize(fleet.latencies),
    firstSocketMs: summarize(fleet.firstLatencies),
    lost: run.lost,
    duplicated: fleet.duplicates,
    memoryBytes: memoryOf(target),
    cpuMs,
    ...(profiles && { profiles }),
  };
  dispatcher.close();
  await fleet.closeAll();
  return result;
}

/** 10 users × 5 sockets, 200 dispatches/s for 10 s (2 s quick): latency with no queueing. */
export const unloaded = (target: Target, protocol: Protocol, { quick }: Scale) =>
  deliveryScenario("unloaded", target, protocol, {
    users: 10,
    perUser: 5,
    count: quick ? 400 : 2000,
    inFlight: 16,
    perSecond: 200,
  });

/** 100 users × 2 sockets, 2,000 dispatches (500 quick), 16 in flight: throughput. */
export const saturated = (target: Target, protocol: Protocol, { quick }: Scale) =>
  deliveryScenario("saturated", target, protocol, {
    users: 100,
    perUser: 2,
    count: quick ? 500 : 2000,
    inFlight: 16,
  });

export interface CapacityResult {
  scenario: "capacity";
  target: string;
  protocol: Protocol;
  sockets: number;
  /** Sockets of the second half, whose memory is measured. */
  measuredSockets: number;
  failedConnects: number;
  connectMs: Summary;
  connectAllSeconds: number;
  /**
   * RSS growth of the processes that hold the sockets, per open socket; undefined when the growth
   * is within the RSS noise (or negative), so no figure is claimed.
   */
  bytesPerSocket: number | undefined;
  /** The same per socket-holding role (may be within noise on its own). */
  bytesPerSocketByRole: Record<string, number>;
  /** Spread of the RSS samples of the socket holders, per socket: the resolution of the figure. */
  noiseBytesPerSocket: number;
  /** RSS of every process after the sockets settled (the bridge's included, for its own column). */
  memoryBytes: Record<string, number>;
}

/**
 * --users × 5 sockets (200 × 5 quick) on a gateway that has served nothing yet (the caller starts
 * or restarts it): connect time, and memory per idle socket from the socket holders' RSS only.
 * The first half of the users warms the gateway up (code, caches, pools: fixed costs); the figure
 * is the growth from the second half, divided by its sockets.
 */
export async function capacity(target: Target, protocol: Protocol, scale: Scale): Promise<CapacityResult> {
  const { quick } = scale;
  const fleet = new Fleet(target, protocol);
  const names = users(`capacity-${protocol}-`, quick ? 200 : scale.users);
  const warmUp = names.slice(0, Math.floor(names.length / 2));
  const measured = names.slice(warmUp.length);
  let connectMs = 0;
  const connect = async (batch: string[]) => {
    const start = performance.now();
    const times = await fleet.connect(batch, 5);
    connectMs += performance.now() - start;
    await sleep(scale.idleMs);
    return times;
  };
  const times = await connect(warmUp);
  const failedBefore = fleet.failedConnects;
  const before = await settledMemoryOf(target);
  times.push(...(await connect(measured)));
  const after = await settledMemoryOf(target);
  const sockets = measured.length * 5 - (fleet.failedConnects - failedBefore);
  const bytesPerSocketByRole: Record<string, number> = {};
  let growth = 0;
  let noise = 0;
  for (const role of target.socketHolders) {
    const delta = after.median[role]! - before.median[role]!;
    bytesPerSocketByRole[role] = Math.round(delta / sockets);
    growth += delta;
    noise += after.spread[role]! + before.spread[role]!;
  }
  await fleet.closeAll();
  const noiseBytesPerSocket = Math.round(noise / sockets);
  return {
    scenario: "capacity",
    target: target.name,
    protocol,
    sockets: names.length * 5 - fleet.failedConnects,
    measuredSockets: sockets,
    failedConnects: fleet.failedConnects,
    connectMs: summarize(times),
    connectAllSeconds: Math.round(connectMs) / 1000,
    bytesPerSocket: growth > noise ? Math.round(growth / sockets) : undefined,
    bytesPerSocketByRole,
    noiseBytesPerSocket,
    memoryBytes: after.median,
  };
}

export interface ResumeResult {
  scenario: "resume";
  target: string;
  runs: number;
  missed: number;
  resumeMs: Summary;
  lost: number;
  duplicated: number;
}

/** A v2 client offline during 50 dispatches reconnects with its cursor: time until it has all 50. */
export async function resume(target: Target, { quick }: Scale): Promise<ResumeResult> {
  const runs = quick ? 3 : 10;
  const fleet = new Fleet(target, "v2");
  const dispatcher = new Dispatcher(target.dispatchSocket, 16);
  const times: number[] = [];
  let lost = 0;
  for (let run = 0; run < runs; run++) {
    const user = `resume-${run}`;
    const socket = new BenchSocket(fleet, user);
    await socket.open(await fleet.token(user));
    await socket.close();
    fleet.reset();
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const id = dispatcher.nextId("resume");
      ids.push(id);
      await dispatcher.post(user, id);
      fleet.pending.set(id, { t0: 0, expected: 1, delivered: 0, lastAt: 0 });
    }
    const again = new BenchSocket(fleet, user);
    const t0 = performance.now();
    await again.open(await fleet.token(user), 0);
    lost += await fleet.settle(10_000);
    times.push(fleet.lastDeliveryAt() - t0);
    await again.close();
  }
  dispatcher.close();
  return {
    scenario: "resume",
    target: target.name,
    runs,
    missed: lost,
    resumeMs: summarize(times),
    lost,
    duplicated: fleet.duplicates,
  };
}

export interface StormResult {
  scenario: "storm";
  target: string;
  sockets: number;
  restartSeconds: number;
  resumeSeconds: number;
  dispatchedDuringOutage: number;
  refusedDuringOutage: number;
  lost: number;
  duplicated: number;
}

/**
 * 5,000 v2 sockets (500 quick) reconnect after a worker restart: time from
 * the restarted worker being ready until every socket is back and has
 * replayed what it missed; nothing lost, nothing twice.
 */
export async function storm(target: Target, { quick, users: count }: Scale): Promise<StormResult> {
  if (!target.restartGateway) throw new Error("storm needs a restartable target");
  const fleet = new Fleet(target, "v2");
  const names = users("storm-", quick ? 100 : count);
  await fleet.connect(names, 5);
  const all = [...fleet.sockets.values()].flat();
  const dispatcher = new Dispatcher(target.dispatchSocket, 16);
  // One notification per user before the restart, to give every socket a cursor.
  await drive(fleet, dispatcher, names, names.length, { inFlight: 16 });

  let resumed = 0;
  for (const socket of all) {
    socket.onResumed = () => (resumed += 1);
    socket.keepAlive();
  }
  const restartStart = performance.now();
  const restarting = target.restartGateway();
  // Dispatches while the worker is down or starting: the bridge must answer each.
  let dispatched = 0;
  let refused = 0;
  for (const user of names) {
    const id = dispatcher.nextId("outage");
    // Every socket is down now; each must get it on resume.
    fleet.pending.set(id, { t0: performance.now(), expected: 5, delivered: 0, lastAt: 0 });
    const response = await dispatcher.post(user, id).catch(() => ({ status: 0, body: "" }));
    dispatched += 1;
    if (response.status >= 300 && response.status !== 202) {
      refused += 1;
      fleet.pending.delete(id);
    }
  }
  await restarting;
  const ready = performance.now();
  const deadline = ready + 60_000;
  while (resumed < all.length && performance.now() < deadline) await sleep(20);
  const resumeSeconds = (performance.now() - ready) / 1000;
  // One more per user after the storm: every socket must get it exactly once.
  await drive(fleet, dispatcher, names, names.length, { inFlight: 16 });
  const lost = await fleet.settle(15_000);
  dispatcher.close();
  await fleet.closeAll();
  return {
    scenario: "storm",
    target: target.name,
    sockets: all.length,
    restartSeconds: Math.round(((ready - restartStart) / 1000) * 1000) / 1000,
    resumeSeconds: resumed < all.length ? Infinity : Math.round(resumeSeconds * 1000) / 1000,
    dispatchedDuringOutage: dispatched,
    refusedDuringOutage: refused,
    lost,
    duplicated: fleet.duplicates,
  };
}
