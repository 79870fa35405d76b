import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { createRequire } from "node:module";
import {
  CONNECT_USERS,
  type ConnectResult,
  type DeliveryResult,
  type ResumeResult,
  type StormResult,
} from "./scenarios.js";

const require = createRequire(import.meta.url);
const version = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
const ms = (value: number) => `${value} ms`;
const times = (ratio: number | undefined) =>
  ratio === undefined || !Number.isFinite(ratio) ? "—" : `${ratio.toFixed(2)}×`;

/** The goals of the fast-path work; ratios are to the floors measured in the same run. */
export const GOALS = {
  saturatedOfFloor: 0.5,
  saturatedOfDurableFloor: 0.8,
  sequentialP50Ms: 1.5,
  pacedP99Ms: 10,
  connectSeconds: 1.5,
  bytesPerIdleSocket: 100 * 1024,
};

type Result = DeliveryResult | ConnectResult | ResumeResult | StormResult;

/** What `npm run bench` writes to results.json, and RESULTS.md is rendered from. */
export interface RunRecord {
  quick: boolean;
  /** ISO date of the run. */
  date: string;
  /** The 1-minute load average after each step: the other work sharing the cores. */
  loadAverages: number[];
  results: unknown[];
}

const isDelivery = (r: Result): r is DeliveryResult =>
  r.scenario === "sequential" || r.scenario === "paced" || r.scenario === "saturated";

/** The figure each delivery shape is about, and whether more is better. */
const HEADLINE: Record<
  DeliveryResult["scenario"],
  { label: string; of: (r: DeliveryResult) => number; more: boolean }
> = {
  sequential: { label: "p50", of: (r) => r.latencyMs.p50, more: false },
  paced: { label: "p99", of: (r) => r.latencyMs.p99, more: false },
  saturated: { label: "dispatches/s", of: (r) => r.dispatchesPerSecond, more: true },
};

