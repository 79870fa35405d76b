import { createElement, type ComponentType } from "react";
import { raycast } from "../double/raycast-api";

/** Preferences as a user would set them (the Server URL given), the rest at their defaults. */
export function setPreferences(serverUrl: string, overrides: Record<string, unknown> = {}) {
  raycast.preferences = {
    serverUrl,
    listSize: "50",
    showCountAtZero: false,
    banners: true,
    terminalApp: "terminal",
    claudeWorkingDirectory: "~",
    ...overrides,
  };
}

/** A command as Raycast launches it: no arguments, user-initiated unless the double says otherwise. */
export function launch(command: ComponentType<never>, launchContext?: object) {
  const props = { launchContext, launchType: raycast.environment.launchType, arguments: {} };
  return createElement(command as ComponentType<typeof props>, props);
}

/** An unsigned token with `sub`: enough for the extension to know who is signed in (no server checks it here). */
export function tokenFor(sub: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub, exp: Math.floor(Date.now() / 1000) + 3600 })}.unsigned`;
}
