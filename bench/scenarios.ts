import { performance } from "node:perf_hooks";
import { fitSockets } from "./fds.js";
import { BenchSocket, Dispatcher, Fleet, type Protocol } from "./load.js";
import { cpuOf, fdsOf, memoryOf, settledMemoryOf, waitForSteadyMemory, type Target } from "./processes.js";
import { sleep, summarize, type Summary } from "./stats.js";
import type { StageTimes } from "./trace.js";

export interface Scale {
  quick: boolean;
  /** Users of the storm scenario (× 5 sockets), scaled down to the descriptor limit (fds.ts). */
  users: number;
  /** How long the connect shape's sockets sit idle before memory is sampled (hibernation, allocator settling). */
  idleMs: number;
}

/** Users of the connect shape, one socket each: what a reconnect storm of many analysts looks like. */
export const CONNECT_USERS = 1_000;
/** Connects in progress at once in the connect shape (each: upgrade, then auth until auth_ok). */
export const CONNECT_CONCURRENCY = 100;
/** Users that connect and leave before the connect shape's baseline: code loaded, pools warm. */
const CONNECT_WARM_UP_USERS = 10;
/** How long a dispatch may take to reach every socket before it counts as lost. */
const SETTLE_MS = 10_000;

export interface DeliveryResult {
  scenario: "sequential" | "paced" | "saturated";
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
  /** Sockets that never got auth_ok (the scenario goes on without them). */
  failedConnects: number;
  /** Dispatches to a user none of whose sockets was open (closed by the gateway): not measured. */
  unmeasured: number;
  memoryBytes: Record<string, number>;
  /** CPU time each process used during the measured run (ms; `load` is this load generator). */
  cpuMs: Record<string, number>;
  /** CPU profiles of the gateway's isolates over the measured run (with --profile). */
  profiles?: string[];
  /** Where each dispatch's time went, when the target reports stages (trace.ts). */
  stages?: StageTimes;
}

const loadCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 1000);
};

/** CPU ms each process (and this load generator) used since `before`. */
function cpuSince(target: Target, before: Record<string, number>): Record<string, number> {
  const after: Record<string, number> = { ...cpuOf(target), load: loadCpuMs() };
  return Object.fromEntries(Object.entries(after).map(([role, ms]) => [role, ms - (before[role] ?? 0)]));
}

const users = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

interface DriveOptions {
  inFlight: number;
  perSecond?: number;
  /** Each dispatch waits for the previous one to be answered and delivered on every socket. */
  oneAtATime?: boolean;
}

/** Sends `count` dispatches round-robin over users, at most `inFlight` at once, optionally paced. */
async function drive(
  fleet: Fleet,
  dispatcher: Dispatcher,
  names: string[],
  count: number,
  { inFlight, perSecond, oneAtATime }: DriveOptions,
): Promise<{ refused: number; elapsedMs: number; lost: number }> {
  let next = 0;
  let refused = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: oneAtATime ? 1 : inFlight }, async () => {
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
        } else if (oneAtATime) {
          await fleet.complete(id, SETTLE_MS);
        }
      }
    }),
  );
  const lost = await fleet.settle(SETTLE_MS);
  return { refused, elapsedMs: Math.max(fleet.lastDeliveryAt(), performance.now()) - start, lost };
}

async function deliveryScenario(
  scenario: DeliveryResult["scenario"],
  target: Target,
  protocol: Protocol,
  shape: { users: number; perUser: number; count: number } & DriveOptions,
): Promise<DeliveryResult> {
  const fleet = new Fleet(target, protocol);
  const names = users(`${scenario}-${protocol}-`, shape.users);
  await fleet.connect(names, shape.perUser);
  const dispatcher = new Dispatcher(target.dispatchSocket, shape.inFlight);
  // Warm-up: wakes every user's object and the connection pool.
  await drive(fleet, dispatcher, names, shape.users, { inFlight: shape.inFlight });
  fleet.reset();
  const label = `${scenario}-${target.name}-${protocol}`;
  const profiling = await target.profile?.(label);
  const tracing = await target.trace?.start(label);
  const cpuBefore: Record<string, number> = { ...cpuOf(target), load: loadCpuMs() };
  const run = await drive(fleet, dispatcher, names, shape.count, shape);
  const cpuMs = cpuSince(target, cpuBefore);
  const stages = await tracing?.stop();
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
    failedConnects: fleet.failedConnects,
    unmeasured: fleet.unmeasured,
    memoryBytes: memoryOf(target),
    cpuMs,
    ...(profiles && { profiles }),
    ...(stages && { stages }),
  };
  dispatcher.close();
  await fleet.closeAll();
  return result;
}

