import { z } from "zod";

// OAuth 2.0 authorization server for the Raycast client: RFC 6749 (code and
// refresh grants), RFC 7636 (PKCE, S256 only), RFC 8414 (metadata). The token
// endpoint answers errors in the OAuth shape (RFC 6749 §5.2), not ErrorBody,
// because OAuth client libraries parse that shape.

/** The one scope: read and manage your own notifications. */
export const OAUTH_SCOPE = "notifications";

/** RFC 7636 §4.1: 43-128 characters of the unreserved set. */
export const PKCE_VERIFIER_PATTERN = /^[A-Za-z0-9._~-]{43,128}$/;
/** S256 challenge: base64url of a SHA-256 digest, 43 characters. */
export const PKCE_CHALLENGE_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Public client ids are opaque to us; bounded so they cannot bloat storage. */
export const OAUTH_CLIENT_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
/** `state` is returned unchanged; bounded for the same reason. */
export const OAUTH_STATE_MAX_CHARS = 1_024;
/** Codes and refresh tokens are `<username>.<43 random base64url chars>`. */
export const OAUTH_OPAQUE_TOKEN_MAX_CHARS = 200;

const ClientId = z.string().regex(OAUTH_CLIENT_ID_PATTERN, "must be 1-128 printable ASCII characters");
const Opaque = z.string().min(1).max(OAUTH_OPAQUE_TOKEN_MAX_CHARS);

/** `POST /oauth/token`, JSON or `application/x-www-form-urlencoded`. */
export const OAuthTokenRequest = z
  .discriminatedUnion("grant_type", [
    z.object({
      grant_type: z.literal("authorization_code"),
      code: Opaque,
      redirect_uri: z.string().min(1).max(2_048),
      client_id: ClientId,
      code_verifier: z.string().regex(PKCE_VERIFIER_PATTERN, "must be 43-128 characters of A-Z a-z 0-9 - . _ ~"),
    }),
    z.object({
      grant_type: z.literal("refresh_token"),
      refresh_token: Opaque,
      client_id: ClientId.optional(),
      scope: z.string().max(256).optional(),
    }),
  ])
  .meta({ id: "OAuthTokenRequest", title: "OAuthTokenRequest" });
export type OAuthTokenRequest = z.infer<typeof OAuthTokenRequest>;

/** RFC 6749 §5.1. `access_token` is the same HS256 JWT the gateway verifies everywhere. */
export const OAuthTokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int().positive().meta({ description: "Seconds." }),
    refresh_token: z.string().meta({ description: "Single use: each refresh returns a new one." }),
    scope: z.string(),
  })
  .meta({ id: "OAuthTokenResponse", title: "OAuthTokenResponse" });
export type OAuthTokenResponse = z.infer<typeof OAuthTokenResponse>;

/** RFC 6749 §5.2 error codes. */
export const OAUTH_ERROR_CODES = [
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_scope",
  "access_denied",
  "unsupported_response_type",
  "server_error",
  // §4.1.2.1; also answered with 429 by the token endpoint while a client address is limited.
  "temporarily_unavailable",
] as const;
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

/** The error body of `POST /oauth/token` (and the query of an error redirect). */
export const OAuthErrorBody = z
  .object({
    error: z.enum(OAUTH_ERROR_CODES),
    error_description: z.string().optional(),
  })
  .meta({ id: "OAuthErrorBody", title: "OAuthErrorBody" });
export type OAuthErrorBody = z.infer<typeof OAuthErrorBody>;

/** RFC 8414 metadata at `/.well-known/oauth-authorization-server`. */
export const OAuthServerMetadata = z
  .object({
    issuer: z.string(),
    authorization_endpoint: z.string(),
    token_endpoint: z.string(),
    response_types_supported: z.array(z.string()),
    grant_types_supported: z.array(z.string()),
    code_challenge_methods_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    scopes_supported: z.array(z.string()),
  })
  .meta({ id: "OAuthServerMetadata", title: "OAuthServerMetadata" });
export type OAuthServerMetadata = z.infer<typeof OAuthServerMetadata>;
