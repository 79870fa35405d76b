import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { createRequire } from "node:module";
import type { CapacityResult, DeliveryResult, ResumeResult, StormResult } from "./scenarios.js";

const require = createRequire(import.meta.url);
const version = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

/** Targets of the project, checked against the figures of our gateway. */
const TARGETS = {
  unloadedP99Ms: 2,
  saturatedPerSecond: 7000,
  bytesPerIdleSocket: 40 * 1024,
  resumeMs: 50,
  stormSeconds: 10,
};

type Result = DeliveryResult | CapacityResult | ResumeResult | StormResult;

/** What `npm run bench` writes to results.json, and RESULTS.md is rendered from. */
export interface RunRecord {
  quick: boolean;
  /** ISO date of the run. */
  date: string;
  /** The 1-minute load average after each step: the other work sharing the cores. */
  loadAverages: number[];
  results: unknown[];
}

export function writeResults(path: string, { quick, date, loadAverages, results }: RunRecord): void {
  const all = results as Result[];
  const delivery = all.filter((r): r is DeliveryResult => r.scenario === "unloaded" || r.scenario === "saturated");
  const capacityRows = all.filter((r): r is CapacityResult => r.scenario === "capacity");
  const resumeRow = all.find((r): r is ResumeResult => r.scenario === "resume");
  const stormRow = all.find((r): r is StormResult => r.scenario === "storm");
  const floorOf = (scenario: string) => delivery.find((r) => r.scenario === scenario && r.target === "floor");

  const lines = [
    "# Benchmark results",
    "",
    `Written by \`npm run bench${quick ? " -- --quick" : ""}\` on ${date.slice(0, 10)}.`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${mb(totalmem())} RAM; Node ${process.version};`,
    `wrangler ${version("wrangler")}, workerd ${version("workerd")}. Load generator, floor and gateway share the machine;`,
    `1-minute load average during the run: ${Math.min(...loadAverages).toFixed(2)}–${Math.max(...loadAverages).toFixed(2)}`,
    "(the bench itself keeps about one core busy; the rest is other work on the same two cores).",
    "",
    '"ours" = dispatch over the Unix socket → bridge → worker (workerd) → user\'s Durable Object (SQLite',
    'write before fan-out) → sockets. "floor" = a minimal legacy gateway in one Node process (no storage).',
    '"ours-direct" = ours with clients and bridge on the port of the workerd running our worker, skipping',
    "wrangler dev's proxy (a second workerd that relays every request and socket; Cloudflare has none).",
    "",
    "## Delivery (dispatch → delivered on every socket of the user)",
    "",
    "| scenario | target | protocol | dispatches/s | deliveries/s | p50 ms | p90 ms | p99 ms | max ms | first socket p50 / p99 ms | lost | dup | refused | ratio to floor (disp/s) |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...delivery.map((r) => {
      const floor = floorOf(r.scenario);
      const ratio = floor && r.target !== "floor" ? (r.dispatchesPerSecond / floor.dispatchesPerSecond).toFixed(2) : "";
      return `| ${r.scenario} | ${r.target} | ${r.protocol} | ${r.dispatchesPerSecond} | ${r.deliveriesPerSecond} | ${r.latencyMs.p50} | ${r.latencyMs.p90} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.firstSocketMs ? `${r.firstSocketMs.p50} / ${r.firstSocketMs.p99}` : ""} | ${r.lost} | ${r.duplicated} | ${r.refused} | ${ratio} |`;
    }),
    "",
    "CPU each process spent per dispatch over the measured run (/proc utime + stime; `load` is the load",
    "generator, which shares the cores). The ceiling is what the cores could do if CPU were the only limit",
    "(saturated only: at 200/s the fixed costs of each request are not shared by batching).",
    "",
    "| scenario | target | protocol | CPU ms per dispatch, by process | total | CPU-bound ceiling |",
    "| --- | --- | --- | --- | ---: | ---: |",
    ...delivery.map((r) => {
      const perDispatch = Object.entries(r.cpuMs).filter(([, ms]) => ms > 0);
      const total = perDispatch.reduce((sum, [, ms]) => sum + ms, 0) / r.dispatches;
      return `| ${r.scenario} | ${r.target} | ${r.protocol} | ${perDispatch
        .map(([role, ms]) => `${role} ${(ms / r.dispatches).toFixed(2)}`)
        .join(
          ", ",
        )} | ${total.toFixed(2)} | ${r.scenario === "saturated" ? `${Math.round((cpus().length * 1000) / total)}/s` : "—"} |`;
    }),
    "",
    "## Capacity (idle sockets)",
    "",
    "Each protocol on a gateway started for it (no memory freed by an earlier run to reuse). The first half",
    'of the users warms it up; memory per socket is the RSS growth from the second half ("measured")',
    "divided by its sockets, counted only in the processes that hold the sockets (ours: workerd and",
    "wrangler's dev proxy, which relays every socket; floor: its one process), each RSS the median of 5",
    "samples taken after the sockets sat idle.",
    "",
    "| target | protocol | sockets (measured) | failed | connect p50 ms | p99 ms | all connected s | per socket | by process | bridge RSS | RSS after |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |",
    ...capacityRows.map(
      (r) =>
        `| ${r.target} | ${r.protocol} | ${r.sockets} (${r.measuredSockets}) | ${r.failedConnects} | ${r.connectMs.p50} | ${r.connectMs.p99} | ${r.connectAllSeconds} | ${perSocket(r)} | ${Object.entries(
          r.bytesPerSocketByRole,
        )
          .map(([role, b]) => `${role} ${b > 0 ? kb(b) : "~0"}`)
          .join(", ")} | ${r.memoryBytes.bridge === undefined ? "" : mb(r.memoryBytes.bridge)} | ${Object.entries(
          r.memoryBytes,
        )
          .filter(([role]) => role !== "bridge" && role !== "wrangler")
          .map(([role, b]) => `${role} ${mb(b)}`)
          .join(", ")} |`,
    ),
    "",
    "## Resume and reconnect storm (ours, v2)",
    "",
    resumeRow
      ? `Resume of 50 missed notifications (${resumeRow.runs} runs): p50 ${resumeRow.resumeMs.p50} ms, max ${resumeRow.resumeMs.max} ms; lost ${resumeRow.lost}, duplicated ${resumeRow.duplicated}.`
      : "Resume: not run.",
    "",
    stormRow
      ? `Storm: ${stormRow.sockets} sockets; worker restart took ${stormRow.restartSeconds} s; all sockets resumed ${stormRow.resumeSeconds} s after it was ready; ${stormRow.dispatchedDuringOutage} dispatched during the outage (${stormRow.refusedDuringOutage} refused by the bridge); lost ${stormRow.lost}, duplicated ${stormRow.duplicated}.`
      : "Storm: not run.",
    "",
    "## Targets",
    "",
    "The floor column is the same scenario against the floor gateway (no storage, no bridge, no dev proxy):",
    "what this machine does at best. A target the floor misses is beyond this machine, not only beyond ours.",
    "",
    "| target | goal | ours | floor (this machine) | reachable here? | met |",
    "| --- | --- | --- | --- | --- | --- |",
    ...targetRows(delivery, capacityRows, resumeRow, stormRow),
    "",
    ...beyondMachine(delivery),
  ];
  // The hand-written analysis (why a target is or is not met) is kept beside and appended.
  const analysis = new URL("./analysis.md", import.meta.url);
  if (existsSync(analysis)) lines.push(readFileSync(analysis, "utf8").trim(), "");
  writeFileSync(path, `${lines.join("\n")}\n`);
}

/** Bytes per idle socket, or the noise bound when the growth was within it. */
function perSocket(r: CapacityResult): string {
  return r.bytesPerSocket === undefined
    ? `within noise (< ${kb(Math.max(r.noiseBytesPerSocket, 1024))})`
    : kb(r.bytesPerSocket);
}

function targetRows(
  delivery: DeliveryResult[],
  capacityRows: CapacityResult[],
  resumeRow: ResumeResult | undefined,
  stormRow: StormResult | undefined,
): string[] {
  const find = (scenario: string, target: string, protocol: string) =>
    delivery.find((r) => r.scenario === scenario && r.target === target && r.protocol === protocol);
  const rows: string[] = [];
  const yesNo = (ok: boolean | undefined) => (ok === undefined ? "" : ok ? "yes" : "no");
  const row = (
    name: string,
    goal: string,
    measured: string | undefined,
    met: boolean | undefined,
    floor?: { measured: string | undefined; reachable: boolean | undefined },
  ) =>
    rows.push(
      `| ${name} | ${goal} | ${measured ?? "not run"} | ${floor ? (floor.measured ?? "not run") : "— (v2 only)"} | ${
        floor ? yesNo(floor.reachable) : "n/a"
      } | ${yesNo(met)} |`,
    );
  const floorUnloaded = find("unloaded", "floor", "legacy");
  const floorSaturated = find("saturated", "floor", "legacy");
  const floorCapacity = capacityRows.find((r) => r.target === "floor");
  const floorBytes = floorCapacity && (floorCapacity.bytesPerSocket ?? floorCapacity.noiseBytesPerSocket);
  for (const protocol of ["legacy", "v2"]) {
    const u = find("unloaded", "ours", protocol);
    row(
      `unloaded p99 (${protocol})`,
      `≤ ${TARGETS.unloadedP99Ms} ms`,
      u && `${u.latencyMs.p99} ms`,
      u && u.latencyMs.p99 <= TARGETS.unloadedP99Ms,
      {
        measured: floorUnloaded && `${floorUnloaded.latencyMs.p99} ms`,
        reachable: floorUnloaded && floorUnloaded.latencyMs.p99 <= TARGETS.unloadedP99Ms,
      },
    );
    const s = find("saturated", "ours", protocol);
    row(
      `saturated (${protocol})`,
      `≥ ${TARGETS.saturatedPerSecond}/s`,
      s && `${s.dispatchesPerSecond}/s`,
      s && s.dispatchesPerSecond >= TARGETS.saturatedPerSecond,
      {
        measured: floorSaturated && `${floorSaturated.dispatchesPerSecond}/s`,
        reachable: floorSaturated && floorSaturated.dispatchesPerSecond >= TARGETS.saturatedPerSecond,
      },
    );
  }
  for (const c of capacityRows.filter((r) => r.target === "ours")) {
    // Within noise: the growth is at most the noise bound, which is what is checked.
    const bytes = c.bytesPerSocket ?? c.noiseBytesPerSocket;
    row(
      `memory per idle socket (${c.protocol})`,
      `≤ ${kb(TARGETS.bytesPerIdleSocket)}`,
      perSocket(c),
      bytes <= TARGETS.bytesPerIdleSocket,
      {
        measured: floorCapacity && perSocket(floorCapacity),
        reachable: floorBytes === undefined ? undefined : floorBytes <= TARGETS.bytesPerIdleSocket,
      },
    );
  }
  row(
    "resume of 50",
    `≤ ${TARGETS.resumeMs} ms`,
    resumeRow && `${resumeRow.resumeMs.max} ms (max)`,
    resumeRow && resumeRow.resumeMs.max <= TARGETS.resumeMs,
  );
  row(
    "storm, 0 lost",
    `≤ ${TARGETS.stormSeconds} s`,
    stormRow && `${stormRow.resumeSeconds} s, lost ${stormRow.lost}`,
    stormRow && stormRow.resumeSeconds <= TARGETS.stormSeconds && stormRow.lost === 0,
  );
  return rows;
}

/** A sentence per target the floor itself misses: those are beyond this machine. */
function beyondMachine(delivery: DeliveryResult[]): string[] {
  const floorUnloaded = delivery.find((r) => r.scenario === "unloaded" && r.target === "floor");
  const floorSaturated = delivery.find((r) => r.scenario === "saturated" && r.target === "floor");
  const lines: string[] = [];
  if (floorUnloaded && floorUnloaded.latencyMs.p99 > TARGETS.unloadedP99Ms)
    lines.push(
      `- **Unloaded p99 ≤ ${TARGETS.unloadedP99Ms} ms is beyond this machine**: the floor, with no storage and no extra hop, measured p99 ${floorUnloaded.latencyMs.p99} ms (${(floorUnloaded.latencyMs.p99 / TARGETS.unloadedP99Ms).toFixed(1)} × the target) in the same run.`,
    );
  if (floorSaturated && floorSaturated.dispatchesPerSecond < TARGETS.saturatedPerSecond)
    lines.push(
      `- **Saturated ≥ ${TARGETS.saturatedPerSecond}/s is beyond this machine**: the floor measured ${floorSaturated.dispatchesPerSecond}/s (${Math.round((floorSaturated.dispatchesPerSecond / TARGETS.saturatedPerSecond) * 100)} % of the target) in the same run.`,
    );
  return lines.length ? [...lines, ""] : [];
}