/** 10 users × 5 sockets, one dispatch at a time (each answered and delivered before the next): latency alone. */
export const sequential = (target: Target, protocol: Protocol, { quick }: Scale) =>
  deliveryScenario("sequential", target, protocol, {
    users: 10,
    perUser: 5,
    count: quick ? 200 : 1000,
    inFlight: 1,
    oneAtATime: true,
  });

/** 10 users × 5 sockets, 200 dispatches/s for 10 s (2 s quick): latency at a steady rate, with its tail. */
export const paced = (target: Target, protocol: Protocol, { quick }: Scale) =>
  deliveryScenario("paced", target, protocol, {
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

export interface ConnectResult {
  scenario: "connect";
  target: string;
  protocol: Protocol;
  /** Sockets asked for, and why fewer were opened (descriptor limit), if so. */
  requestedSockets: number;
  scaledNote?: string;
  sockets: number;
  failedConnects: number;
  /** Each socket: upgrade sent → authenticated (auth_ok). */
  connectMs: Summary;
  /** First upgrade sent → every socket authenticated. */
  allConnectedSeconds: number;
  /**
   * Growth of the RSS summed over every process of the gateway, from its idle baseline to the
   * sockets held idle, per socket; undefined when within the noise of the samples.
   */
  bytesPerSocket: number | undefined;
  /** The same per process role, signed (each may be within noise on its own). */
  bytesPerSocketByRole: Record<string, number>;
  /** Spread of the RSS samples summed over the processes, per socket: the resolution of the figure. */
  noiseBytesPerSocket: number;
  /** RSS of every process with the sockets idle. */
  memoryBytes: Record<string, number>;
  /** Open descriptors each process gained per socket: what the shapes are sized by (fds.ts). */
  fdsPerSocketByRole: Record<string, number>;
  /** CPU time each process used while the sockets connected (ms; `load` is this load generator). */
  cpuMs: Record<string, number>;
  /** CPU profiles of the gateway's isolates over the connects (with --profile). */
  profiles?: string[];
  /** One dispatch per user after the idle period: each must reach its socket exactly once. */
  lost: number;
  duplicated: number;
}

/**
 * 1,000 new users × 1 socket (200 quick) on a gateway that has served nothing yet (the caller
 * starts or restarts it): time until all are connected and authenticated, then memory per idle
 * socket over every process of the gateway, as growth over its idle baseline. A few users connect
 * and leave first, so loading code is not charged to the sockets.
 */
export async function connect(target: Target, protocol: Protocol, scale: Scale): Promise<ConnectResult> {
  const fit = fitSockets(scale.quick ? 200 : CONNECT_USERS, target.fdsPerSocket);
  const warmUp = new Fleet(target, protocol);
  await warmUp.connect(users(`warm-${protocol}-`, CONNECT_WARM_UP_USERS), 1);
  await warmUp.closeAll();
  await waitForSteadyMemory(target);
  const before = await settledMemoryOf(target);
  const fdsBefore = fdsOf(target);

  const fleet = new Fleet(target, protocol);
  const names = users(`connect-${protocol}-`, fit.count);
  await Promise.all(names.map((name) => fleet.token(name))); // tokens are the clients' own, minted ahead
  const profiling = await target.profile?.(`connect-${target.name}-${protocol}`);
  const cpuBefore: Record<string, number> = { ...cpuOf(target), load: loadCpuMs() };
  const start = performance.now();
  const times = await fleet.connect(names, 1, CONNECT_CONCURRENCY);
  const allConnectedMs = performance.now() - start;
  const cpuMs = cpuSince(target, cpuBefore);
  const profiles = await profiling?.stop({ wallMs: Math.round(allConnectedMs), dispatches: fit.count, cpuMs });
  await sleep(scale.idleMs);
  const after = await settledMemoryOf(target);
  const fdsAfter = fdsOf(target);
  const sockets = fit.count - fleet.failedConnects;
  const fdsPerSocketByRole = Object.fromEntries(
    Object.entries(fdsAfter).map(([role, fds]) => [
      role,
      Math.round(((fds - (fdsBefore[role] ?? 0)) / sockets) * 10) / 10,
    ]),
  );
  const bytesPerSocketByRole: Record<string, number> = {};
  let growth = 0;
  let noise = 0;
  for (const role of Object.keys(after.median)) {
    const delta = after.median[role]! - (before.median[role] ?? 0);
    bytesPerSocketByRole[role] = Math.round(delta / sockets);
    // A process that shrank freed something of its own (start-up garbage): no socket made it
    // smaller, so it counts as no growth, and the shrink widens the noise bound instead.
    growth += Math.max(0, delta);
    noise += after.spread[role]! + (before.spread[role] ?? 0) + Math.max(0, -delta);
  }

  const dispatcher = new Dispatcher(target.dispatchSocket, 16);
  const delivered = await drive(fleet, dispatcher, names, names.length, { inFlight: 16 });
  dispatcher.close();
  await fleet.closeAll();
  return {
    scenario: "connect",
    target: target.name,
    protocol,
    requestedSockets: fit.requested,
    ...(fit.note && { scaledNote: fit.note }),
    sockets,
    failedConnects: fleet.failedConnects,
    connectMs: summarize(times),
    allConnectedSeconds: Math.round(allConnectedMs) / 1000,
    bytesPerSocket: growth > noise ? Math.round(growth / sockets) : undefined,
    bytesPerSocketByRole,
    noiseBytesPerSocket: Math.round(noise / sockets),
    memoryBytes: after.median,
    fdsPerSocketByRole,
    cpuMs,
    ...(profiles && { profiles }),
    lost: delivered.lost,
    duplicated: fleet.duplicates,
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
  /** Sockets that never got auth_ok before the restart (their users expect fewer deliveries). */
  failedConnects: number;
  /** Why fewer than --users × 5 sockets, if so. */
  scaledNote?: string;
  restartSeconds: number;
  resumeSeconds: number;
  dispatchedDuringOutage: number;
  refusedDuringOutage: number;
  lost: number;
  duplicated: number;
}

/**
 * --users × 5 v2 sockets (500 quick; fewer where the descriptor limit says so) reconnect after a worker restart: time from
 * the restarted worker being ready until every socket is back and has
 * replayed what it missed; nothing lost, nothing twice.
 */
export async function storm(target: Target, { quick, users: count }: Scale): Promise<StormResult> {
  if (!target.restartGateway) throw new Error("storm needs a restartable target");
  const fit = fitSockets((quick ? 100 : count) * 5, target.fdsPerSocket, 5);
  const fleet = new Fleet(target, "v2");
  const names = users("storm-", fit.count / 5);
  await fleet.connect(names, 5);
  const all = [...fleet.sockets.values()].flat();
  const dispatcher = new Dispatcher(target.dispatchSocket, 16);
  // One notification per user before the restart, to give every socket a cursor.
  await drive(fleet, dispatcher, names, names.length, { inFlight: 16 });

  let resumed = 0;
  let lastResumedAt = 0;
  for (const socket of all) {
    socket.onResumed = () => {
      resumed += 1;
      lastResumedAt = performance.now();
    };
    socket.keepAlive();
  }
  const restartStart = performance.now();
  // When the restart itself finished, not when the outage's dispatches below did.
  const restarting = target.restartGateway().then(() => performance.now());
  // Dispatches while the worker is down or starting: the bridge must answer each.
  let dispatched = 0;
  let refused = 0;
  for (const user of names) {
    const id = dispatcher.nextId("outage");
    // Every socket that connected is down now; each must get it on resume.
    const expected = fleet.sockets.get(user)?.length ?? 0;
    fleet.pending.set(id, { t0: performance.now(), expected, delivered: 0, lastAt: 0 });
    const response = await dispatcher.post(user, id).catch(() => ({ status: 0, body: "" }));
    dispatched += 1;
    if (response.status >= 300 && response.status !== 202) {
      refused += 1;
      fleet.pending.delete(id);
    }
  }
  const ready = await restarting;
  const deadline = ready + 60_000;
  while (resumed < all.length && performance.now() < deadline) await sleep(20);
  const resumeSeconds = Math.max(0, lastResumedAt - ready) / 1000;
  // One more per user after the storm: every socket must get it exactly once.
  await drive(fleet, dispatcher, names, names.length, { inFlight: 16 });
  const lost = await fleet.settle(15_000);
  dispatcher.close();
  await fleet.closeAll();
  return {
    scenario: "storm",
    target: target.name,
    sockets: all.length,
    failedConnects: fleet.failedConnects,
    ...(fit.note && { scaledNote: fit.note }),
    restartSeconds: Math.round(((ready - restartStart) / 1000) * 1000) / 1000,
    resumeSeconds: resumed < all.length ? Infinity : Math.round(resumeSeconds * 1000) / 1000,
    dispatchedDuringOutage: dispatched,
    refusedDuringOutage: refused,
    lost,
    duplicated: fleet.duplicates,
  };
}
