import type { Env } from "../env.js";

// The one place that hands out Durable Object stubs. Handlers and objects reach
// an object only through these functions, never through its class module, so
// no object module imports another and the name of each object lives here.

type Binding =
  "USER_INBOX" | "USER_ACCOUNT" | "ADDRESS_LIMITER" | "LEGACY_LOBBY" | "CONNECTION_REGISTRY" | "BRIDGE_AGENT";
type StubOf<B extends Binding> = ReturnType<Env[B]["getByName"]>;

/** Objects with a single instance use this name. */
const SINGLETON = "global";

function stub<B extends Binding>(env: Env, binding: B, name: string): StubOf<B> {
  const namespace = env[binding] as Env[B] | undefined;
  if (!namespace) {
    throw new Error(
      `Durable Object binding ${binding} is missing: add it under [[durable_objects.bindings]] in wrangler.toml (and a [[migrations]] entry for its class)`,
    );
  }
  if (!name) throw new Error(`${binding}: an object needs a non-empty name (the caller passed none)`);
  return namespace.getByName(name) as StubOf<B>;
}

/** One user's object: inbox, sockets, fan-out and account (sign-in state, revocation). */
export function userInbox(env: Env, username: string): StubOf<"USER_INBOX"> {
  return stub(env, "USER_INBOX", username);
}

/**
 * Where one user's identity state lived before it moved into the user's
 * object; only that object reads it, once (objects/user-account/).
 */
export function userAccount(env: Env, username: string): StubOf<"USER_ACCOUNT"> {
  return stub(env, "USER_ACCOUNT", username);
}

/** The failed-attempt counter of one client address. */
export function addressLimiter(env: Env, address: string): StubOf<"ADDRESS_LIMITER"> {
  return stub(env, "ADDRESS_LIMITER", address);
}

/** Shard `shard` of the legacy lobby. */
export function legacyLobby(env: Env, shard: number): StubOf<"LEGACY_LOBBY"> {
  return stub(env, "LEGACY_LOBBY", String(shard));
}

/** The single registry of open sockets per user. */
export function connectionRegistry(env: Env): StubOf<"CONNECTION_REGISTRY"> {
  return stub(env, "CONNECTION_REGISTRY", SINGLETON);
}

/** The agent channel of the bridge named `bridge` (its BRIDGE_TOKENS name, or "default"). */
export function bridgeAgent(env: Env, bridge: string): StubOf<"BRIDGE_AGENT"> {
  return stub(env, "BRIDGE_AGENT", bridge);
}
