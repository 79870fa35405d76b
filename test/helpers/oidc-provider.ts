import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWTPayload } from "jose";

/** Claims the provider would put into the next ID token; a hook may change them or the whole token. */
export type IdTokenHook = (claims: JWTPayload, provider: OidcProvider) => Promise<string> | string;

export interface OidcProvider {
  /** http://127.0.0.1:<port>, also the Cloudflare Access team domain of the tests. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The RS256 public key as PEM, for the HS256 confusion attack. */
  publicKeyPem: string;
  /** Replaces the next ID token (one shot). */
  nextIdToken: IdTokenHook | undefined;
  /** Signs any claims with the provider's real key (RS256, with its kid). */
  sign(claims: JWTPayload): Promise<string>;
  /** Token requests received, to check what the gateway sent. */
  tokenRequests: Array<Record<string, string>>;
  stop(): Promise<void>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | undefined;
  email: string;
}

/**
 * A small but real OpenID provider on 127.0.0.1 with its own RSA key: discovery,
 * JWKS, an authorization page that asks for an email, and a token endpoint that
 * checks the client secret, the redirect URI and the PKCE verifier. The gateway
 * under test verifies its ID tokens the same way it verifies Google's.
 */
export async function startOidcProvider(): Promise<OidcProvider> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = randomBytes(8).toString("hex");
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const codes = new Map<string, PendingCode>();
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: "server_error", error_description: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider: OidcProvider = {
    issuer,
    clientId: "gateway-test-client",
    clientSecret: randomBytes(16).toString("hex"),
    publicKeyPem: await exportSPKI(publicKey),
    nextIdToken: undefined,
    tokenRequests: [],
    sign: (claims) => new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid, typ: "JWT" }).sign(privateKey),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", issuer);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "Content-Type": "application/json", ...headers });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    if (req.method === "GET" && url.pathname === "/.well-known/openid-configuration") {
      return send(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        code_challenge_methods_supported: ["S256"],
        id_token_signing_alg_values_supported: ["RS256"],
      });
    }
    if (req.method === "GET" && (url.pathname === "/jwks" || url.pathname === "/cdn-cgi/access/certs")) {
      return send(200, { keys: [jwk] });
    }
    if (req.method === "GET" && url.pathname === "/authorize") {
      const params = url.searchParams;
      if (params.get("client_id") !== provider.clientId || params.get("code_challenge_method") !== "S256") {
        return send(400, { error: "invalid_request" });
      }
      const hidden = [...params]
        .map(([name, value]) => `<input type="hidden" name="${name}" value="${escape(value)}">`)
        .join("");
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      return res.end(`<!doctype html><html lang="en"><title>Test provider</title>
<form method="post" action="/authorize">${hidden}
<label for="email">Email</label><input id="email" name="email" type="email">
<button type="submit">Continue</button></form></html>`);
    }
    if (req.method === "POST" && url.pathname === "/authorize") {
      const form = new URLSearchParams(await readBody(req));
      const code = randomBytes(16).toString("hex");
      codes.set(code, {
        clientId: form.get("client_id")!,
        redirectUri: form.get("redirect_uri")!,
        codeChallenge: form.get("code_challenge")!,
        nonce: form.get("nonce") ?? undefined,
        email: form.get("email")!,
      });
      const back = new URL(form.get("redirect_uri")!);
      back.searchParams.set("code", code);
      if (form.get("state")) back.searchParams.set("state", form.get("state")!);
      res.writeHead(302, { Location: back.href });
      return res.end();
    }
    if (req.method === "POST" && url.pathname === "/token") {
      const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
      provider.tokenRequests.push(form);
      const pending = codes.get(form.code ?? "");
      codes.delete(form.code ?? "");
      const challenge = createHash("sha256")
        .update(form.code_verifier ?? "")
        .digest("base64url");
      if (
        !pending ||
        form.client_id !== provider.clientId ||
        form.client_secret !== provider.clientSecret ||
        form.redirect_uri !== pending.redirectUri ||
        challenge !== pending.codeChallenge
      ) {
        return send(400, { error: "invalid_grant" });
      }
      const now = Math.floor(Date.now() / 1000);
      const claims: JWTPayload = {
        iss: issuer,
        sub: `sub-${pending.email}`,
        aud: provider.clientId,
        email: pending.email,
        email_verified: true,
        nonce: pending.nonce,
        iat: now,
        exp: now + 300,
      };
      const hook = provider.nextIdToken;
      provider.nextIdToken = undefined;
      const idToken = hook ? await hook(claims, provider) : await provider.sign(claims);
      return send(200, { access_token: "provider-access-token", token_type: "Bearer", id_token: idToken });
    }
    send(404, { error: "not_found" });
  }
  return provider;
}

function escape(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString()));
    req.on("error", reject);
  });
}
