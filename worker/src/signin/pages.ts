import { errorBody } from "@analyst-notifications/schemas";
import type { ApiError } from "../http/errors.js";
import { randomToken } from "./crypto.js";

// Small server-rendered pages: no framework, no external assets. Each page
// gets its own CSP nonce for its one inline style and script.

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

const STYLE = `
:root { color-scheme: light dark; --accent: #2563eb; --muted: #6b7280; --border: #d1d5db; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; display: grid; place-items: center; min-height: 100vh; padding: 1rem; }
main { max-width: 28rem; width: 100%; border: 1px solid var(--border); border-radius: 12px; padding: 2rem; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
p, ul { margin: 0 0 1rem; }
.muted { color: var(--muted); font-size: 0.9rem; }
.badge { display: inline-block; padding: 0.1rem 0.6rem; border-radius: 999px; font-size: 0.85rem; border: 1px solid var(--border); }
.badge.on { border-color: #16a34a; color: #16a34a; }
button, .button { font: inherit; padding: 0.6rem 1.1rem; border-radius: 8px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary { background: transparent; color: inherit; border-color: var(--border); }
button:focus-visible, .button:focus-visible, input:focus-visible { outline: 3px solid #93c5fd; outline-offset: 2px; }
.actions { display: flex; gap: 0.75rem; flex-wrap: wrap; margin-top: 1.5rem; }
label { display: block; margin-bottom: 0.25rem; font-weight: 600; }
input[type=text] { font: inherit; width: 100%; padding: 0.5rem; border: 1px solid var(--border); border-radius: 8px; }
[role=alert] { border-left: 4px solid #dc2626; padding-left: 0.75rem; }
[role=status] { margin-top: 1rem; }
[role=status]:empty { display: none; }
`;

export interface PageOptions {
  title: string;
  /** Trusted HTML: build it with escapeHtml around every value. */
  body: string;
  status?: number;
  /** Inline script, allowed by this page's nonce only. */
  script?: string;
  /** A script of our own origin, loaded with this page's nonce (the web inbox's bundle). */
  scriptSrc?: string;
  /** Replaces the card style and layout: `body` is then the whole page body. */
  style?: string;
  /** Where this page's forms may submit or be redirected to besides 'self' (CSP form-action). */
  formActions?: string[];
  headers?: HeadersInit;
}

/**
 * An HTML response with the security headers of every sign-in page: a strict
 * CSP, no framing, no referrer to other sites (URLs here carry codes), and no caching (pages
 * carry CSRF tokens and sometimes tokens).
 */
export function htmlPage({
  title,
  body,
  status = 200,
  script,
  scriptSrc,
  style,
  formActions = [],
  headers,
}: PageOptions): Response {
  const nonce = randomToken(16);
  const csp = [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self'",
    `form-action ${["'self'", ...formActions].join(" ")}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
  const document = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Analyst Notifications</title>
<style nonce="${nonce}">${style ?? STYLE}</style>
</head>
<body>
${style ? body : `<main>\n${body}\n</main>`}
${script ? `<script nonce="${nonce}">${script}</script>` : ""}${scriptSrc ? `<script nonce="${nonce}" src="${escapeHtml(scriptSrc)}"></script>` : ""}
</body>
</html>
`;
  const response = new Headers(headers);
  response.set("Content-Type", "text/html; charset=utf-8");
  response.set("Content-Security-Policy", csp);
  response.set("X-Frame-Options", "DENY");
  response.set("X-Content-Type-Options", "nosniff");
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on
  // form posts, which the CSRF origin check would refuse.
  response.set("Referrer-Policy", "same-origin");
  response.set("Cache-Control", "no-store");
  response.set("Cross-Origin-Opener-Policy", "same-origin");
  return new Response(document, { status, headers: response });
}

/** A catalog error as a page, for browser routes. */
export function errorPage(error: ApiError, headers?: HeadersInit): Response {
  const body = errorBody(error.entry, error.detail);
  return htmlPage({
    title: "Something went wrong",
    status: error.entry.status,
    headers,
    body: `<h1>Something went wrong</h1>
<p role="alert">${escapeHtml(body.error)}</p>
<p class="muted">Error code ${body.code}. <a href="/auth/login">Sign in again</a></p>`,
  });
}
