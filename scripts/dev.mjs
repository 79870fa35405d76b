// `npm start`: installs, creates local secrets, runs the gateway (the worker in
// workerd, through scripts/gateway-host.ts) and the bridge (on a local Unix
// socket), keeps both running (scripts/supervisor.mjs), and prints how to try them.
//   PORT                 the gateway's loopback port (8787)
//   WS_DISPATCH_SOCKET   the bridge's socket (.run/ws.sock)
//   SPOOL_DIR            the bridge's spool (.run/spool)
//   GATEWAY_STATE_DIR    inboxes and images (.wrangler/state, shared with `npm run dev`)
//   DEV_VARS_PATH        local secrets (.dev.vars)
//   DEV_SIGNIN=false     no development sign-in
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DEV_VARS_PATH, ensureDevVars } from "./dev-vars.mjs";
import { Part, say, socketAnswers, spawnPart, until } from "./supervisor.mjs";

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

// 3. Build the bridge, then start and supervise both.
run(process.execPath, ["build.mjs"], { cwd: `${ROOT}local-bridge` });
// Development sign-in (type a username) for this local run only; the worker
// still refuses it for any host but localhost. DEV_SIGNIN=false turns it off.
const devSignIn = process.env.DEV_SIGNIN !== "false";
const gatewayUrl = `http://${HOST}:${PORT}`;

const gateway = new Part({
  name: "gateway",
  spawn: () =>
    spawnPart(process.execPath, ["--import", "tsx", "scripts/gateway-host.ts"], {
      cwd: ROOT,
      // The IPC channel's end (a killed supervisor) stops the host too.
      stdio: ["ignore", "pipe", "inherit", "ipc"],
      env: {
        ...process.env,
        ...quiet,
        GATEWAY_HOST: HOST,
        GATEWAY_PORT: String(PORT),
        GATEWAY_PERSIST: process.env.GATEWAY_STATE_DIR ?? `${ROOT}.wrangler/state`,
        GATEWAY_VARS: JSON.stringify({ ...vars, ...(devSignIn ? { DEV_SIGNIN_ENABLED: "true" } : {}) }),
      },
    }),
  // The host restarts a workerd that dies by itself (quicker than a new host): it says so on stdout.
  ready: (child) =>
    new Promise((resolve, reject) => {
      let buffered = "";
      let ready = false;
      child.stdout.on("data", (chunk) => {
        buffered += chunk.toString();
        let newline;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line === "GATEWAY_RUNTIME_EXITED") {
            gateway.restarts += 1;
            say(`gateway: workerd exited; restarting it (restart ${gateway.restarts})`);
          } else if (!line.startsWith("GATEWAY_READY ")) {
            console.log(line);
          } else if (ready) {
            gatewayBack();
          } else {
            ready = true;
            resolve();
          }
        }
      });
      child.once("exit", () => reject(new Error("exited")));
    }),
  onReady: (part) => {
    if (part.restarts > 0) gatewayBack();
  },
  onGiveUp: giveUp,
});

const bridge = new Part({
  name: "bridge",
  spawn: () =>
    spawnPart(process.execPath, ["local-bridge/dist/cli.js", "serve"], {
      cwd: ROOT,
      // The IPC channel carries restart counts and "the gateway is back"; its end stops the bridge.
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: {
        ...process.env,
        WS_DISPATCH_SOCKET: SOCKET,
        SPOOL_DIR: process.env.SPOOL_DIR ?? `${ROOT}.run/spool`,
        GATEWAY_URL: gatewayUrl,
        BRIDGE_TOKEN: vars.BRIDGE_TOKEN,
      },
    }),
  ready: (child) => until(() => socketAnswers(SOCKET), child),
  onReady: () => tellBridge(restartCounts()),
  onGiveUp: giveUp,
});

/** A restarted gateway serves again: the bridge sends its backlog now, not at the end of its backoff. */
function gatewayBack() {
  tellBridge({ type: "gateway_ready" });
  tellBridge(restartCounts());
}

function restartCounts() {
  return { type: "restarts", gateway: gateway.restarts, bridge: bridge.restarts };
}

function tellBridge(message) {
  const child = bridge.child;
  if (child?.connected) child.send(message);
}

let stopping = false;
async function stop(code) {
  if (stopping) {
    say("stopping now");
    await Promise.all([bridge.stop(true), gateway.stop(true)]);
    process.exit(1);
  }
  stopping = true;
  say("stopping: the bridge answers its calls in flight first");
  // The bridge first: its calls in flight wait for the gateway's answers.
  await bridge.stop();
  await gateway.stop();
  process.exit(code);
}

function giveUp(message) {
  say(`${message} Stopping.`);
  void stop(1);
}

process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

if (!(await gateway.start()) || !(await bridge.start())) await new Promise(() => {}); // giving up

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
  A part that dies is restarted; stop with Ctrl-C.
`);
