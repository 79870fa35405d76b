// Hosts the real worker (wrangler's unstable_startWorker → workerd) in a
// process of its own, so the benchmark can measure and restart it.
import { fileURLToPath } from "node:url";
import { unstable_startWorker } from "wrangler";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const vars = JSON.parse(process.env.BENCH_BINDINGS ?? "{}") as Record<string, string>;
const bindings = Object.fromEntries(
  Object.entries(vars).map(([name, value]) => [name, { type: "plain_text" as const, value }]),
);
const worker = await unstable_startWorker({
  config: `${ROOT}wrangler.toml`,
  envFiles: [],
  bindings,
  dev: {
    server: { hostname: "127.0.0.1", port: Number(process.env.BENCH_PORT ?? 0) },
    inspector: process.env.BENCH_INSPECTOR ? { port: Number(process.env.BENCH_INSPECTOR) } : false,
    persist: process.env.BENCH_PERSIST || false,
    logLevel: "warn",
    watch: false,
  },
});
await worker.ready;
console.log(`BENCH_READY ${(await worker.url).href}`);
const stop = async () => {
  await worker.dispose();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
