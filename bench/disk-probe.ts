// `node --import tsx bench/disk-probe.ts [dir] [--count N]`: what durability alone costs on this
// disk. Appends a spool-sized record and fdatasyncs it, N times, as the bridge does for each
// dispatch (without group commit), and prints the latency percentiles.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { summarize } from "./stats.js";

const { values, positionals } = parseArgs({
  options: { count: { type: "string", default: "2000" } },
  allowPositionals: true,
});
const dir = mkdtempSync(join(positionals[0] ?? tmpdir(), "disk-probe-"));
const fd = openSync(join(dir, "spool"), "a");
const record = Buffer.alloc(300, "x");
const latencies: number[] = [];
try {
  for (let i = 0; i < Number(values.count); i++) {
    const started = process.hrtime.bigint();
    writeSync(fd, record);
    fdatasyncSync(fd);
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
} finally {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
}
const { p50, p90, p99, max } = summarize(latencies);
console.log(`write + fdatasync of ${record.length} bytes, ${latencies.length} times in ${dir}:`);
console.log(`p50 ${p50} ms, p90 ${p90} ms, p99 ${p99} ms, max ${max} ms`);
