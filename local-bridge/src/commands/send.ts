import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadClientConfig } from "../config.js";
import { callerRun, derivedDispatchId, dispatchWithRetry } from "../safe-retry.js";
import type { CliCommand } from "./command.js";

export const sendCommand: CliCommand = {
  name: "send",
  summary: "send one notification through the dispatch socket (for shell scripts)",
  usage: `Usage: analyst-bridge send <user> <title> <message> [options]

Options:
  --image <path>    a PNG chart to attach (uploaded by the bridge)
  --script <stem>   the script the notification comes from
  --id <id>         idempotency key; repeating it never notifies twice
  --run <key>       what makes this send differ from an identical one (e.g. a
                    date); default: the calling process and its start time

Without --id, the id is derived from user, title, message, script, image and
the run, so a retry (by send itself while the bridge restarts, or by the
caller: \`send … || send …\`) is stored once. A program that sends the same
text twice on purpose passes a different --run or --id each time.

Prints the bridge's JSON answer. Exit code 0 when accepted (200 delivered or
202 queued; "duplicate":true if this id was stored before), 1 when refused,
2 on a usage error.`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        image: { type: "string" },
        script: { type: "string" },
        id: { type: "string" },
        run: { type: "string" },
      },
    });
    if (positionals.length !== 3) {
      process.stderr.write("send needs exactly <user> <title> <message> (see --help)\n");
      return 2;
    }
    const [user, title, message] = positionals as [string, string, string];
    const config = loadClientConfig();
    const imagePath = values.image ? resolve(values.image) : undefined;
    const id =
      values.id ??
      derivedDispatchId("send", [
        user,
        title,
        message,
        values.script ?? "",
        imagePath ?? "",
        values.run ?? callerRun(),
      ]);
    const answer = await dispatchWithRetry(config.socketPath, {
      user,
      notification: {
        id,
        title,
        message,
        ...(values.script ? { script: values.script } : {}),
        ...(imagePath ? { image_path: imagePath } : {}),
      },
    });
    process.stdout.write(`${JSON.stringify(answer.body)}\n`);
    return answer.status === 200 || answer.status === 202 ? 0 : 1;
  },
};
