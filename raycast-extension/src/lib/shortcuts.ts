import type { Keyboard } from "@raycast/api";

/**
 * Same shortcuts in every view and command. The common ones are Raycast's
 * own (`Keyboard.Shortcut.Common` on macOS), spelled out so this stays a
 * plain module.
 */
export const SHORTCUTS = {
  toggleRead: { modifiers: ["cmd"], key: "u" },
  markAllRead: { modifiers: ["cmd", "shift"], key: "u" },
  remove: { modifiers: ["ctrl"], key: "x" },
  open: { modifiers: ["cmd"], key: "o" },
  copy: { modifiers: ["cmd", "shift"], key: "c" },
  claude: { modifiers: ["cmd", "shift"], key: "return" },
  runScript: { modifiers: ["cmd", "shift"], key: "r" },
  account: { modifiers: ["cmd"], key: "i" },
  refresh: { modifiers: ["cmd"], key: "r" },
} as const satisfies Record<string, Keyboard.Shortcut>;
