import { DEFAULT_HTTP_TIMEOUT_MS } from "../lib/config";
import type { TokenResponse } from "../lib/tokens";
import { errorFrom } from "./client";

/** POSTs a form to the token endpoint (RFC 6749 §4.1.3, §6) and checks the answer. */
export async function requestTokens(tokenEndpoint: string, form: Record<string, string>): Promise<TokenResponse> {
  const response = await fetch(tokenEndpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: new URLSearchParams(form).toString(),
    signal: AbortSignal.timeout(DEFAULT_HTTP_TIMEOUT_MS),
    redirect: "error",
  });
  if (!response.ok) throw await errorFrom(response);
  const body = (await response.json()) as Partial<TokenResponse>;
  if (typeof body.access_token !== "string" || body.access_token === "") {
    throw new Error("unexpected answer from the token endpoint: no access_token");
  }
  return {
    access_token: body.access_token,
    token_type: typeof body.token_type === "string" ? body.token_type : "Bearer",
    ...(typeof body.expires_in === "number" ? { expires_in: body.expires_in } : {}),
    ...(typeof body.refresh_token === "string" ? { refresh_token: body.refresh_token } : {}),
    ...(typeof body.scope === "string" ? { scope: body.scope } : {}),
  };
}
