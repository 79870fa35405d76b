import type { TokenCheck } from "./account.js";

// How the worker hands a v2 socket to the user's object: one upgrade request
// whose headers the worker writes (never taken from clients) and the object
// reads, both through this module.

/** What a v2 connect presents: a user token (its signature checked by the worker), or a web inbox ticket. */
export type Credential = { token: TokenCheck; expiresAtMs: number } | { ticket: string };

export interface ConnectRequest {
  username: string;
  /** The client's cursor (`?since=`), when it has one. */
  since: number | undefined;
  credential: Credential;
}

const HEADERS = {
  username: "X-Inbox-Username",
  since: "X-Inbox-Since",
  issuedAt: "X-Inbox-Token-Issued-At",
  /** Epoch ms: the socket is closed then. */
  tokenExpiresAt: "X-Inbox-Token-Expires-At",
  familyId: "X-Inbox-Token-Family",
  tokenHash: "X-Inbox-Token-Hash",
  /** Spent by the connect; the socket ends with the ticket's browser session. */
  ticket: "X-Inbox-Socket-Ticket",
} as const;

/** The upgrade request for the user's object (`https://user-inbox/connect`). */
export function connectRequest({ username, since, credential }: ConnectRequest): Request {
  const headers = new Headers({ Upgrade: "websocket", [HEADERS.username]: username });
  if (since !== undefined) headers.set(HEADERS.since, String(since));
  if ("ticket" in credential) {
    headers.set(HEADERS.ticket, credential.ticket);
  } else {
    const { token, expiresAtMs } = credential;
    headers.set(HEADERS.issuedAt, String(token.issuedAt ?? 0));
    headers.set(HEADERS.tokenExpiresAt, String(expiresAtMs));
    if (token.familyId !== undefined) headers.set(HEADERS.familyId, token.familyId);
    if (token.tokenHash !== undefined) headers.set(HEADERS.tokenHash, token.tokenHash);
  }
  return new Request("https://user-inbox/connect", { headers });
}

/** What connectRequest wrote, or undefined for a request it did not write. */
export function readConnectRequest(headers: Headers): ConnectRequest | undefined {
  const username = headers.get(HEADERS.username);
  if (!username) return undefined;
  const since = headers.get(HEADERS.since);
  const ticket = headers.get(HEADERS.ticket);
  const familyId = headers.get(HEADERS.familyId);
  const tokenHash = headers.get(HEADERS.tokenHash);
  const credential: Credential =
    ticket !== null
      ? { ticket }
      : {
          token: {
            issuedAt: Number(headers.get(HEADERS.issuedAt)) || undefined,
            ...(familyId === null ? {} : { familyId }),
            ...(tokenHash === null ? {} : { tokenHash }),
          },
          expiresAtMs: Number(headers.get(HEADERS.tokenExpiresAt)) || Infinity,
        };
  return { username, since: since === null ? undefined : Number(since), credential };
}
