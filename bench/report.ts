import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { createRequire } from "node:module";
import type { CapacityResult, DeliveryResult, ResumeResult, Scale, StormResult } from "./scenarios.js";

const require = createRequire(import.meta.url);
const version = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

/** Targets of the issue, checked against the figures of our gateway. */
const TARGETS = {
  unloadedP99Ms: 2,
  saturatedPerSecond: 7000,
  bytesPerIdleSocket: 40 * 1024,
  resumeMs: 50,
  stormSeconds: 10,
};

type Result = DeliveryResult | CapacityResult | ResumeResult | StormResult;

export function writeResults(path: string, results: unknown[], scale: Scale): void {
  const all = results as Result[];
  const delivery = all.filter((r): r is DeliveryResult => r.scenario === "unloaded" || r.scenario === "saturated");
  const capacityRows = all.filter((r): r is CapacityResult => r.scenario === "capacity");
  const resumeRow = all.find((r): r is ResumeResult => r.scenario === "resume");
  const stormRow = all.find((r): r is StormResult => r.scenario === "storm");
  const floorOf = (scenario: string) => delivery.find((r) => r.scenario === scenario && r.target === "floor");

  const lines = [
    "# Benchmark results",
    "",
    `Written by \`npm run bench${scale.quick ? " -- --quick" : ""}\` on ${new Date().toISOString().slice(0, 10)}.`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${mb(totalmem())} RAM; Node ${process.version};`,
    `wrangler ${version("wrangler")}, workerd ${version("workerd")}. Load generator, floor and gateway share the machine;`,
    `load average when written: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(", ")} (anything above 0 is other work on the same two cores).`,
    "",
    '"ours" = dispatch over the Unix socket → bridge → worker (workerd) → user\'s Durable Object (SQLite',
    'write before fan-out) → sockets. "floor" = a minimal legacy gateway in one Node process (no storage).',
    "",
    "## Delivery (dispatch → delivered on every socket of the user)",
    "",
    "| scenario | target | protocol | dispatches/s | deliveries/s | p50 ms | p90 ms | p99 ms | max ms | lost | dup | refused | ratio to floor (disp/s) |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...delivery.map((r) => {
      const floor = floorOf(r.scenario);
      const ratio = floor && r.target !== "floor" ? (r.dispatchesPerSecond / floor.dispatchesPerSecond).toFixed(2) : "";
      return `| ${r.scenario} | ${r.target} | ${r.protocol} | ${r.dispatchesPerSecond} | ${r.deliveriesPerSecond} | ${r.latencyMs.p50} | ${r.latencyMs.p90} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.lost} | ${r.duplicated} | ${r.refused} | ${ratio} |`;
    }),
    "",
    "## Capacity (idle sockets)",
    "",
    "| target | protocol | sockets | failed | connect p50 ms | p99 ms | all connected s | bytes per socket | RSS after |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ...capacityRows.map(
      (r) =>
        `| ${r.target} | ${r.protocol} | ${r.sockets} | ${r.failedConnects} | ${r.connectMs.p50} | ${r.connectMs.p99} | ${r.connectAllSeconds} | ${Object.entries(
          r.bytesPerSocket,
        )
          .map(([role, b]) => `${role} ${kb(b)}`)
          .join(", ")} | ${Object.entries(r.memoryBytes)
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
    "| target | goal | measured | met |",
    "| --- | --- | --- | --- |",
    ...targetRows(delivery, capacityRows, resumeRow, stormRow),
    "",
  ];
  // The hand-written analysis (why a target is or is not met) is kept beside and appended.
  const analysis = new URL("./analysis.md", import.meta.url);
  if (existsSync(analysis)) lines.push(readFileSync(analysis, "utf8").trim(), "");
  writeFileSync(path, `${lines.join("\n")}\n`);
}

function targetRows(
  delivery: DeliveryResult[],
  capacityRows: CapacityResult[],
  resumeRow: ResumeResult | undefined,
  stormRow: StormResult | undefined,
): string[] {
  const ours = (scenario: string, protocol: string) =>
    delivery.find((r) => r.scenario === scenario && r.target === "ours" && r.protocol === protocol);
  const rows: string[] = [];
  const row = (name: string, goal: string, measured: string | undefined, met: boolean | undefined) =>
    rows.push(`| ${name} | ${goal} | ${measured ?? "not run"} | ${met === undefined ? "" : met ? "yes" : "no"} |`);
  for (const protocol of ["legacy", "v2"]) {
    const u = ours("unloaded", protocol);
    row(
      `unloaded p99 (${protocol})`,
      `≤ ${TARGETS.unloadedP99Ms} ms`,
      u && `${u.latencyMs.p99} ms`,
      u && u.latencyMs.p99 <= TARGETS.unloadedP99Ms,
    );
    const s = ours("saturated", protocol);
    row(
      `saturated (${protocol})`,
      `≥ ${TARGETS.saturatedPerSecond}/s`,
      s && `${s.dispatchesPerSecond}/s`,
      s && s.dispatchesPerSecond >= TARGETS.saturatedPerSecond,
    );
  }
  for (const c of capacityRows.filter((r) => r.target === "ours")) {
    const bytes = Object.values(c.bytesPerSocket).reduce((a, b) => a + b, 0);
    row(
      `memory per idle socket (${c.protocol})`,
      `≤ ${kb(TARGETS.bytesPerIdleSocket)}`,
      kb(bytes),
      bytes <= TARGETS.bytesPerIdleSocket,
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
