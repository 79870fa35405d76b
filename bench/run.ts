// `npm run bench [-- --quick] [--only …] [--out DIR] …` (see --help). Measures our gateway as
// `npm start` runs it (host, workerd, bridge; durable storage on) beside the floor and the durable
// floor in the same run, or any gateway that speaks the legacy protocol, on loopback only.
import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { SQLITE3_BIN } from "./floor-sqlite.js";
import { FDS_PER_SOCKET } from "./fds.js";
import { startFloor, startRuntimeFloor, startOurs, type Target } from "./processes.js";
import { writeResults, type RunRecord } from "./report.js";
import type { Protocol } from "./load.js";
import { connect, paced, resume, saturated, sequential, storm, type Scale } from "./scenarios.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SCENARIOS = ["sequential", "paced", "saturated", "connect", "resume", "storm"];
/** Where a --quick run writes unless --out says otherwise: a smoke run never replaces bench/RESULTS.md. */
const QUICK_OUT = "reports/bench-quick";
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    users: { type: "string", default: "1000" },
    "idle-seconds": { type: "string", default: "3" },
    only: { type: "string" },
    "ws-url": { type: "string" },
    socket: { type: "string" },
    secret: { type: "string" },
    out: { type: "string" },
    profile: { type: "string" },
    trace: { type: "boolean", default: false },
    report: { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(`npm run bench -- [--quick] [--only list] [--users N] [--idle-seconds S] [--out DIR]
  [--ws-url URL --socket PATH --secret S] [--profile DIR] [--trace] [--report]

Targets, in one run: the floor (plain Node, nothing stored), the durable floor (the floor plus our
guarantees: fsync'd spool with group commit, one SQLite row per notification committed before
delivery), the runtime floor (bench/runtime-floor/: our runtime, layout and bridge with none of our
code but a token check and a row per notification; v2) and ours as \`npm start\` runs it, legacy
and v2. Dispatches go as cron jobs send them:
POST /dispatch on the Unix socket.

Scenarios (--only, comma-separated; default all):
  sequential  10 users x 5 sockets, one dispatch at a time: latency p50/p99
  paced       10 x 5, 200 dispatches/s: latency p99 (the tail)
  saturated   100 x 2, 16 dispatches in flight: throughput
  connect     1,000 new users x 1 socket on a fresh gateway: time to all authenticated, then
              memory per idle socket summed over every process of the gateway (growth over its
              idle baseline after --idle-seconds, default 3), then one dispatch each
  resume      ours, v2: a client that missed 50 reconnects with its cursor
  storm       ours, v2: --users (default 1,000) x 5 sockets through a worker restart
Shapes are scaled down to fit the open-file limit (about ${FDS_PER_SOCKET.ours} per socket in our local runtime), and
the output says so when they are.
--quick shrinks each to a smoke run and writes to ${QUICK_OUT}/ unless --out says otherwise; a full
run writes bench/. --out DIR writes DIR/results.json and DIR/RESULTS.md.
--ws-url/--socket/--secret run the legacy scenarios against that gateway instead.
--profile DIR: workerd runs with its inspector on and each delivery run of ours writes a CPU profile
per isolate to DIR (plus the bridge's --cpu-prof at exit); summarise them with
\`node --import tsx bench/profile-summary.ts DIR\`.
--trace: each delivery run of ours reports where a dispatch's time went, stage by stage (bench/trace.ts:
spool sync, queue, to worker, to inbox, inbox → lobby, answer), from the bridge's TRACE_DISPATCHES lines.
--report only renders RESULTS.md again from results.json (after an edit of bench/analysis.md).`);
  process.exit(0);
}
const outDir = resolve(ROOT, values.out ?? (values.quick ? QUICK_OUT : "bench"));
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
const only = new Set((values.only ?? SCENARIOS.join(",")).split(","));
for (const name of only)
  if (!SCENARIOS.includes(name)) throw new Error(`unknown scenario ${name}; known: ${SCENARIOS}`);
