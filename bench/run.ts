// `npm run bench [-- --quick] [--only unloaded,saturated,capacity,resume,storm]
//   [--ws-url ws://… --socket /path/ws.sock --secret …] [--profile DIR]`
// Measures our gateway (workerd + bridge, durable storage on) beside the
// floor, or any gateway that speaks the legacy protocol, on loopback only.
import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startFloor, startOurs, type Target } from "./processes.js";
import { writeResults, type RunRecord } from "./report.js";
import type { Protocol } from "./load.js";
import { capacity, resume, saturated, storm, unloaded, type Scale } from "./scenarios.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    users: { type: "string", default: "600" },
    "idle-seconds": { type: "string", default: "3" },
    only: { type: "string" },
    "ws-url": { type: "string" },
    socket: { type: "string" },
    secret: { type: "string" },
    out: { type: "string", default: "bench" },
    profile: { type: "string" },
    "skip-direct": { type: "boolean", default: false },
    report: { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(`npm run bench -- [--quick] [--only list] [--users N] [--idle-seconds S] [--out DIR]
  [--ws-url URL --socket PATH --secret S]
  [--profile DIR] [--skip-direct] [--report]

Scenarios: unloaded (10 users x 5 sockets, 200 dispatches/s), saturated (100 x 2, 16 in flight),
capacity (--users x 5 sockets: connect time, bytes per idle socket), resume (v2: 50 missed), storm
(--users x 5 v2 sockets reconnect after a worker restart). --users defaults to 600 (3,000 sockets:
the most this workplace's 20,000-descriptor cap allows the local runtime; the target is 1,000).
Capacity samples memory after the sockets sat idle --idle-seconds (default 3).
--quick shrinks each to a one-minute smoke run.
With --ws-url/--socket/--secret, the legacy scenarios run against that gateway instead of ours.
With --profile DIR, workerd runs with its inspector on and each unloaded/saturated run of ours writes
a CPU profile per isolate to DIR (plus the bridge's --cpu-prof at exit); summarise them with
\`node --import tsx bench/profile-summary.ts DIR\`.
"ours-direct" runs the latency and capacity scenarios again with clients and bridge on the port of the
workerd that runs our worker, without wrangler dev's proxy in front (as on Cloudflare); --skip-direct
leaves it out.
Writes <out>/results.json and <out>/RESULTS.md; --report only renders RESULTS.md again from results.json
(after an edit of bench/analysis.md).`);
  process.exit(0);
}
const outDir = resolve(ROOT, values.out);
if (values.report) {
  const record = JSON.parse(readFileSync(`${outDir}/results.json`, "utf8")) as RunRecord;
  writeResults(`${outDir}/RESULTS.md`, record);
  process.exit(0);
}
const scale: Scale = {
  quick: values.quick,
  users: Number(values.users),
  idleMs: Number(values["idle-seconds"]) * 1000,
};
const only = new Set((values.only ?? "unloaded,saturated,capacity,resume,storm").split(","));
const jwtSecret = values.secret ?? randomBytes(32).toString("hex");
const results: unknown[] = [];
const loadAverages: number[] = [];
const date = new Date().toISOString();
const log = (line: string) => console.error(`[bench] ${line}`);

async function latency(target: Target, protocols: readonly Protocol[]) {
  for (const protocol of protocols) {
    if (only.has("unloaded"))
      results.push(await step(`unloaded ${target.name} ${protocol}`, () => unloaded(target, protocol, scale)));
    if (only.has("saturated"))
      results.push(await step(`saturated ${target.name} ${protocol}`, () => saturated(target, protocol, scale)));
  }
}

// Memory per socket is only credible on a gateway that has not served (and freed) anything yet:
// callers pass a freshly started or restarted one.
async function capacityOnFresh(target: Target, protocol: Protocol) {
  results.push(await step(`capacity ${target.name} ${protocol}`, () => capacity(target, protocol, scale)));
}

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  log(`${name}…`);
  const result = await run();
  loadAverages.push(loadavg()[0]!);
  log(`${name}: ${JSON.stringify(result)}`);
  return result;
}

execFileSync(process.execPath, ["build.mjs"], { cwd: `${ROOT}local-bridge` });
if (values["ws-url"]) {
  if (!values.socket || !values.secret) throw new Error("--ws-url needs --socket and --secret");
  const external: Target = {
    name: "external" as "floor",
    socketUrl: values["ws-url"],
    dispatchSocket: values.socket,
    jwtSecret,
    pids: () => ({}),
    socketHolders: [],
    stop: async () => undefined,
  };
  await latency(external, ["legacy"]);
  if (only.has("capacity")) await capacityOnFresh(external, "legacy");
} else {
  const floor = await startFloor({ jwtSecret });
  try {
    await latency(floor, ["legacy"]);
  } finally {
    await floor.stop();
  }
  if (only.has("capacity")) {
    const fresh = await startFloor({ jwtSecret });
    try {
      await capacityOnFresh(fresh, "legacy");
    } finally {
      await fresh.stop();
    }
  }
  const ours = await startOurs({
    jwtSecret,
    bridgeToken: randomBytes(32).toString("hex"),
    ...(values.profile && { profileDir: resolve(values.profile) }),
  });
  try {
    if (only.has("resume")) results.push(await step("resume ours v2", () => resume(ours, scale)));
    await latency(ours, ["legacy", "v2"]);
    for (const protocol of ["legacy", "v2"] as const) {
      if (!only.has("capacity")) break;
      await ours.restartGateway!();
      await capacityOnFresh(ours, protocol);
    }
    if (only.has("storm")) results.push(await step("storm ours v2", () => storm(ours, scale)));
  } finally {
    await ours.stop();
  }
  // The same worker without wrangler dev's proxy in front (an extra probe; "ours" stays the path).
  if (!values["skip-direct"]) {
    const direct = () =>
      startOurs({
        jwtSecret,
        bridgeToken: randomBytes(32).toString("hex"),
        direct: true,
        ...(values.profile && { profileDir: resolve(values.profile) }),
      });
    const latencyTarget = await direct();
    try {
      await latency(latencyTarget, ["legacy", "v2"]);
    } finally {
      await latencyTarget.stop();
    }
    for (const protocol of ["legacy", "v2"] as const) {
      if (!only.has("capacity")) break;
      const fresh = await direct();
      try {
        await capacityOnFresh(fresh, protocol);
      } finally {
        await fresh.stop();
      }
    }
  }
}

const record: RunRecord = { quick: scale.quick, date, loadAverages, results };
mkdirSync(outDir, { recursive: true });
writeFileSync(`${outDir}/results.json`, `${JSON.stringify(record, null, 2)}\n`);
writeResults(`${outDir}/RESULTS.md`, record);
log(`wrote ${outDir}/results.json and ${outDir}/RESULTS.md`);
process.exit(0);
