import { USERNAME_PATTERN } from "@analyst-notifications/schemas";
import { homedir, userInfo } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadClientConfig } from "../config.js";
import { runCron } from "../cron-runner.js";
import { createLogger } from "../log.js";
import type { CliCommand } from "./command.js";

export const cronCommand: CliCommand = {
  name: "cron",
  summary: "run the current user's notification scripts once (the legacy cron job)",
  usage: `Usage: analyst-bridge cron [options]

Runs every *.py in the scripts directory as the current user, one after
another, each with the script timeout and the home directory as working
directory. A script prints one JSON object:
  {"notify":true,"title":"...","message":"...","image_path":"/tmp/chart.png","cooldown":"1h"}
Only notify:true sends, and only when the script's last send is older than
its cooldown (<N>m, <N>h or <N>d, default 1h; kept in <state dir>/<stem>.json
as {"last_sent": <epoch s>}). A non-zero exit, a timeout, empty output or
invalid JSON sends nothing and is logged. Each send's id comes from the user,
the script and the run that first tried it (kept as "pending_run" in the
state file until the bridge answered), so a send whose answer was cut and
is sent again by the next run is stored once.

Options:
  --scripts-dir <dir>   default NOTIFY_SCRIPTS_DIR
  --state-dir <dir>     default NOTIFY_STATE_DIR
  --timeout <seconds>   default SCRIPT_TIMEOUT_SECONDS

Exit code 0 when every script ran cleanly, 1 when any failed.`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        "scripts-dir": { type: "string" },
        "state-dir": { type: "string" },
        timeout: { type: "string" },
      },
    });
    const config = loadClientConfig(
      {
        ...process.env,
        ...(values["scripts-dir"] ? { NOTIFY_SCRIPTS_DIR: resolve(values["scripts-dir"]) } : {}),
        ...(values["state-dir"] ? { NOTIFY_STATE_DIR: resolve(values["state-dir"]) } : {}),
        ...(values.timeout ? { SCRIPT_TIMEOUT_SECONDS: values.timeout } : {}),
      },
      homedir(),
    );
    const user = userInfo().username;
    const log = createLogger(config.logLevel);
    if (!USERNAME_PATTERN.test(user)) {
      log.error("the current user name cannot receive notifications", { user });
      return 1;
    }
    const outcomes = await runCron({
      user,
      home: homedir(),
      scriptsDir: config.scriptsDir,
      stateDir: config.stateDir,
      interpreter: config.interpreter,
      scriptTimeoutMs: config.scriptTimeoutMs,
      socketPath: config.socketPath,
      log,
    });
    log.info("cron run done", { outcomes });
    return Object.values(outcomes).includes("failed") ? 1 : 0;
  },
};
