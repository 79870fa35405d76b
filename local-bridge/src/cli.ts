#!/usr/bin/env node
import { cronCommand } from "./commands/cron.js";
import { commandHelp, type CliCommand } from "./commands/command.js";
import { healthCommand } from "./commands/health.js";
import { sendCommand } from "./commands/send.js";
import { serveCommand } from "./commands/serve.js";
import { tokenCommand } from "./commands/token.js";
import { ConfigError, SETTINGS } from "./config.js";
import { createLogger, errorMessage } from "./log.js";

const COMMANDS: readonly CliCommand[] = [serveCommand, sendCommand, healthCommand, cronCommand, tokenCommand];

const USAGE = `analyst-bridge: the data server's dispatch API, carried to the gateway.

Usage:
${COMMANDS.map((command) => `  analyst-bridge ${command.name.padEnd(8)} ${command.summary}`).join("\n")}
  analyst-bridge <command> --help    usage and settings of one command

Settings (environment):
${SETTINGS.map((s) => `  ${s.env.padEnd(28)} ${s.description} Default: ${s.default}`).join("\n")}
`;

async function main(argv: string[]): Promise<number> {
  const [name = "serve", ...rest] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`unknown command: ${name}\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const usage = (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true;
    const what = usage ? "usage error" : error instanceof ConfigError ? "configuration error" : "fatal";
    createLogger("error").error(what, { error: errorMessage(error) });
    process.exit(usage ? 2 : 1);
  },
);
