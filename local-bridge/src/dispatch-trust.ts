import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chownSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

// Who may dispatch through the socket (DISPATCH_TRUST). `group`: every member
// of the socket's group may dispatch for every user, as the old gateway did.
// `token`: each caller presents a dispatch token that only its own user can
// read (issued by `analyst-bridge token issue <user>` into a 0600 file in that
// user's home); it dispatches for itself only, unless it is one of
// DISPATCH_SERVICE_ACCOUNTS, and image_path must be a file it owns.
//
// Node cannot read a Unix socket peer's credentials (SO_PEERCRED) without a
// native addon, which this bridge does not ship; a token file guarded by file
// permissions proves the same thing: that the caller runs as that user.

export type DispatchTrust = "group" | "token";

/** One issued token: its SHA-256 and the uid whose files the caller may attach. */
interface RegistryEntry {
  sha256: string;
  uid: number;
}

type Registry = Record<string, RegistryEntry>;

/** Who a token-mode caller is. */
export interface DispatchCaller {
  user: string;
  uid: number;
}

/** Why a token-mode request was refused; `status` 401 (who are you) or 403 (not for that user). */
export class DispatchTrustError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
    this.name = "DispatchTrustError";
  }
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function readRegistry(path: string): Registry {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Registry;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
}

/**
 * The check of token mode. The registry is re-read when its file changes, so
 * a newly issued token works without a restart.
 */
export class DispatchTokens {
  private cached: { key: string; registry: Registry } | undefined;

  constructor(
    private readonly registryPath: string,
    private readonly serviceAccounts: readonly string[],
  ) {}

  /** The caller of `authorization` (`Bearer <token>`), allowed to dispatch for `user`; throws DispatchTrustError. */
  authorize(authorization: string | undefined, user: string): DispatchCaller {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (!token)
      throw new DispatchTrustError(401, "DISPATCH_TRUST=token: send Authorization: Bearer <your dispatch token>");
    // Tokens are `<user>.<random>`, so the entry is found without trying every one.
    const owner = token.slice(0, token.lastIndexOf("."));
    const entry = Object.hasOwn(this.registry(), owner) ? this.registry()[owner] : undefined;
    const given = sha256(token);
    if (!entry || !timingSafeEqual(given, Buffer.from(entry.sha256, "hex"))) {
      throw new DispatchTrustError(401, "the dispatch token is not valid (analyst-bridge token issue <user>)");
    }
    if (owner !== user && !this.serviceAccounts.includes(owner)) {
      throw new DispatchTrustError(403, `${owner} may dispatch only for itself (DISPATCH_SERVICE_ACCOUNTS)`);
    }
    return { user: owner, uid: entry.uid };
  }

  private registry(): Registry {
    let key: string;
    try {
      const stat = statSync(this.registryPath);
      key = `${stat.mtimeMs}:${stat.size}`;
    } catch {
      key = "missing";
    }
    if (this.cached?.key !== key) this.cached = { key, registry: readRegistry(this.registryPath) };
    return this.cached.registry;
  }
}

/**
 * Issues a dispatch token for `user`: a random secret written to `output`
 * (mode 0600, owned by `uid`:`gid`, its directory 0700) and its SHA-256 to
 * the registry (mode 0600, owned like the registry's directory, which is the
 * bridge's). Replaces an earlier token of the user. Returns the token.
 */
export function issueDispatchToken(options: {
  user: string;
  uid: number;
  gid: number;
  output: string;
  registryPath: string;
}): string {
  const token = `${options.user}.${randomBytes(32).toString("base64url")}`;
  const created = mkdirSync(dirname(options.output), { recursive: true, mode: 0o700 });
  // A directory made here (as root) must be the user's, or they cannot reach their own token.
  if (created !== undefined && process.getuid?.() === 0) {
    for (const dir of new Set([created, dirname(options.output)])) chownSync(dir, options.uid, options.gid);
  }
  writeAtomically(options.output, `${token}\n`, options.uid, options.gid);
  const registry = readRegistry(options.registryPath);
  registry[options.user] = { sha256: sha256(token).toString("hex"), uid: options.uid };
  const dir = statSync(dirname(options.registryPath));
  writeAtomically(options.registryPath, `${JSON.stringify(registry, null, 2)}\n`, dir.uid, dir.gid);
  return token;
}

function writeAtomically(path: string, text: string, uid: number, gid: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  // Only root may give a file away; run as anyone else, the file stays the caller's.
  if (process.getuid?.() === 0) chownSync(temporary, uid, gid);
  renameSync(temporary, path);
}

/** The dispatch token of the current user, for the socket clients (send, cron); undefined when there is none. */
export function readOwnDispatchToken(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
