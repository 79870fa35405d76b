import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEFAULT_PROMPT_MAX_CHARS } from "./config";
import { OSASCRIPT_PATH, appleScriptArguments } from "./osascript";
import type { InboxNotification } from "./wire";

// "Open in Claude Code": a terminal window running the Claude Code CLI in the
// configured directory with a prompt quoting the notification. Every program
// is started by absolute path (Raycast's PATH is minimal) with an argument
// array; the only shell text is a launcher script whose every word is quoted.

export type TerminalApp = "terminal" | "iterm" | "ghostty";

export const PROGRAMS = {
  osascript: OSASCRIPT_PATH,
  open: "/usr/bin/open",
  shell: "/bin/zsh",
} as const;

/** Where the Claude Code installer, Homebrew and npm put the `claude` binary. */
export function claudeCandidates(home: string): string[] {
  return [
    join(home, ".claude/local/claude"),
    join(home, ".local/bin/claude"),
    "/opt/homebrew/bin/claude",
    "/usr/local/bin/claude",
    join(home, ".npm-global/bin/claude"),
    join(home, ".bun/bin/claude"),
  ];
}

/** `~` or `~/x` expanded; other paths unchanged. */
export function expandHome(path: string, home: string): string {
  if (path === "~") return home;
  return path.startsWith("~/") ? join(home, path.slice(2)) : path;
}

/**
 * The `claude` program to run: the configured path if set (it must be
 * absolute and executable), else the first candidate that is.
 */
export function resolveClaudePath(
  configured: string | undefined,
  home: string,
  isExecutable: (path: string) => boolean,
): string {
  const wanted = configured?.trim();
  if (wanted) {
    const path = expandHome(wanted, home);
    if (!path.startsWith("/")) throw new Error(`The Claude Code path must be absolute (got "${wanted}")`);
    if (!isExecutable(path)) throw new Error(`Claude Code was not found at ${path}: check the preference`);
    return path;
  }
  const found = claudeCandidates(home).find(isExecutable);
  if (!found) throw new Error("Claude Code CLI not found: install it or set its path in the preferences");
  return found;
}

/** Quotes one word for a POSIX shell: everything literal, newlines included. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The prompt: what to do, then the notification quoted as Markdown. */
export function claudePrompt(notification: InboxNotification, maxChars = DEFAULT_PROMPT_MAX_CHARS): string {
  const quote = (text: string) =>
    text
      .split("\n")
      .map((line) => `> ${line}`)
      .join("\n");
  const facts = [
    `Title: ${notification.title}`,
    `Time: ${notification.timestamp}`,
    ...(notification.script ? [`Script: ${notification.script}.py (in ~/user/notifications on the data server)`] : []),
  ];
  const prompt = [
    "Investigate this alert from our data server's notification scripts. Explain what it means, check the data behind it and suggest next steps.",
    "",
    quote(facts.join("\n")),
    ">",
    quote(notification.message),
  ].join("\n");
  // Strip control characters a terminal could interpret; keep newlines and tabs.
  // eslint-disable-next-line no-control-regex
  const clean = prompt.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "");
  return clean.length > maxChars ? `${clean.slice(0, maxChars - 1)}…` : clean;
}

/** The launcher script the terminal runs: go to the directory, start Claude Code with the prompt. */
export function launcherScript({
  claudePath,
  workingDirectory,
  prompt,
}: {
  claudePath: string;
  workingDirectory: string;
  prompt: string;
}): string {
  return [
    `#!${PROGRAMS.shell}`,
    // The script holds the prompt: remove it once read.
    'rm -f -- "$0"',
    `cd -- ${shellQuote(workingDirectory)} || exit 1`,
    `exec ${shellQuote(claudePath)} ${shellQuote(prompt)}`,
    "",
  ].join("\n");
}

/** The program and arguments that open `app` running the launcher script. */
export function terminalCommand(app: TerminalApp, scriptPath: string): { program: string; args: string[] } {
  const typed = `${PROGRAMS.shell} ${shellQuote(scriptPath)}`;
  switch (app) {
    case "iterm":
      return {
        program: PROGRAMS.osascript,
        args: appleScriptArguments(
          [
            "on run argv",
            'tell application "iTerm"',
            "activate",
            "set newWindow to (create window with default profile)",
            "tell current session of newWindow to write text (item 1 of argv)",
            "end tell",
            "end run",
          ],
          [typed],
        ),
      };
    case "ghostty":
      return { program: PROGRAMS.open, args: ["-na", "Ghostty", "--args", "-e", PROGRAMS.shell, scriptPath] };
    case "terminal":
    default:
      return {
        program: PROGRAMS.osascript,
        args: appleScriptArguments(
          [
            "on run argv",
            'tell application "Terminal"',
            "activate",
            "do script (item 1 of argv)",
            "end tell",
            "end run",
          ],
          [typed],
        ),
      };
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface ClaudeCodeLaunch {
  terminalApp: TerminalApp;
  claudePath: string | undefined;
  claudeWorkingDirectory: string;
  /** Where the launcher script is written (the extension's support folder). */
  scriptDirectory: string;
  home: string;
}

/**
 * Opens the chosen terminal running Claude Code in the configured directory
 * with the notification as prompt; throws naming what is wrong (CLI not found).
 */
export async function launchClaudeCode(notification: InboxNotification, launch: ClaudeCodeLaunch): Promise<void> {
  const claudePath = resolveClaudePath(launch.claudePath, launch.home, isExecutable);
  const script = launcherScript({
    claudePath,
    workingDirectory: expandHome(launch.claudeWorkingDirectory, launch.home),
    prompt: claudePrompt(notification),
  });
  const scriptPath = join(launch.scriptDirectory, `claude-${notification.seq}-${Date.now()}.sh`);
  await mkdir(launch.scriptDirectory, { recursive: true });
  await writeFile(scriptPath, script, { mode: 0o700 });
  const { program, args } = terminalCommand(launch.terminalApp, scriptPath);
  await promisify(execFile)(program, args);
}
