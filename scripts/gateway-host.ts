// The gateway host process: the worker in its runtime (scripts/gateway-runtime.ts)
// until SIGTERM/SIGINT. `npm start` supervises it; the e2e tests and the bench
// start it the same way, so each measures and kills what users run.
//   GATEWAY_HOST, GATEWAY_PORT      where it listens (127.0.0.1, 0 = a free port)
//   GATEWAY_PERSIST                 state directory (none: in memory)
//   GATEWAY_VARS                    JSON of secrets and vars over wrangler.toml's
//   GATEWAY_INSPECTOR_PORT          workerd's inspector, for CPU profiles
// Prints `GATEWAY_READY <url>` once it serves; exits 1 if workerd dies, so
// the supervisor starts a fresh one.
import { startGatewayRuntime } from "./gateway-runtime.js";

const env = process.env;
const runtime = await startGatewayRuntime({
  host: env.GATEWAY_HOST ?? "127.0.0.1",
  port: Number(env.GATEWAY_PORT ?? 0),
  persistDir: env.GATEWAY_PERSIST || undefined,
  vars: JSON.parse(env.GATEWAY_VARS ?? "{}") as Record<string, string>,
  inspectorPort: env.GATEWAY_INSPECTOR_PORT ? Number(env.GATEWAY_INSPECTOR_PORT) : undefined,
  onRuntimeExit: () => {
    console.error("gateway host: workerd exited; exiting so the supervisor restarts it");
    process.exit(1);
  },
});
console.log(`GATEWAY_READY ${runtime.url.href}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await runtime.dispose();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
