import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { unstable_startWorker } from "wrangler";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Gateway {
  /** http://127.0.0.1:<port>/ */
  url: URL;
  /** ws://127.0.0.1:<port>/ws/notifications */
  socketUrl: string;
  jwtSecret: string;
  bridgeToken: string;
  /** fetch against the gateway, path relative to its root. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  /** Loopback port; 0 (default) picks a free one. A restart passes the old port. */
  port?: number;
  /** Directory for Durable Object and R2 state, so it survives a restart; none by default. */
  persistDir?: string;
  /** Secrets of an earlier start, so a restarted worker accepts the same tokens. */
  secrets?: { jwtSecret: string; bridgeToken: string };
  /** wrangler's log level; "log" lets the worker's console lines through (tests capture console). */
  logLevel?: "warn" | "log" | "debug";
}

/**
 * Starts the real worker (wrangler.toml, workerd) on a loopback port with
 * fresh secrets and, unless `persistDir` is given, no persisted state;
 * `vars` override settings.
 */
export async function startGateway(vars: Record<string, string> = {}, options: GatewayOptions = {}): Promise<Gateway> {
  const jwtSecret = options.secrets?.jwtSecret ?? randomBytes(32).toString("hex");
  const bridgeToken = options.secrets?.bridgeToken ?? randomBytes(32).toString("hex");
  const bindings: Record<string, { type: "plain_text" | "secret_text"; value: string }> = {
    DESKTOP_JWT_SECRET: { type: "secret_text", value: jwtSecret },
    BRIDGE_TOKEN: { type: "secret_text", value: bridgeToken },
  };
  for (const [name, value] of Object.entries(vars)) bindings[name] = { type: "plain_text", value };
  const worker = await unstable_startWorker({
    config: `${ROOT}wrangler.toml`,
    envFiles: [],
    bindings,
    dev: {
      server: { hostname: "127.0.0.1", port: options.port ?? 0 },
      inspector: false,
      persist: options.persistDir ?? false,
      logLevel: options.logLevel ?? (process.env.TEST_WRANGLER_LOG_LEVEL as "warn" | undefined) ?? "warn",
      watch: false,
    },
  });
  await worker.ready;
  const url = await worker.url;
  return {
    url,
    socketUrl: new URL("/ws/notifications", url).href.replace(/^http/, "ws"),
    jwtSecret,
    bridgeToken,
    fetch: (path, init) => fetch(new URL(path, url), init),
    stop: () => worker.dispose(),
  };
}
