// The gateway host process: the worker in its runtime (scripts/gateway-runtime.ts)
// until SIGTERM/SIGINT. `npm start` supervises it; the e2e tests and the bench
// start it the same way, so each measures and kills what users run.
//   GATEWAY_HOST, GATEWAY_PORT      where it listens (127.0.0.1, 0 = a free port)
//   GATEWAY_PERSIST                 state directory (none: in memory)
//   GATEWAY_VARS                    JSON of secrets and vars over wrangler.toml's
//   GATEWAY_INSPECTOR_PORT          workerd's inspector, for CPU profiles
// Prints `GATEWAY_READY <url>` once it serves. When workerd dies it prints
// `GATEWAY_RUNTIME_EXITED`, starts a new one (same bundle, port and storage:
// far quicker than a new host) and prints `GATEWAY_READY` again; a workerd
// that dies within DEFAULT_RUNTIME_MIN_UPTIME_MS of its start, or cannot be
// started, makes the host exit 1 so the supervisor backs off.
import { DEFAULT_RUNTIME_MIN_UPTIME_MS, startGatewayRuntime } from "./gateway-runtime.js";

const env = process.env;
let startedAt = Date.now();
let stopping = false;
const runtime = await startGatewayRuntime({
  host: env.GATEWAY_HOST ?? "127.0.0.1",
  port: Number(env.GATEWAY_PORT ?? 0),
  persistDir: env.GATEWAY_PERSIST || undefined,
  vars: JSON.parse(env.GATEWAY_VARS ?? "{}") as Record<string, string>,
  inspectorPort: env.GATEWAY_INSPECTOR_PORT ? Number(env.GATEWAY_INSPECTOR_PORT) : undefined,
  onRuntimeExit: () => void restartRuntime(),
});
console.log(`GATEWAY_READY ${runtime.url.href}`);

async function restartRuntime(): Promise<void> {
  if (stopping) return;
  if (Date.now() - startedAt < DEFAULT_RUNTIME_MIN_UPTIME_MS) {
    console.error("gateway host: workerd exited right after its start; exiting");
    process.exit(1);
  }
  console.log("GATEWAY_RUNTIME_EXITED");
  try {
    await runtime.restart();
  } catch (error) {
    console.error(`gateway host: workerd could not be restarted (${(error as Error).message}); exiting`);
    process.exit(1);
  }
  startedAt = Date.now();
  console.log(`GATEWAY_READY ${runtime.url.href}`);
}

const stop = async () => {
  if (stopping) return;
  stopping = true;
  await runtime.dispose();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
// Under `npm start` (an IPC channel): a supervisor that is gone leaves no gateway behind.
if (process.send) process.once("disconnect", () => void stop());
