import type { Gateway } from "./gateway.js";

/** Calls the worker's bridge API as the bridge does (service token). */
export async function bridgeDispatch(gateway: Gateway, user: string, notification: Record<string, unknown>) {
  const response = await gateway.fetch("/bridge/v1/dispatch", {
    method: "POST",
    headers: { Authorization: `Bearer ${gateway.bridgeToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ user, notification }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Calls the user inbox API with a user token. */
export async function userApi(
  gateway: Gateway,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
) {
  const response = await gateway.fetch(path, {
    method,
    headers: {
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export const note = (id: string, title = `title ${id}`) => ({ id, title, message: `message ${id}` });

/** `GET /bridge/v1/inbox/<user>`: a user's sockets, cursor, counts and object starts. */
export async function inboxDiagnostics(gateway: Pick<Gateway, "fetch" | "bridgeToken">, user: string) {
  const response = await gateway.fetch(`/bridge/v1/inbox/${user}`, {
    headers: { Authorization: `Bearer ${gateway.bridgeToken}` },
  });
  return (await response.json()) as {
    sockets: { legacy: number; v2: number };
    legacy_lobby_shards: number;
    cursor: number;
    stored: number;
    unread: number;
    object_starts: number;
  };
}
