// `node --import tsx bench/profile-summary.ts <dir | file.cpuprofile …> [--out FILE]`
// Summarises the CPU profiles `npm run bench -- --profile <dir>` wrote: for each
// run of workerd, where its time went (idle, outside JS, GC, our code, libraries,
// runtime APIs, the dev stack) beside what /proc says each process used; for any
// other profile (the bridge's --cpu-prof), self time per function.
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}
interface Usage {
  wallMs: number;
  dispatches: number;
  cpuMs: Record<string, number>;
}

const CATEGORIES = [
  "idle",
  "outside JS (program)",
  "GC",
  "our code",
  "our libraries",
  "runtime APIs",
  "dev stack JS",
] as const;
type Category = (typeof CATEGORIES)[number];

/** Which part of the stack a frame belongs to (urls are source paths after bundle-sources.ts). */
function categoryOf({ functionName, url }: Node["callFrame"]): Category | undefined {
  if (functionName === "(root)") return undefined;
  if (functionName === "(idle)") return "idle";
  if (functionName === "(program)") return "outside JS (program)";
  if (functionName === "(garbage collector)") return "GC";
  // Functions without a script are the runtime's own (SQLite exec, WebSocket send, Response…).
  if (!url) return "runtime APIs";
  if (/^(worker|schemas)\//.test(url)) return "our code";
  if (/node_modules\/(wrangler|miniflare)\/|entry\.worker\.js/.test(url)) return "dev stack JS";
  if (url.includes("node_modules/")) return "our libraries";
  return "dev stack JS"; // Miniflare's and wrangler's embedded workers
}

/** Self time per node in ms, each sample weighted by the time until the next one (as DevTools does). */
function selfTimes(profile: Profile): Map<number, number> {
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + ms);
  }
  return self;
}

const pct = (part: number, whole: number) => (whole > 0 ? `${((part / whole) * 100).toFixed(1)} %` : "");
const round = (ms: number) => String(Math.round(ms));

interface IsolateSummary {
  isolate: string;
  wallMs: number;
  byCategory: Record<Category, number>;
  top: { name: string; where: string; category: Category; ms: number }[];
}

function summariseIsolate(path: string, isolate: string): IsolateSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const self = selfTimes(profile);
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const byFunction = new Map<string, { name: string; where: string; category: Category; ms: number }>();
  for (const node of profile.nodes) {
    const ms = self.get(node.id) ?? 0;
    const category = categoryOf(node.callFrame);
    if (!category || !ms) continue;
    byCategory[category] += ms;
    if (category === "idle" || category === "outside JS (program)") continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*node_modules\//, "")}:${lineNumber + 1}` : "(runtime)";
    const key = `${functionName} ${where}`;
    const entry = byFunction.get(key) ?? { name: functionName || "(anonymous)", where, category, ms: 0 };
    entry.ms += ms;
    byFunction.set(key, entry);
  }
  return {
    isolate,
    wallMs: (profile.endTime - profile.startTime) / 1000,
    byCategory,
    top: [...byFunction.values()].sort((a, b) => b.ms - a.ms).slice(0, 12),
  };
}

/**
 * Markdown for one run (`<label>.cpu.json` and its `<label>.<isolate>.cpuprofile` files).
 * V8 samples wall time: a sample lands on whatever an isolate is doing while it is
 * not idle, whether or not its thread has a core. workerd runs every isolate on one
 * thread and the entry worker stays busy in `fetch` while ours handles the request,
 * so the isolates' busy times overlap and only /proc tells CPU.
 */
