import { LOCAL_PATHS } from "@analyst-notifications/schemas";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadClientConfig } from "../config.js";
import { requestSocket } from "../socket-client.js";
import type { CliCommand } from "./command.js";

export const sendCommand: CliCommand = {
  name: "send",
  summary: "send one notification through the dispatch socket (for shell scripts)",
  usage: `Usage: analyst-bridge send <user> <title> <message> [options]

Options:
  --image <path>    a PNG chart to attach (uploaded by the bridge)
  --script <stem>   the script the notification comes from
  --id <id>         idempotency key; repeating it never notifies twice (default: a new UUID v7)

Prints the bridge's JSON answer. Exit code 0 when accepted (200 delivered or
202 queued), 1 when refused, 2 on a usage error.`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { image: { type: "string" }, script: { type: "string" }, id: { type: "string" } },
    });
    if (positionals.length !== 3) {
      process.stderr.write("send needs exactly <user> <title> <message> (see --help)\n");
      return 2;
    }
    const [user, title, message] = positionals as [string, string, string];
    const config = loadClientConfig();
    const answer = await requestSocket(config.socketPath, "POST", LOCAL_PATHS.dispatch, {
      user,
      notification: {
        title,
        message,
        ...(values.id ? { id: values.id } : {}),
        ...(values.script ? { script: values.script } : {}),
        ...(values.image ? { image_path: resolve(values.image) } : {}),
      },
    });
    process.stdout.write(`${JSON.stringify(answer.body)}\n`);
    return answer.status === 200 || answer.status === 202 ? 0 : 1;
  },
};