export function writeResults(path: string, { quick, date, loadAverages, results }: RunRecord): void {
  const all = results as Result[];
  const delivery = all.filter(isDelivery);
  const connects = all.filter((r): r is ConnectResult => r.scenario === "connect");
  const resumeRow = all.find((r): r is ResumeResult => r.scenario === "resume");
  const stormRow = all.find((r): r is StormResult => r.scenario === "storm");
  const floorOf = <T extends { scenario: string; target: string }>(rows: T[], scenario: string, floor: string) =>
    rows.find((r) => r.scenario === scenario && r.target === floor);
  const ratio = (value: number, floor: number | undefined) => (floor ? value / floor : undefined);
  const scaled = [...connects, ...(stormRow ? [stormRow] : [])].filter((r) => r.scaledNote);
  const traced = delivery.filter((r) => r.stages && Object.keys(r.stages).length);

  const lines = [
    "# Benchmark results",
    "",
    `Written by \`npm run bench${quick ? " -- --quick" : ""}\` on ${date.slice(0, 10)}.`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${mb(totalmem())} RAM; Node ${process.version};`,
    `wrangler ${version("wrangler")}, workerd ${version("workerd")}. Load generator, floors and gateway share the machine;`,
    `1-minute load average during the run: ${Math.min(...loadAverages).toFixed(2)}–${Math.max(...loadAverages).toFixed(2)}`,
    "(the bench itself keeps about one core busy; the rest is other work on the same two cores).",
    "",
    '"ours" = what `npm start` runs: dispatch over the Unix socket → bridge (spool fsync) → worker in',
    'workerd → user\'s Durable Object (SQLite write before fan-out) → sockets. "floor" = a minimal legacy',
    'gateway in one Node process, nothing stored. "durable floor" = the floor plus our guarantees: each',
    "dispatch in an fsync'd spool (group commit) before it is answered, one SQLite row per notification",
    "committed (synchronous=FULL) before it is delivered — the limit for our semantics on this machine.",
    '"runtime floor" (v2) = our runtime, host and bridge with one object per user doing nothing but a',
    "token check and a row per notification: what the runtime and layout cost before any code of ours.",
    "Every figure of ours comes with its ratio to both floors from the same run: throughput ÷ floor",
    "(higher is better), times and memory ÷ floor (lower is better).",
    "",
    "## Goals",
    "",
    "| goal | target | ours ÷ floor | ours ÷ durable floor | ours | floor | durable floor | met |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ...goalRows(delivery, connects, [
      ...delivery,
      ...connects,
      ...(resumeRow ? [resumeRow] : []),
      ...(stormRow ? [stormRow] : []),
    ]),
    "",
    ...runtimeFloorSection(delivery, connects),
    "## Delivery (dispatch → delivered on every socket of the user)",
    "",
    "sequential: 10 users × 5 sockets, one dispatch at a time (answered and delivered before the next);",
    "paced: 10 × 5 at 200 dispatches/s; saturated: 100 × 2, 16 dispatches in flight. The ratios are of",
    "each shape's headline figure.",
    "",
    "| scenario | target | protocol | headline | ÷ floor | ÷ durable floor | dispatches/s | p50 ms | p90 ms | p99 ms | max ms | first socket p50 / p99 ms | lost | dup | refused | sockets failed / dispatches to none open |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...delivery.map((r) => {
      const head = HEADLINE[r.scenario];
      const value = head.of(r);
      const floor = floorOf(delivery, r.scenario, "floor");
      const durable = floorOf(delivery, r.scenario, "durable-floor");
      const vsFloor = r.target === "floor" ? "" : times(ratio(value, floor && head.of(floor)));
      const vsDurable = r.target.endsWith("floor") ? "" : times(ratio(value, durable && head.of(durable)));
      const headline = head.more ? `${value}/s` : `${head.label} ${ms(value)}`;
      return `| ${r.scenario} | ${r.target} | ${r.protocol} | ${headline} | ${vsFloor} | ${vsDurable} | ${r.dispatchesPerSecond} | ${r.latencyMs.p50} | ${r.latencyMs.p90} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.firstSocketMs.p50} / ${r.firstSocketMs.p99} | ${r.lost} | ${r.duplicated} | ${r.refused} | ${r.failedConnects ?? 0} / ${r.unmeasured ?? 0} |`;
    }),
    "",
    "CPU each process spent per dispatch over the measured run (/proc utime + stime; `load` is the load",
    "generator, which shares the cores). The ceiling is what the cores could do if CPU were the only limit",
    "(saturated only: one at a time or at 200/s the fixed costs of each request are not shared by batching).",
    "",
    "| scenario | target | protocol | CPU ms per dispatch, by process | total | CPU-bound ceiling |",
    "| --- | --- | --- | --- | ---: | ---: |",
    ...delivery.map((r) => {
      const perDispatch = Object.entries(r.cpuMs).filter(([, used]) => used > 0);
      const total = perDispatch.reduce((sum, [, used]) => sum + used, 0) / r.dispatches;
      return `| ${r.scenario} | ${r.target} | ${r.protocol} | ${perDispatch
        .map(([role, used]) => `${role} ${(used / r.dispatches).toFixed(2)}`)
        .join(
          ", ",
        )} | ${total.toFixed(2)} | ${r.scenario === "saturated" ? `${Math.round((cpus().length * 1000) / total)}/s` : "—"} |`;
    }),
    "",
    ...(traced.length ? traceSection(traced) : []),
    "## Connect and idle memory",
    "",
    "New users, one socket each, on a gateway started for the run (nothing served or freed before),",
    "100 connects in progress at a time, each timed from the upgrade request to auth_ok. Memory per idle",
    "socket: growth of the RSS summed over every process of the running gateway (ours: host, workerd",
    "processes including any dev proxy, bridge; durable floor: Node and sqlite3) from its idle baseline",
    `to the sockets held idle, divided by the sockets; each RSS the median of 5 samples. Then one`,
    "dispatch per user, which must reach its socket exactly once. CPU per connect: /proc utime + stime",
    "of each process while the sockets connected, divided by the sockets (`load` is the load generator).",
    "",
    "| target | protocol | sockets | failed | all authenticated s | ÷ floor | ÷ durable floor | connect p50 / p99 ms | CPU ms per connect, by process | per idle socket | ÷ floor | by process | RSS idle, all processes | descriptors per socket (most in one process) | lost | dup |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ...connects.map((r) => {
      const floor = floorOf(connects, "connect", "floor");
      const durable = floorOf(connects, "connect", "durable-floor");
      const bytes = r.bytesPerSocket ?? r.noiseBytesPerSocket;
      return `| ${r.target} | ${r.protocol} | ${r.sockets} | ${r.failedConnects} | ${r.allConnectedSeconds} | ${
        r.target === "floor" ? "" : times(ratio(r.allConnectedSeconds, floor?.allConnectedSeconds))
      } | ${r.target.endsWith("floor") ? "" : times(ratio(r.allConnectedSeconds, durable?.allConnectedSeconds))} | ${r.connectMs.p50} / ${r.connectMs.p99} | ${cpuPerConnect(r)} | ${perSocket(r)} | ${
        r.target === "floor" || !floor ? "" : times(ratio(bytes, floor.bytesPerSocket ?? floor.noiseBytesPerSocket))
      } | ${Object.entries(r.bytesPerSocketByRole)
        .map(([role, b]) => `${role} ${b > 0 ? kb(b) : b < -1024 ? "shrank" : "~0"}`)
        .join(
          ", ",
        )} | ${mb(Object.values(r.memoryBytes).reduce((a, b) => a + b, 0))} | ${mostFds(r)} | ${r.lost} | ${r.duplicated} |`;
    }),
    "",
    ...(scaled.length ? [...scaled.map((r) => `- ${r.scenario} ${r.target}: ${r.scaledNote}.`), ""] : []),
    "## Resume and reconnect storm (ours, v2)",
    "",
    resumeRow
      ? `Resume of 50 missed notifications (${resumeRow.runs} runs): p50 ${resumeRow.resumeMs.p50} ms, max ${resumeRow.resumeMs.max} ms; lost ${resumeRow.lost}, duplicated ${resumeRow.duplicated}.`
      : "Resume: not run.",
    "",
    stormRow
      ? `Storm: ${stormRow.sockets} sockets${stormRow.failedConnects ? ` (${stormRow.failedConnects} failed to connect)` : ""}; worker restart took ${stormRow.restartSeconds} s; ${
          Number.isFinite(stormRow.resumeSeconds ?? NaN)
            ? `all sockets resumed ${stormRow.resumeSeconds} s after it was ready`
            : "not every socket resumed within 60 s of it being ready"
        }; ${stormRow.dispatchedDuringOutage} dispatched during the outage (${stormRow.refusedDuringOutage} refused by the bridge); lost ${stormRow.lost}, duplicated ${stormRow.duplicated}.`
      : "Storm: not run.",
    "",
  ];
  // The hand-written analysis (why a goal is or is not met) is kept beside and appended.
  const analysis = new URL("./analysis.md", import.meta.url);
  if (existsSync(analysis)) lines.push(readFileSync(analysis, "utf8").trim(), "");
  writeFileSync(path, `${lines.join("\n")}\n`);
}

/** The process that holds the most descriptors per socket, which the shapes are sized by. */
function mostFds(r: ConnectResult): string {
  const [role, fds] = Object.entries(r.fdsPerSocketByRole ?? {}).sort(([, a], [, b]) => b - a)[0] ?? [];
  return role === undefined ? "" : `${fds} (${role})`;
}

/** Bytes per idle socket, or the noise bound when the growth was within it. */
function perSocket(r: ConnectResult): string {
  return r.bytesPerSocket === undefined
    ? `within noise (< ${kb(Math.max(r.noiseBytesPerSocket, 1024))})`
    : kb(r.bytesPerSocket);
}

function goalRows(delivery: DeliveryResult[], connects: ConnectResult[], all: Result[]): string[] {
  const rows: string[] = [];
  const find = <T extends { scenario: string; target: string; protocol?: string }>(
    list: T[],
    scenario: string,
    target: string,
    protocol = "legacy",
  ) => list.find((r) => r.scenario === scenario && r.target === target && (r.protocol ?? "v2") === protocol);
  const yesNo = (ok: boolean | undefined) => (ok === undefined ? "" : ok ? "yes" : "**no**");
  const cell = (value: number | undefined, format: (v: number) => string) =>
    value === undefined ? "not run" : format(value);
  const row = (
    name: string,
    goal: string,
    values: { ours?: number; floor?: number; durable?: number },
    format: (v: number) => string,
    met: boolean | undefined,
  ) =>
    rows.push(
      `| ${name} | ${goal} | ${values.ours === undefined ? "" : times(values.floor && values.ours / values.floor)} | ${
        values.ours === undefined ? "" : times(values.durable && values.ours / values.durable)
      } | ${cell(values.ours, format)} | ${cell(values.floor, format)} | ${cell(values.durable, format)} | ${yesNo(met)} |`,
    );
  for (const protocol of ["legacy", "v2"]) {
    const of = (scenario: string, pick: (r: DeliveryResult) => number) => ({
      ours: mapped(find(delivery, scenario, "ours", protocol), pick),
      floor: mapped(find(delivery, scenario, "floor"), pick),
      durable: mapped(find(delivery, scenario, "durable-floor"), pick),
    });
    const s = of("saturated", (r) => r.dispatchesPerSecond);
    row(
      `saturated 100 × 2 (${protocol})`,
      `≥ ${GOALS.saturatedOfFloor}× floor, ≥ ${GOALS.saturatedOfDurableFloor}× durable floor`,
      s,
      (v) => `${v}/s`,
      s.ours === undefined || !s.floor || !s.durable
        ? undefined
        : s.ours >= GOALS.saturatedOfFloor * s.floor && s.ours >= GOALS.saturatedOfDurableFloor * s.durable,
    );
    const q = of("sequential", (r) => r.latencyMs.p50);
    row(
      `sequential p50 (${protocol})`,
      `≤ ${GOALS.sequentialP50Ms} ms`,
      q,
      ms,
      mapped(q.ours, (v) => v <= GOALS.sequentialP50Ms),
    );
    const p = of("paced", (r) => r.latencyMs.p99);
    row(
      `paced 200/s p99 (${protocol})`,
      `≤ ${GOALS.pacedP99Ms} ms`,
      p,
      ms,
      mapped(p.ours, (v) => v <= GOALS.pacedP99Ms),
    );
  }
  for (const protocol of ["legacy", "v2"]) {
    const of = (pick: (r: ConnectResult) => number) => ({
      ours: mapped(find(connects, "connect", "ours", protocol), pick),
      floor: mapped(find(connects, "connect", "floor"), pick),
      durable: mapped(find(connects, "connect", "durable-floor"), pick),
    });
    const ours = find(connects, "connect", "ours", protocol);
    const c = of((r) => r.allConnectedSeconds);
    row(
      `${ours?.requestedSockets ?? CONNECT_USERS} connects (${protocol})`,
      `≤ ${GOALS.connectSeconds} s`,
      c,
      (v) => `${v} s`,
      mapped(c.ours, (v) => v <= GOALS.connectSeconds && ours!.failedConnects === 0),
    );
    const m = of((r) => r.bytesPerSocket ?? r.noiseBytesPerSocket);
    row(
      `memory per idle socket, all processes (${protocol})`,
      `≤ ${kb(GOALS.bytesPerIdleSocket)}`,
      m,
      kb,
      mapped(m.ours, (v) => v <= GOALS.bytesPerIdleSocket),
    );
  }
  const sum = (target: (t: string) => boolean, field: "lost" | "duplicated") => {
    const rowsOf = all.filter((r) => target(r.target));
    return rowsOf.length ? rowsOf.reduce((total, r) => total + r[field], 0) : undefined;
  };
  const ours = (t: string) => t.startsWith("ours");
  const lost = sum(ours, "lost");
  const duplicated = sum(ours, "duplicated");
  rows.push(
    `| lost / duplicated, every shape | 0 / 0 | | | ${lost ?? "not run"} / ${duplicated ?? "not run"} | ${sum((t) => t === "floor", "lost") ?? ""} / ${
      sum((t) => t === "floor", "duplicated") ?? ""
    } | ${sum((t) => t === "durable-floor", "lost") ?? ""} / ${sum((t) => t === "durable-floor", "duplicated") ?? ""} | ${yesNo(
      lost === undefined ? undefined : lost === 0 && duplicated === 0,
    )} |`,
  );
  return rows;
}

/**
 * Ours (v2) beside the runtime floor: the same runtime, layout and bridge with none of our code
 * but a token check and a row per notification. Splits each gap to the floors into what the
 * runtime costs (runtime floor ÷ durable floor) and what we add on top (ours ÷ runtime floor).
 */
function runtimeFloorSection(delivery: DeliveryResult[], connects: ConnectResult[]): string[] {
  type Row = {
    shape: string;
    unit: (v: number) => string;

    value: (target: string) => number | undefined;
  };
  // The Node floors speak the legacy protocol; the runtime floor and this comparison are v2.
  const protocolOf = (target: string) => (target === "floor" || target === "durable-floor" ? "legacy" : "v2");
  const pick = <T extends { scenario: string; target: string; protocol?: string }>(
    list: T[],
    scenario: string,
    target: string,
  ) => list.find((r) => r.scenario === scenario && r.target === target && r.protocol === protocolOf(target));
  const shapes: Row[] = [
    {
      shape: "saturated 100 × 2",
      unit: (v) => `${v}/s`,
      value: (t) => pick(delivery, "saturated", t)?.dispatchesPerSecond,
    },
    { shape: "sequential p50", unit: ms, value: (t) => pick(delivery, "sequential", t)?.latencyMs.p50 },
    { shape: "paced 200/s p99", unit: ms, value: (t) => pick(delivery, "paced", t)?.latencyMs.p99 },
    {
      shape: `${pick(connects, "connect", "ours")?.requestedSockets ?? CONNECT_USERS} connects`,
      unit: (v) => `${v} s`,
      value: (t) => pick(connects, "connect", t)?.allConnectedSeconds,
    },
    {
      shape: "memory per idle socket, all processes",
      unit: kb,
      value: (t) => mapped(pick(connects, "connect", t), (r) => r.bytesPerSocket ?? r.noiseBytesPerSocket),
    },
  ];
  if (!shapes.some((row) => row.value("runtime-floor") !== undefined)) return [];
  const cell = (v: number | undefined, unit: (v: number) => string) => (v === undefined ? "not run" : unit(v));
  const over = (a: number | undefined, b: number | undefined) => (a === undefined || !b ? "—" : times(a / b));
  return [
    "## Ours against the runtime floor (v2)",
    "",
    "The runtime floor (`bench/runtime-floor/`) is the least a gateway in our runtime and layout does:",
    "the same workerd under Miniflare's API, the same bridge, one SQLite Durable Object per user holding",
    "its v2 sockets, one row per notification committed before the frames leave, a WebCrypto HS256 check;",
    "none of our validation, limits, accounts, acks, logs or lobby. Its gap to the durable floor is what",
    "the runtime costs; ours ÷ runtime floor is what our code and layout add (for throughput, below 1×",
    "means slower; for times, above 1× means slower).",
    "",
    "| shape | durable floor | runtime floor | ours (v2) | runtime floor ÷ durable floor | ours ÷ runtime floor |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...shapes.map((row) => {
      const durable = row.value("durable-floor");
      const runtime = row.value("runtime-floor");
      const ours = row.value("ours");
      return `| ${row.shape} | ${cell(durable, row.unit)} | ${cell(runtime, row.unit)} | ${cell(ours, row.unit)} | ${over(runtime, durable)} | ${over(ours, runtime)} |`;
    }),
    "",
  ];
}

function mapped<T, U>(value: T | undefined, map: (value: T) => U): U | undefined {
  return value === undefined ? undefined : map(value);
}

/** Per-stage times where the target reported them (trace.ts). */
function traceSection(traced: DeliveryResult[]): string[] {
  return [
    "## Where a dispatch's time goes (per-stage trace)",
    "",
    "| scenario | target | protocol | stage: p50 / p99 ms |",
    "| --- | --- | --- | --- |",
    ...traced.map(
      (r) =>
        `| ${r.scenario} | ${r.target} | ${r.protocol} | ${Object.entries(r.stages!)
          .map(([stage, s]) => `${stage} ${s.p50} / ${s.p99}`)
          .join("; ")} |`,
    ),
    "",
  ];
}

/** CPU ms per connect of each process that used any, e.g. "workerd 4.1, bridge 0.0, load 0.3". */
function cpuPerConnect(r: ConnectResult): string {
  if (!r.cpuMs || r.sockets === 0) return "";
  return Object.entries(r.cpuMs)
    .filter(([, used]) => used > 0)
    .map(([role, used]) => `${role} ${(used / r.sockets).toFixed(2)}`)
    .join(", ");
}
