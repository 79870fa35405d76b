// The runtime floor's host: bench/runtime-floor/worker.ts in the same runtime as
// ours (Miniflare's API over workerd, wrangler.toml's compatibility date and
// flags, SQLite Durable Objects persisted on disk), until SIGTERM.
//   FLOOR_PERSIST   state directory        FLOOR_VARS   JSON of its bindings
// Prints `RUNTIME_FLOOR_READY <url>` once it serves.
import { build } from "esbuild";
import { Log, LogLevel, Miniflare } from "miniflare";
import { fileURLToPath } from "node:url";
import { unstable_readConfig } from "wrangler";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const config = unstable_readConfig({ config: `${ROOT}wrangler.toml` });
const bundle = await build({
  entryPoints: [`${ROOT}bench/runtime-floor/worker.ts`],
  bundle: true,
  write: false,
  format: "esm",
  target: "es2024",
  external: ["cloudflare:*"],
  logLevel: "error",
});
const miniflare = new Miniflare({
  host: "127.0.0.1",
  port: 0,
  log: new Log(LogLevel.WARN),
  defaultPersistRoot: process.env.FLOOR_PERSIST,
  workers: [
    {
      name: "runtime-floor",
      compatibilityDate: config.compatibility_date,
      compatibilityFlags: config.compatibility_flags,
      modules: [{ type: "ESModule", path: "worker.js", contents: bundle.outputFiles[0]!.text }],
      durableObjects: { INBOX: { className: "Inbox", useSQLite: true } },
      bindings: JSON.parse(process.env.FLOOR_VARS ?? "{}") as Record<string, string>,
    },
  ],
});
console.log(`RUNTIME_FLOOR_READY ${(await miniflare.ready).href}`);
const stop = async () => {
  await miniflare.dispose();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
