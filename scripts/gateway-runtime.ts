// The worker in a Workers runtime of its own, without wrangler's dev proxy:
// Miniflare's API over workerd, configured from wrangler.toml (compat date,
// flags, vars, Durable Objects with SQLite, R2), persisted on disk in the
// same layout as `wrangler dev`. `npm start`, the e2e tests and the bench all
// reach it through scripts/gateway-host.ts.
import { build } from "esbuild";
import { Log, LogLevel, Miniflare, type MiniflareOptions } from "miniflare";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const WRANGLER_CONFIG = join(ROOT, "wrangler.toml");
/** A workerd that lived less than this is crash-looping: its host leaves the backoff to the supervisor. */
export const DEFAULT_RUNTIME_MIN_UPTIME_MS = 5_000;
/** Where a host started with an inspector (CPU profiles) writes its bundle's source map. */
export const PROFILED_BUNDLE_MAP = join(ROOT, ".wrangler/tmp/gateway-host/index.js.map");

export interface GatewayRuntimeOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Directory of Durable Object and R2 state (`.wrangler/state` for `wrangler dev`'s); none keeps it in memory. */
  persistDir?: string;
  /** Secrets and overrides of wrangler.toml's vars. */
  vars: Record<string, string>;
  /** workerd's inspector (CPU profiles); off unless given. */
  inspectorPort?: number;
  /** Called once if workerd exits on its own (killed, crashed); not on `dispose()`. */
  onRuntimeExit: () => void;
}

export interface GatewayRuntime {
  url: URL;
  /** Starts a new workerd with the same bundle, port and storage (after the old one died). */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Bundles the worker as `wrangler deploy` does (esbuild, ES modules, the
 * workerd/worker/browser conditions) into memory, so the runtime runs what
 * Cloudflare would.
 */
async function bundleWorker(main: string, define: Record<string, string>, withMap: boolean): Promise<string> {
  const result = await build({
    // Profiles name the bundle's frames by line; the map leads them back to their sources.
    ...(withMap && { sourcemap: "external" as const, outfile: PROFILED_BUNDLE_MAP.replace(/\.map$/, "") }),
    entryPoints: [main],
    bundle: true,
    write: false,
    format: "esm",
    target: "es2024",
    conditions: ["workerd", "worker", "browser"],
    // The runtime's own modules, as wrangler's bundler leaves them.
    external: ["cloudflare:*"],
    define: { "process.env.NODE_ENV": '"development"', ...define },
    logLevel: "error",
  });
  const map = result.outputFiles.find((file) => file.path.endsWith(".map"));
  if (map) {
    mkdirSync(join(PROFILED_BUNDLE_MAP, ".."), { recursive: true });
    writeFileSync(PROFILED_BUNDLE_MAP, map.text);
  }
  return result.outputFiles.find((file) => !file.path.endsWith(".map"))!.text;
}

export async function startGatewayRuntime(options: GatewayRuntimeOptions): Promise<GatewayRuntime> {
  const config = unstable_readConfig({ config: WRANGLER_CONFIG });
  const { workerOptions, define, main } = unstable_getMiniflareWorkerOptions(config);
  if (!main) throw new Error(`${WRANGLER_CONFIG} names no main module`);
  const script = await bundleWorker(main, define, options.inspectorPort !== undefined);
  const plainVars = (workerOptions.bindings ?? {}) as Record<string, unknown>;
  const vars = {
    ...accountImport(config.name, options.persistDir, { ...plainVars, ...options.vars }),
    ...options.vars,
  };
  let disposing = false;
  const miniflareOptions = (port: number): MiniflareOptions => ({
    host: options.host,
    port,
    ...(options.inspectorPort !== undefined ? { inspectorPort: options.inspectorPort } : {}),
    log: new Log(LogLevel.WARN),
    logRequests: false,
    ...(options.persistDir ? { defaultPersistRoot: join(options.persistDir, "v3") } : {}),
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      stdout.pipe(process.stdout);
      stderr.pipe(process.stderr);
      // workerd's stdout ends only when the process is gone.
      stdout.once("end", () => {
        if (!disposing) options.onRuntimeExit();
      });
    },
    workers: [
      {
        ...workerOptions,
        name: config.name,
        bindings: { ...plainVars, ...vars },
        modules: [{ type: "ESModule", path: main, contents: script }],
      },
    ],
  });
  const miniflare = new Miniflare(miniflareOptions(options.port));
  const url = await miniflare.ready;
  return {
    url,
    // Same options: Miniflare replaces the runtime process and keeps the port.
    restart: async () => {
      await miniflare.setOptions(miniflareOptions(Number(url.port)));
    },
    dispose: async () => {
      disposing = true;
      await miniflare.dispose();
    },
  };
}

/**
 * IMPORT_USER_ACCOUNTS for this state: a user's first call reads the account
 * earlier versions kept in a UserAccount object only when this state holds
 * any (`false` when it holds none, or lives in memory). Said explicitly, the
 * setting wins.
 */
function accountImport(
  workerName: string | undefined,
  persistDir: string | undefined,
  vars: Record<string, unknown>,
): Record<string, string> {
  if (vars.IMPORT_USER_ACCOUNTS !== undefined) return {};
  // Miniflare keeps each object's SQLite file under do/<worker>-<class>/, as `wrangler dev` does.
  const objects = persistDir ? join(persistDir, "v3", "do", `${workerName}-UserAccount`) : undefined;
  let held = false;
  try {
    // One file per object, named by its id; metadata.sqlite is the namespace's own, there from the first start.
    held = objects !== undefined && readdirSync(objects).some((file) => /^[0-9a-f]{64}\.sqlite$/.test(file));
  } catch {
    // No such directory: no account was ever kept there.
  }
  return held ? {} : { IMPORT_USER_ACCOUNTS: "false" };
}