function summariseRun(dir: string, label: string, files: string[]): string[] {
  const usage = JSON.parse(readFileSync(join(dir, `${label}.cpu.json`), "utf8")) as Usage;
  const isolates = files.map((f) => summariseIsolate(join(dir, f), f.slice(label.length + 1, -".cpuprofile".length)));
  const busy = (s: IsolateSummary) => s.wallMs - s.byCategory.idle;
  const shown = CATEGORIES.filter((c) => c !== "idle");
  const ours = isolates.find((s) => s.isolate.startsWith("core_user"));
  const workerdMs = usage.cpuMs.workerd ?? 0;
  // A connect run counts sockets connected where a delivery run counts dispatches.
  const unit = label.startsWith("connect") ? "connect" : "dispatch";
  const lines = [
    `### ${label}`,
    "",
    `${usage.dispatches} ${unit}s in ${round(usage.wallMs)} ms. CPU each process used (/proc utime + stime):`,
    "",
    `| process | CPU ms | ms per ${unit} | of one core |`,
    "| --- | ---: | ---: | ---: |",
    ...Object.entries(usage.cpuMs).map(
      ([role, ms]) => `| ${role} | ${ms} | ${(ms / usage.dispatches).toFixed(2)} | ${pct(ms, usage.wallMs)} |`,
    ),
    "",
    "Each profiled isolate: wall time it was busy (not idle), and what it was doing then:",
    "",
    `| isolate | busy ms | ${shown.join(" | ")} |`,
    `| --- | ---: | ${shown.map(() => "---:").join(" | ")} |`,
    ...isolates.map(
      (s) => `| ${s.isolate} | ${round(busy(s))} | ${shown.map((c) => pct(s.byCategory[c], busy(s))).join(" | ")} |`,
    ),
    "",
  ];
  if (ours)
    lines.push(
      `Our isolate was busy ${round(busy(ours))} ms of wall time while the workerd process used ${workerdMs} ms of CPU`,
      `(${pct(workerdMs, busy(ours))} of it): the rest of the busy time the thread was waiting for a core or for I/O.`,
      "",
    );
  for (const s of isolates) {
    lines.push(
      `Top self time in ${s.isolate} (share of its busy time):`,
      "",
      "| ms | share | function | where | part |",
      "| ---: | ---: | --- | --- | --- |",
      ...s.top
        .slice(0, s === ours ? 12 : 5)
        .map((f) => `| ${f.ms.toFixed(1)} | ${pct(f.ms, busy(s))} | \`${f.name}\` | ${f.where} | ${f.category} |`),
      "",
    );
  }
  return lines;
}

/** Self time per function of a plain Node profile (the bridge's), top 15. */
function summariseNodeProfile(path: string): string[] {
  const profile = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const self = selfTimes(profile);
  const total = (profile.endTime - profile.startTime) / 1000;
  const byName = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*\/(node_modules|local-bridge)\//, "$1/")}:${lineNumber + 1}` : "";
    const key = `${functionName || "(anonymous)"} ${where}`.trim();
    byName.set(key, (byName.get(key) ?? 0) + (self.get(node.id) ?? 0));
  }
  return [
    `### ${basename(path)}`,
    "",
    "| self % | function |",
    "| ---: | --- |",
    ...[...byName]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, ms]) => `| ${pct(ms, total)} | \`${name}\` |`),
    "",
  ];
}

const { values, positionals } = parseArgs({ options: { out: { type: "string" } }, allowPositionals: true });
const lines: string[] = [
  "# CPU profiles",
  "",
  "Written by `node --import tsx bench/profile-summary.ts <dir>` from the",
  "profiles of `npm run bench -- --only saturated,connect --profile <dir>` (workerd's inspector on, a V8",
  "sampling profiler in our isolate and in Miniflare's entry worker, the bridge under `--cpu-prof`).",
  "Profiling slows the gateway; these runs say where time goes, the figures of RESULTS.md come from",
  "runs without it. V8 samples wall time: an isolate counts as busy while it is not idle, also when its",
  "thread waits for a core. All isolates of workerd share one thread, and the entry worker stays busy",
  "in `fetch` while ours handles the request, so busy times overlap; only /proc says what the CPU did.",
  "Parts: *our code* = worker/ and schemas/; *our libraries* = itty-router, zod, jose; *runtime APIs* =",
  "functions of the runtime called from JavaScript (SQLite `exec`, WebSocket `send`, `Response`, …),",
  "whose time is spent in its C++; *dev stack JS* = Miniflare's entry worker and wrangler's middleware;",
  "*outside JS* = V8's `(program)`, the runtime's own work while the isolate is entered.",
  "",
];
for (const input of positionals) {
  if (!statSync(input).isDirectory()) {
    lines.push(...summariseNodeProfile(input));
    continue;
  }
  const files = readdirSync(input).sort();
  for (const usage of files.filter((f) => f.endsWith(".cpu.json"))) {
    const label = usage.slice(0, -".cpu.json".length);
    const runFiles = files.filter((f) => f.startsWith(`${label}.`) && f.endsWith(".cpuprofile"));
    lines.push(...summariseRun(input, label, runFiles));
  }
  for (const other of files.filter((f) => f.startsWith("CPU.") && f.endsWith(".cpuprofile")))
    lines.push(...summariseNodeProfile(join(input, other)));
}
const text = `${lines.join("\n")}\n`;
if (values.out) writeFileSync(values.out, text);
else process.stdout.write(text);
