import { GATEWAY_PATHS } from "@analyst-notifications/schemas";
import type { IRequest } from "itty-router";
import { loadConfig } from "../config.js";
import type { Env } from "../env.js";
import { redirect, withHtmlErrors } from "../signin/browser.js";
import { CSRF_FIELD, csrfToken } from "../signin/csrf.js";
import { escapeHtml, htmlPage } from "../signin/pages.js";
import { signInUrl } from "../signin/paths.js";
import { currentSession } from "../signin/session.js";
import { INBOX_CLIENT_HASH, INBOX_CLIENT_JS } from "./generated/inbox-client.js";
import { INBOX_STYLE } from "./inbox-style.js";

/**
 * `GET /inbox`: the web inbox. The server renders only the frame and what
 * the script needs to start (CSRF token, settings, in meta tags: no inline
 * script); the script (client/, bundled into generated/) fills it in over the
 * inbox API and a v2 socket. Without a session: to sign-in and back.
 */
export const handleInboxPage = withHtmlErrors(async (request: IRequest, env: Env) => {
  const config = loadConfig(env);
  const session = await currentSession(request, env);
  if (!session) return redirect(signInUrl(GATEWAY_PATHS.inbox), undefined, 302);
  const csrf = escapeHtml(await csrfToken(session, config));
  return htmlPage({
    title: "Inbox",
    style: INBOX_STYLE,
    scriptSrc: `${GATEWAY_PATHS.inboxScript}?v=${INBOX_CLIENT_HASH}`,
    body: `<meta name="csrf-token" content="${csrf}">
<meta name="heartbeat-interval-ms" content="${config.heartbeatIntervalMs}">
<header class="bar">
  <h1>Inbox <span id="unread-count" class="count" hidden></span></h1>
  <p id="connection" class="connection" role="status" aria-live="polite" data-state="connecting">Connecting…</p>
  <div class="bar-actions">
    <button type="button" id="enable-alerts" class="secondary" hidden>Enable alerts</button>
    <button type="button" id="mark-all-read" class="secondary" disabled>Mark all read</button>
    <form method="post" action="${GATEWAY_PATHS.signOut}">
      <input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
      <button type="submit" class="plain" title="Signed in as ${escapeHtml(session.username)}">Sign out <span class="who">${escapeHtml(session.username)}</span></button>
    </form>
  </div>
</header>
<p id="error" class="error" role="alert" hidden></p>
<div class="panes" id="panes">
  <section class="list-pane" aria-label="Notifications">
    <ul id="list" class="list"></ul>
    <div id="empty" class="empty" hidden>
      <p class="empty-title">No notifications yet</p>
      <p>Alerts that your data server sends to <strong>${escapeHtml(session.username)}</strong> appear here the moment they arrive.</p>
    </div>
    <p id="loading" class="muted center">Loading…</p>
    <button type="button" id="load-older" class="secondary older" hidden>Load older</button>
  </section>
  <section id="detail" class="detail-pane" aria-label="Notification" tabindex="-1">
    <p class="muted center placeholder">Select a notification to read it.</p>
  </section>
</div>
<noscript><p class="error">The inbox needs JavaScript.</p></noscript>`,
  });
});

/** `GET /inbox/app.js`: the bundled browser script; its URL carries its hash, so it may be cached for good. */
export function handleInboxScript(): Response {
  return new Response(INBOX_CLIENT_JS, {
    headers: {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "public, max-age=31536000, immutable",
      "X-Content-Type-Options": "nosniff",
      ETag: `"${INBOX_CLIENT_HASH}"`,
    },
  });
}
