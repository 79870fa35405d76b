import { DEFAULT_HTTP_TIMEOUT_MS } from "../lib/config";
import { ApiRequestError, AuthRequiredError } from "../lib/errors";
import type { AccessTokenSource } from "../lib/tokens";

// The one HTTP client of the extension. No @raycast/api import: the tests run
// it against the real worker. Paths are the server's (worker/src/index.ts PATHS).

export const API_PATHS = {
  notifications: "/api/notifications",
  notificationsRead: "/api/notifications/read",
  notificationsUnread: "/api/notifications/unread",
  notificationsSocket: "/ws/notifications",
  scripts: "/api/desktop/scripts",
  scriptsRun: "/api/desktop/scripts/run",
  imageSignedUrls: "/api/notifications/images/signed-urls",
  oauthMetadata: "/.well-known/oauth-authorization-server",
} as const;

export interface ApiClientOptions {
  serverUrl: string;
  tokens: AccessTokenSource;
  timeoutMs?: number;
}

export interface RequestOptions {
  method?: "GET" | "POST" | "DELETE";
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Milliseconds; defaults to the client's timeout. Script runs take longer. */
  timeoutMs?: number;
}

/** Parses and checks a server URL preference; the error names the fix. */
export function parseServerUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new Error(
      value.trim()
        ? `"${value}" is not a URL: set the Server URL preference to e.g. https://analyst.example.com`
        : "No Server URL: set it in the preferences, e.g. https://analyst.example.com",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error(`The Server URL must start with https:// (got ${url.protocol})`);
  }
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol === "http:" && !loopback) {
    throw new Error("The Server URL must use https:// (plain http is only allowed for localhost)");
  }
  return new URL(url.origin);
}

export class ApiClient {
  readonly serverUrl: URL;
  private readonly timeoutMs: number;

  constructor(private readonly options: ApiClientOptions) {
    this.serverUrl = parseServerUrl(options.serverUrl);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  }

  get tokens(): AccessTokenSource {
    return this.options.tokens;
  }

  /** An absolute URL on the server for a server-relative path. */
  url(path: string, query: RequestOptions["query"] = {}): URL {
    const url = new URL(path, this.serverUrl);
    if (url.origin !== this.serverUrl.origin) throw new Error(`refusing to send the token to ${url.origin}`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  /** The v2 socket URL, resuming after `since`. */
  socketUrl(since: number): string {
    const url = this.url(API_PATHS.notificationsSocket, { since });
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.href;
  }

  /** Sends an authenticated request; a 401 clears the sign-in and throws AuthRequiredError. */
  async fetch(path: string, options: RequestOptions = {}): Promise<Response> {
    const token = await this.options.tokens.getAccessToken();
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: "application/json" };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(this.url(path, options.query), {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs),
      redirect: "error",
    });
    if (response.status === 401) {
      await response.body?.cancel();
      await this.options.tokens.invalidate();
      throw new AuthRequiredError();
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  /** `fetch` and read the JSON body. */
  async json(path: string, options: RequestOptions = {}): Promise<unknown> {
    const response = await this.fetch(path, options);
    try {
      return await response.json();
    } catch {
      throw new ApiRequestError("unexpected answer from the server: not JSON", response.status);
    }
  }
}

/** The catalog error of a failed response (`{"error","code"}`), or one naming the status. */
export async function errorFrom(response: Response): Promise<ApiRequestError> {
  const text = await response.text().catch(() => "");
  try {
    // Our catalog's `{"error","code"}`, or OAuth's `{"error","error_description"}` (RFC 6749 §5.2).
    const body = JSON.parse(text) as { error?: unknown; code?: unknown; error_description?: unknown };
    if (typeof body.error === "string") {
      const message =
        typeof body.error_description === "string" ? `${body.error}: ${body.error_description}` : body.error;
      return new ApiRequestError(message, response.status, typeof body.code === "number" ? body.code : undefined);
    }
  } catch {
    // Not JSON: a proxy's error page. Say the status instead.
  }
  return new ApiRequestError(`the server answered ${response.status} ${response.statusText}`.trim(), response.status);
}
