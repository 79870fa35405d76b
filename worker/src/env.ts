import type { AddressLimiter } from "./objects/address-limiter/address-limiter.js";
import type { BridgeAgent } from "./objects/bridge-agent/bridge-agent.js";
import type { ConnectionRegistry } from "./objects/connection-registry/connection-registry.js";
import type { LegacyLobby } from "./objects/legacy-lobby/legacy-lobby.js";
import type { UserAccount } from "./objects/user-account/user-account.js";
import type { UserInbox } from "./objects/user-inbox/user-inbox.js";

/** Bindings and settings as the runtime hands them over (all vars are strings). */
export interface Env {
  USER_INBOX: DurableObjectNamespace<UserInbox>;
  CONNECTION_REGISTRY: DurableObjectNamespace<ConnectionRegistry>;
  BRIDGE_AGENT: DurableObjectNamespace<BridgeAgent>;
  /** Chart images, keyed `<username>/<name>.png`. */
  IMAGES: R2Bucket;
  USER_ACCOUNT: DurableObjectNamespace<UserAccount>;
  ADDRESS_LIMITER: DurableObjectNamespace<AddressLimiter>;
  LEGACY_LOBBY: DurableObjectNamespace<LegacyLobby>;
  DESKTOP_JWT_SECRET?: string;
  /** Workers Analytics Engine dataset of the gateway's counters (metrics.ts). */
  METRICS: AnalyticsEngineDataset;
  BRIDGE_TOKEN?: string;
  BRIDGE_TOKENS?: string;
  SCRIPTS_BRIDGE_BY_USER?: string;
  SCRIPTS_DEFAULT_BRIDGE?: string;
  CLIENT_ADDRESS_HEADER?: string;
  DESKTOP_JWT_ISSUER?: string;
  DESKTOP_JWT_EXPIRY_DAYS?: string;
  DESKTOP_JWT_REFRESH_GRACE_DAYS?: string;
  DESKTOP_URL_SCHEME?: string;
  HEARTBEAT_INTERVAL_SECONDS?: string;
  HEARTBEAT_TIMEOUT_MISSED?: string;
  MAX_CONNECTIONS_PER_USER?: string;
  UNACKED_NOTIFICATIONS_PER_SOCKET?: string;
  AUTH_TIMEOUT_SECONDS?: string;
  LEGACY_LOBBY_SHARDS?: string;
  DISPATCH_BODY_LIMIT_BYTES?: string;
  WS_FRAME_LIMIT_BYTES?: string;
  AGENT_REQUEST_TIMEOUT_MS?: string;
  IMAGE_MAX_BYTES?: string;
  IMAGE_URL_TTL_SECONDS?: string;
  INBOX_LIMIT?: string;
  INBOX_REMEMBERED_IDS?: string;
  API_BODY_LIMIT_BYTES?: string;
  ALLOWED_ORIGINS?: string;
  NOTIFICATION_TITLE_MAX_CHARS?: string;
  NOTIFICATION_MESSAGE_MAX_CHARS?: string;
  DISPATCH_RATE_PER_USER_PER_MINUTE?: string;
  AUTH_FAILURES_PER_ADDRESS?: string;
  AUTH_FAILURE_WINDOW_SECONDS?: string;
  LOG_LEVEL?: string;
  OIDC_ISSUER?: string;
  OIDC_CLIENT_ID?: string;
  OIDC_CLIENT_SECRET?: string;
  ALLOWED_EMAIL_DOMAINS?: string;
  USERNAME_MAPPING?: string;
  USERNAME_OVERRIDES?: string;
  SESSION_SECRET?: string;
  SESSION_MAX_AGE_SECONDS?: string;
  ACCESS_TEAM_DOMAIN?: string;
  ACCESS_AUDIENCE?: string;
  DEV_SIGNIN_ENABLED?: string;
  OAUTH_REDIRECT_URIS?: string;
  OAUTH_ACCESS_TOKEN_TTL_SECONDS?: string;
  OAUTH_REFRESH_TOKEN_TTL_DAYS?: string;
  OAUTH_CODE_TTL_SECONDS?: string;
}
