// `npm start`: installs, creates local secrets, runs the gateway (wrangler dev)
// and the bridge (on a local Unix socket), and prints how to try them.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DEV_VARS_PATH, ensureDevVars } from "./dev-vars.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const HOST = "127.0.0.1";
const PORT = Number(process.env.PORT ?? 8787);
const SOCKET = process.env.WS_DISPATCH_SOCKET ?? `${ROOT}.run/ws.sock`;
const DEMO_USER = process.env.DEMO_USER ?? "demo";
const quiet = {
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_ERROR_REPORTS: "false",
};

function run(command, args, options = {}) {
  execFileSync(command, args, { cwd: ROOT, stdio: "inherit", ...options });
}

// 1. Install when the lockfile changed since the last install.
const marker = `${ROOT}node_modules/.installed-from-lock`;
const lock = readFileSync(`${ROOT}package-lock.json`, "utf8");
if (!existsSync(marker) || readFileSync(marker, "utf8") !== lock) {
  console.log("Installing dependencies (npm ci)…");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
  run("cp", ["package-lock.json", marker]);
}

// 2. Local secrets.
const { vars, added } = ensureDevVars();
if (added.length) console.log(`Generated ${added.join(" and ")} in ${DEV_VARS_PATH}`);

// 3. Build the bridge, start both.
run(process.execPath, ["build.mjs"], { cwd: `${ROOT}local-bridge` });
const children = [];
const start = (name, command, args, env) => {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...quiet, ...env }, stdio: "inherit" });
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping.`);
      stop(1);
    }
  });
  children.push(child);
};
let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 500);
}
process.on("SIGINT", () => stop());
process.on("SIGTERM", () => stop());

// Development sign-in (type a username) for this local run only; the worker
// still refuses it for any host but localhost. DEV_SIGNIN=false turns it off.
const devSignIn = process.env.DEV_SIGNIN !== "false";
start("gateway", process.execPath, ["--import", "tsx", "scripts/gateway-host.ts"], {
  GATEWAY_HOST: HOST,
  GATEWAY_PORT: String(PORT),
  // wrangler dev's directory: `npm start` and `npm run dev` see the same inboxes.
  GATEWAY_PERSIST: `${ROOT}.wrangler/state`,
  GATEWAY_VARS: JSON.stringify({ ...vars, ...(devSignIn ? { DEV_SIGNIN_ENABLED: "true" } : {}) }),
});
const gatewayUrl = `http://${HOST}:${PORT}`;
await waitFor(async () => (await fetch(`${gatewayUrl}/healthz`)).ok, "the gateway");
start("bridge", process.execPath, ["local-bridge/dist/cli.js", "serve"], {
  WS_DISPATCH_SOCKET: SOCKET,
  SPOOL_DIR: process.env.SPOOL_DIR ?? `${ROOT}.run/spool`,
  GATEWAY_URL: gatewayUrl,
  BRIDGE_TOKEN: vars.BRIDGE_TOKEN,
});
await waitFor(async () => existsSync(SOCKET), "the bridge");

// 4. How to try it.
const token = execFileSync("npx", ["tsx", "worker/scripts/dev-token.ts", DEMO_USER], {
  cwd: ROOT,
  encoding: "utf8",
}).trim();
const example = JSON.stringify({
  user: DEMO_USER,
  notification: { title: "Revenue dropped 12 %", message: "Hello from the data server" },
});
console.log(`
  Analyst Notifications is running.

  WebSocket      ws://${HOST}:${PORT}/ws/notifications
  Link page      ${gatewayUrl}/desktop/link${devSignIn ? "  (development sign-in: type any username)" : ""}
  Dispatch sock  ${SOCKET}
  Dev token      (user "${DEMO_USER}", 30 days)
    ${token}

  Listen as ${DEMO_USER} (in another terminal):
    npm run listen -- ${DEMO_USER}

  Send a notification:
    curl -s --unix-socket ${SOCKET} -X POST http://localhost/dispatch -H 'Content-Type: application/json' -d '${example}'

  Health:
    curl -s --unix-socket ${SOCKET} http://localhost/health

  Token for another user:  npm run token -- <username>
  Stop with Ctrl-C.
`);

async function waitFor(check, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      console.error(`${what} did not start within ${timeoutMs / 1000} s`);
      stop(1);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
