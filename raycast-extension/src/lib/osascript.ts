/** Absolute path: Raycast's PATH is minimal. */
export const OSASCRIPT_PATH = "/usr/bin/osascript";

/**
 * `osascript` arguments running `lines` (an `on run argv` handler) with
 * `argv`. Text travels as arguments, never inside the script source, so no
 * notification title can inject AppleScript; `--` ends osascript's options.
 */
export function appleScriptArguments(lines: string[], argv: string[]): string[] {
  return [...lines.flatMap((line) => ["-e", line]), "--", ...argv];
}
