#!/usr/bin/env node
import { ConfigError, SETTINGS, loadBridgeConfig } from "./config.js";
import { createLogger, errorMessage } from "./log.js";
import { serve } from "./serve.js";

const USAGE = `analyst-bridge: the data server's dispatch API, carried to the gateway.

Usage:
  analyst-bridge serve       serve POST /dispatch and GET /health on WS_DISPATCH_SOCKET
  analyst-bridge --help      this text

Settings (environment):
${SETTINGS.map((s) => `  ${s.env.padEnd(28)} ${s.description} Default: ${s.default}`).join("\n")}
`;

async function main(argv: string[]): Promise<number> {
  const [command = "serve", ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help" || rest.includes("--help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command !== "serve") {
    process.stderr.write(`unknown command: ${command}\n\n${USAGE}`);
    return 2;
  }
  const config = loadBridgeConfig();
  await serve(config, createLogger(config.logLevel));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const log = createLogger("error");
    log.error(error instanceof ConfigError ? "configuration error" : "fatal", { error: errorMessage(error) });
    process.exit(1);
  },
);
