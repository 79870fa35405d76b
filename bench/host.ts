// The one place the bench starts the gateway host: scripts/gateway-host.ts, the program `npm start`
// supervises (the worker in workerd through Miniflare's API, no dev proxy), so "ours" measures
// what a user runs.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitForLine } from "./lines.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

const QUIET = {
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_ERROR_REPORTS: "false",
};

export interface HostOptions {
  /** 0 picks a free port; a restart passes the previous one so clients find it again. */
  port: number;
  /** Durable Object storage on disk (persists across a restart). */
  persistDir: string;
  /** Plain-text bindings: secrets and settings of the worker. */
  bindings: Record<string, string>;
  /** Opens workerd's inspector (for --profile); it is not free, so off otherwise. */
  inspector: boolean;
}

export interface GatewayHost {
  child: ChildProcess;
  /** http://127.0.0.1:<port> the clients and the bridge use. */
  url: string;
}

export async function startGatewayHost(options: HostOptions): Promise<GatewayHost> {
  const child = spawn(process.execPath, ["--import", "tsx", `${ROOT}scripts/gateway-host.ts`], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...QUIET,
      GATEWAY_PORT: String(options.port),
      GATEWAY_PERSIST: options.persistDir,
      ...(options.inspector ? { GATEWAY_INSPECTOR_PORT: "0" } : {}),
      GATEWAY_VARS: JSON.stringify(options.bindings),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const ready = await waitForLine(child, /GATEWAY_READY (\S+)/, "gateway host");
  return { child, url: new URL(ready).origin };
}