const jwtSecret = values.secret ?? randomBytes(32).toString("hex");
const results: unknown[] = [];
const loadAverages: number[] = [];
const date = new Date().toISOString();
const log = (line: string) => console.error(`[bench] ${line}`);

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  log(`${name}…`);
  const result = await run();
  loadAverages.push(loadavg()[0]!);
  log(`${name}: ${JSON.stringify(result)}`);
  const note = (result as { scaledNote?: string }).scaledNote;
  if (note) log(`${name}: ${note}`);
  results.push(result);
  return result;
}

async function delivery(target: Target, protocols: readonly Protocol[]) {
  for (const protocol of protocols)
    for (const [name, shape] of [
      ["sequential", sequential],
      ["paced", paced],
      ["saturated", saturated],
    ] as const)
      if (only.has(name)) await step(`${name} ${target.name} ${protocol}`, () => shape(target, protocol, scale));
}

/** Memory per socket is only credible on a gateway that has served (and freed) nothing yet. */
async function connectOnFresh(start: () => Promise<Target>, protocol: Protocol) {
  const target = await start();
  try {
    await step(`connect ${target.name} ${protocol}`, () => connect(target, protocol, scale));
  } finally {
    await target.stop();
  }
}

/** A floor: the delivery shapes on one instance, then connect on a fresh one. */
async function measureFloor(start: () => Promise<Target>, protocol: Protocol) {
  const target = await start();
  try {
    await delivery(target, [protocol]);
  } finally {
    await target.stop();
  }
  if (only.has("connect")) await connectOnFresh(start, protocol);
}

execFileSync(process.execPath, ["build.mjs"], { cwd: `${ROOT}local-bridge` });
if (!existsSync(SQLITE3_BIN)) execFileSync("bash", [`${ROOT}bench/install-deps.sh`], { stdio: "inherit" });
if (values["ws-url"]) {
  if (!values.socket || !values.secret) throw new Error("--ws-url needs --socket and --secret");
  const external: Target = {
    name: "external",
    socketUrl: values["ws-url"],
    dispatchSocket: values.socket,
    jwtSecret,
    pids: () => ({}),
    fdsPerSocket: FDS_PER_SOCKET.floor,
    stop: async () => undefined,
  };
  await delivery(external, ["legacy"]);
  if (only.has("connect")) await step("connect external legacy", () => connect(external, "legacy", scale));
} else {
  await measureFloor(() => startFloor({ jwtSecret }), "legacy");
  await measureFloor(() => startFloor({ jwtSecret, durable: true }), "legacy");
  // The runtime floor speaks v2 only.
  await measureFloor(() => startRuntimeFloor({ jwtSecret, bridgeToken: randomBytes(32).toString("hex") }), "v2");
  const ours = await startOurs({
    jwtSecret,
    bridgeToken: randomBytes(32).toString("hex"),
    ...(values.profile && { profileDir: resolve(values.profile) }),
    trace: values.trace,
  });
  try {
    if (only.has("resume")) await step("resume ours v2", () => resume(ours, scale));
    await delivery(ours, ["legacy", "v2"]);
    for (const protocol of ["legacy", "v2"] as const) {
      if (!only.has("connect")) break;
      await ours.restartGateway!();
      await step(`connect ours ${protocol}`, () => connect(ours, protocol, scale));
    }
    if (only.has("storm")) await step("storm ours v2", () => storm(ours, scale));
  } finally {
    await ours.stop();
  }
}

const record: RunRecord = { quick: scale.quick, date, loadAverages, results };
mkdirSync(outDir, { recursive: true });
writeFileSync(`${outDir}/results.json`, `${JSON.stringify(record, null, 2)}\n`);
writeResults(`${outDir}/RESULTS.md`, record);
log(`wrote ${outDir}/results.json and ${outDir}/RESULTS.md`);
process.exit(0);
