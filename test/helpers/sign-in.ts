import { createHash, randomBytes } from "node:crypto";
import { request } from "node:http";
import { startGateway, type Gateway } from "./gateway.js";
import { startOidcProvider, type OidcProvider } from "./oidc-provider.js";

/** Settings that point the gateway at the test provider. */
export function oidcVars(provider: OidcProvider, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: provider.clientId,
    OIDC_CLIENT_SECRET: provider.clientSecret,
    ALLOWED_EMAIL_DOMAINS: "example.com",
    ...extra,
  };
}

/** A test OpenID provider and a gateway that signs in through it; `vars` add settings. */
export async function startSignInGateway(vars: Record<string, string> = {}) {
  const provider = await startOidcProvider();
  const gateway = await startGateway(oidcVars(provider, vars)).catch(async (error: unknown) => {
    await provider.stop();
    throw error;
  });
  return {
    provider,
    gateway,
    stop: async () => {
      await gateway.stop();
      await provider.stop();
    },
  };
}

/** Minimal cookie jar for fetch with `redirect: "manual"`. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === "" || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }
}

export interface HttpSignIn {
  jar: CookieJar;
  /** The response of the gateway's callback. */
  callback: Response;
}

/**
 * Runs the browser's OIDC round trip with plain HTTP: gateway → provider's
 * form → gateway callback. Used where the browser itself is not the subject.
 */
export async function signInOverHttp(
  gateway: Gateway,
  provider: OidcProvider,
  email: string,
  next = "/desktop/link",
): Promise<HttpSignIn> {
  const jar = new CookieJar();
  const start = await gateway.fetch(`/auth/login?${new URLSearchParams({ next })}`, { redirect: "manual" });
  if (start.status !== 302) throw new Error(`sign-in did not redirect: ${start.status} ${await start.text()}`);
  jar.store(start);
  const authorize = new URL(start.headers.get("Location")!);
  const form = new URLSearchParams(authorize.searchParams);
  form.set("email", email);
  const approved = await fetch(`${provider.issuer}/authorize`, { method: "POST", body: form, redirect: "manual" });
  const callback = await fetch(approved.headers.get("Location")!, {
    headers: { Cookie: jar.header() },
    redirect: "manual",
  });
  jar.store(callback);
  return { jar, callback };
}

export interface SignedInSession {
  cookie: string;
  csrf: string;
  origin: string;
}

/** A signed-in session and its CSRF token (read from the link page, as the page's script does). */
export async function signedInSession(gateway: Gateway, provider: OidcProvider, email: string) {
  const { jar, callback } = await signInOverHttp(gateway, provider, email);
  if (callback.status !== 303) throw new Error(`sign-in failed: ${callback.status} ${await callback.text()}`);
  return sessionOf(gateway, jar);
}

/** A browser session through development sign-in (DEV_SIGNIN_ENABLED), with its CSRF token. */
export async function devSignIn(gateway: Gateway, username: string): Promise<SignedInSession> {
  const jar = new CookieJar();
  const response = await gateway.fetch("/auth/dev-login", {
    method: "POST",
    redirect: "manual",
    headers: { Origin: gateway.url.origin, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, next: "/desktop/link" }),
  });
  if (response.status !== 303) throw new Error(`dev sign-in failed: ${response.status} ${await response.text()}`);
  jar.store(response);
  return sessionOf(gateway, jar);
}

/** The session of a cookie jar, with the CSRF token from the link page. */
export async function sessionOf(gateway: Gateway, jar: CookieJar): Promise<SignedInSession> {
  const page = await gateway.fetch("/desktop/link", { headers: { Cookie: jar.header() } });
  const csrf = (await page.text()).match(/name="csrf-token" content="([^"]+)"/)?.[1];
  if (!csrf) throw new Error("no CSRF token on the link page");
  return { cookie: jar.header(), csrf, origin: gateway.url.origin };
}

/**
 * Submits the "Authorize Raycast" form as the browser does (Allow, with the
 * CSRF token, for RAYCAST_REDIRECT); `fields` override or remove (null) any field.
 */
export function submitConsent(
  gateway: Gateway,
  session: SignedInSession,
  fields: Record<string, string | null> = {},
): Promise<Response> {
  const form: Record<string, string | null> = {
    response_type: "code",
    client_id: "raycast",
    redirect_uri: RAYCAST_REDIRECT,
    code_challenge: pkcePair().challenge,
    code_challenge_method: "S256",
    decision: "allow",
    csrf_token: session.csrf,
    ...fields,
  };
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) if (value !== null) body.set(name, value);
  return gateway.fetch("/oauth/authorize", {
    method: "POST",
    redirect: "manual",
    headers: { Cookie: session.cookie, Origin: session.origin, "Content-Type": "application/x-www-form-urlencoded" },
    body,
  });
}

/** The code of a consent redirect. */
export function codeFrom(response: Response): string {
  const code = new URL(response.headers.get("Location") ?? "about:blank").searchParams.get("code");
  if (!code) throw new Error(`no code in the redirect (${response.status} ${response.headers.get("Location")})`);
  return code;
}

/** POST with the session cookie, CSRF header and same-origin Origin, as the page does. */
export function browserPost(
  gateway: Gateway,
  path: string,
  session: SignedInSession,
  overrides: Record<string, string | null> = {},
) {
  const headers: Record<string, string> = {
    Cookie: session.cookie,
    "X-CSRF-Token": session.csrf,
    Origin: session.origin,
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  return gateway.fetch(path, { method: "POST", headers, redirect: "manual" });
}

/** A PKCE pair (RFC 7636): a random verifier and its S256 challenge. */
export function pkcePair() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export const RAYCAST_REDIRECT = "https://raycast.com/redirect?packageName=Extension";

/** The token carried by a `data-analyst://auth?token=…` URL. */
export function tokenFromAppUrl(url: string): string {
  const token = new URL(url).searchParams.get("token");
  if (!token) throw new Error(`no token in ${url}`);
  return token;
}

/** A request with an arbitrary Host header, as a proxy in front of the gateway would send. */
export function requestWithHost(
  gateway: Gateway,
  host: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = "",
) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port: gateway.url.port, method, path, headers: { Host: host, ...headers } },
        (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.on("error", reject);
      req.end(body);
    },
  );
}
