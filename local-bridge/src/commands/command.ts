import { settingsHelp, type Command } from "../config.js";

/** One subcommand of `analyst-bridge`; each lives in its own file. */
export interface CliCommand {
  name: Command;
  /** One line for the overview. */
  summary: string;
  /** Usage lines and options, without the settings table. */
  usage: string;
  /** Returns the exit code. */
  run(args: string[]): Promise<number>;
}

/** `--help` of one command: its usage plus the settings it reads. */
export function commandHelp(command: CliCommand): string {
  return `analyst-bridge ${command.name}: ${command.summary}\n\n${command.usage}\n\nSettings (environment):\n${settingsHelp(command.name)}\n`;
}
