import type {
  InboxChangeResponse,
  InboxListResponse,
  SignedImageUrlsResponse,
  SocketTicketResponse,
} from "@analyst-notifications/schemas";
import { GATEWAY_PATHS as PATHS, fillPath } from "@analyst-notifications/schemas/browser";

// The inbox API as the page calls it: the session cookie goes along by
// itself, the CSRF header proves the call comes from this page. Paths,
// bodies and answers from schemas/.

/** A refused call, with the gateway's message; status 0 when it could not be reached. */
export class ApiCallError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "ApiCallError";
  }
}

export interface InboxApi {
  list(query: { before?: number; limit?: number }): Promise<InboxListResponse>;
  markRead(target: { ids: string[] } | { all: true }): Promise<InboxChangeResponse>;
  markUnread(ids: string[]): Promise<InboxChangeResponse>;
  remove(id: string): Promise<InboxChangeResponse>;
  signedImageUrls(names: string[]): Promise<SignedImageUrlsResponse>;
  socketTicket(): Promise<SocketTicketResponse>;
}

export function inboxApi(csrfToken: string): InboxApi {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { "X-CSRF-Token": csrfToken };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch {
      throw new ApiCallError("the gateway cannot be reached", 0);
    }
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const message = (parsed as { error?: unknown } | undefined)?.error;
      throw new ApiCallError(
        typeof message === "string" ? message : `unexpected answer (HTTP ${response.status})`,
        response.status,
      );
    }
    return parsed as T;
  }
  return {
    list: ({ before, limit }) => {
      const query = new URLSearchParams();
      if (before !== undefined) query.set("before", String(before));
      if (limit !== undefined) query.set("limit", String(limit));
      return call("GET", `${PATHS.notifications}?${query}`);
    },
    markRead: (target) => call("POST", PATHS.notificationsRead, target),
    markUnread: (ids) => call("POST", PATHS.notificationsUnread, { ids }),
    remove: (id) => call("DELETE", fillPath(PATHS.notification, { id })),
    signedImageUrls: (names) => call("POST", PATHS.imageSignedUrls, { names }),
    socketTicket: () => call("POST", PATHS.socketTicket),
  };
}
