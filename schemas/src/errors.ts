import { z } from "zod";

/**
 * Every error body of every HTTP API: `error` (legacy clients read it) plus a
 * stable numeric `code` (HTTP status × 100 + n) for programs.
 */
export const ErrorBody = z
  .object({
    error: z.string(),
    code: z.number().int(),
    retry_after: z.number().int().nonnegative().optional().meta({
      description: "Seconds to wait before trying again (with 429, like the Retry-After header).",
    }),
  })
  .meta({ id: "ErrorBody", title: "ErrorBody" });
export type ErrorBody = z.infer<typeof ErrorBody>;

export interface ErrorEntry {
  /** Stable numeric code, never reused. */
  readonly code: number;
  readonly status: number;
  /** Lowercase with a category prefix, except legacy messages kept verbatim. */
  readonly message: string;
}

/**
 * The catalog of errors. Messages marked legacy are matched by existing
 * clients and cron jobs (docs/PROTOCOL.md): keep them byte for byte.
 */
export const ERRORS = {
  invalidJson: { code: 40001, status: 400, message: "Invalid JSON" }, // legacy
  missingDispatchFields: { code: 40002, status: 400, message: "Missing 'user' or 'notification'" }, // legacy
  invalidDispatch: { code: 40003, status: 400, message: "invalid dispatch" },
  invalidRequest: { code: 40004, status: 400, message: "invalid request" },
  invalidFrame: { code: 40005, status: 400, message: "invalid frame" },
  missingScriptName: { code: 40009, status: 400, message: "Missing 'name' field" }, // legacy
  invalidScriptName: { code: 40010, status: 400, message: "invalid script name" },
  invalidImage: { code: 40011, status: 400, message: "invalid image" },
  idempotencyKeyConflict: {
    code: 40012,
    status: 400,
    message: "invalid dispatch: the Idempotency-Key header and notification.id differ",
  },
  tokenMissing: { code: 40102, status: 401, message: "Missing or invalid Authorization header" }, // legacy
  tokenInvalid: { code: 40103, status: 401, message: "Invalid or expired token" }, // legacy
  desktopNotLinked: { code: 40006, status: 400, message: "Desktop app is not linked." }, // legacy
  oauthInvalidRedirect: {
    code: 40007,
    status: 400,
    message: "invalid request: redirect_uri is missing or not in OAUTH_REDIRECT_URIS",
  },
  oauthInvalidClient: { code: 40008, status: 400, message: "invalid request: client_id is missing or malformed" },
  signInRequired: { code: 40104, status: 401, message: "unauthorized: sign in first" },
  csrfFailed: { code: 40302, status: 403, message: "forbidden: missing or invalid CSRF token" },
  signInRefused: { code: 40303, status: 403, message: "forbidden: sign-in refused" },
  emailDomainNotAllowed: { code: 40304, status: 403, message: "forbidden: email domain not allowed" },
  devSignInDisabled: {
    code: 40305,
    status: 403,
    message: "forbidden: development sign-in is off (DEV_SIGNIN_ENABLED, localhost only)",
  },
  accessDenied: { code: 40306, status: 403, message: "forbidden: Cloudflare Access token invalid" },
  bridgeUnauthorized: { code: 40101, status: 401, message: "unauthorized: missing or invalid bridge token" },
  invalidImageSignature: { code: 40307, status: 403, message: "forbidden: image link invalid or expired" },
  originForbidden: {
    code: 40301,
    status: 403,
    message: "forbidden: this origin may not use the gateway (ALLOWED_ORIGINS)",
  },
  notFound: { code: 40401, status: 404, message: "not found" },
  notificationNotFound: { code: 40402, status: 404, message: "not found: no such notification in this inbox" },
  methodNotAllowed: { code: 40501, status: 405, message: "method not allowed" },
  bodyTooLarge: { code: 41301, status: 413, message: "limit reached: request body too large" },
  upgradeRequired: { code: 42601, status: 426, message: "upgrade required: expected a WebSocket upgrade" },
  dispatchRateLimited: {
    code: 42902,
    status: 429,
    message: "limit reached: too many dispatches for this user, retry later",
  },
  authFailuresLimited: {
    code: 42903,
    status: 429,
    message: "limit reached: too many failed sign-ins from this address, retry later",
  },
  tooManyConnections: { code: 42901, status: 429, message: "limit reached: too many connections for this user" },
  internal: { code: 50001, status: 500, message: "internal error" },
  scriptFailed: { code: 50002, status: 500, message: "Script '{name}' failed or not found" }, // legacy
  identityProviderFailed: { code: 50202, status: 502, message: "identity provider error" },
  signInNotConfigured: {
    code: 50301,
    status: 503,
    message: "sign-in not configured: set OIDC_CLIENT_ID or ACCESS_TEAM_DOMAIN (see docs/SIGN-IN.md)",
  },
  gatewayUnreachable: { code: 50201, status: 502, message: "gateway unreachable" },
  spoolFull: { code: 50302, status: 503, message: "limit reached: the bridge's spool is full, retry later" },
  agentUnavailable: {
    code: 50303,
    status: 503,
    message: "unavailable: no bridge is connected to run scripts (start analyst-bridge with AGENT_CHANNEL=on)",
  },
  gatewayTimeout: { code: 50401, status: 504, message: "gateway timeout" },
  agentTimeout: { code: 50402, status: 504, message: "timeout: the bridge did not answer in time" },
} as const satisfies Record<string, ErrorEntry>;
export type ErrorName = keyof typeof ERRORS;

/** The body for an error, with an optional detail after the catalog message and a wait in seconds. */
export function errorBody(entry: ErrorEntry, detail?: string, retryAfterSeconds?: number): ErrorBody {
  const body: ErrorBody = { error: detail ? `${entry.message}: ${detail}` : entry.message, code: entry.code };
  if (retryAfterSeconds !== undefined) body.retry_after = retryAfterSeconds;
  return body;
}

/** The body of an entry whose message has `{placeholders}` (legacy texts with a name in them). */
export function errorBodyWith(entry: ErrorEntry, values: Record<string, string>): ErrorBody {
  return { error: entry.message.replace(/\{(\w+)\}/g, (match, key: string) => values[key] ?? match), code: entry.code };
}

/** One line naming each problem of a failed validation, with its path. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}
