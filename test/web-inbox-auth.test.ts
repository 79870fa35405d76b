import { readFileSync } from "node:fs";
import {
  SOCKET_TICKET_PROTOCOL_PREFIX,
  SocketTicketResponse,
  WEB_SOCKET_PROTOCOL,
} from "@analyst-notifications/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GENERATED_MODULE, renderInboxClientModule } from "../worker/scripts/web-bundle.js";
import { bridgeDispatch, note } from "./helpers/api.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { browserPost, devSignIn, type SignedInSession } from "./helpers/sign-in.js";
import { mintToken } from "./helpers/tokens.js";
import { TestSocket, takeNotifications } from "./helpers/ws-client.js";

// How the web inbox authenticates, without a browser: the inbox API with the
// session cookie and its CSRF header, and the single-use socket ticket that
// stands in for the Authorization header a browser cannot send on an upgrade.

let gateway: Gateway;
let alice: SignedInSession;
let bob: SignedInSession;

beforeAll(async () => {
  gateway = await startGateway({ DEV_SIGNIN_ENABLED: "true" });
  alice = await devSignIn(gateway, "alice");
  bob = await devSignIn(gateway, "bob");
});
afterAll(() => gateway?.stop());

/** A call as the page makes it: session cookie, CSRF header, same-origin; `headers` override or remove (null). */
async function pageCall(
  session: SignedInSession,
  method: string,
  path: string,
  headers: Record<string, string | null> = {},
  body?: unknown,
) {
  const all: Record<string, string> = {
    Cookie: session.cookie,
    "X-CSRF-Token": session.csrf,
    "Sec-Fetch-Site": "same-origin",
  };
  if (method !== "GET") all.Origin = session.origin;
  if (body !== undefined) all["Content-Type"] = "application/json";
  for (const [name, value] of Object.entries(headers)) {
    if (value === null) delete all[name];
    else all[name] = value;
  }
  const response = await gateway.fetch(path, {
    method,
    headers: all,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function ticketFor(session: SignedInSession): Promise<string> {
  const response = await browserPost(gateway, "/api/web/socket-ticket", session);
  expect(response.status).toBe(200);
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  const { ticket, expires_in } = SocketTicketResponse.parse(await response.json());
  expect(expires_in).toBe(30);
  return ticket;
}

/** Opens /ws/notifications as the page does: our subprotocol plus the ticket, from our origin. */
function ticketSocket(protocols: string[], query = "?since=0"): TestSocket {
  return new TestSocket(`${gateway.socketUrl}${query}`, { headers: { Origin: gateway.url.origin } }, protocols);
}

const withTicket = (ticket: string) => [WEB_SOCKET_PROTOCOL, `${SOCKET_TICKET_PROTOCOL_PREFIX}${ticket}`];

describe("the inbox API with the browser session", () => {
  it("answers the page's calls made with the session cookie and its CSRF token", async () => {
    expect((await bridgeDispatch(gateway, "alice", note("web-auth-1"))).status).toBe(200);
    const list = await pageCall(alice, "GET", "/api/notifications");
    expect(list.status).toBe(200);
    expect(list.body.notifications).toEqual([expect.objectContaining({ id: "web-auth-1", read: false })]);
    expect(await pageCall(alice, "POST", "/api/notifications/read", {}, { ids: ["web-auth-1"] })).toMatchObject({
      status: 200,
      body: { changed: 1, unread: 0 },
    });
    const signed = await pageCall(alice, "POST", "/api/notifications/images/signed-urls", {}, { names: ["x.png"] });
    expect(signed.status).toBe(200);
  });

  it("refuses the session without its CSRF token, with another session's, or from another origin, changing nothing", async () => {
    const refusals = [
      await pageCall(alice, "GET", "/api/notifications", { "X-CSRF-Token": null }),
      await pageCall(alice, "POST", "/api/notifications/unread", { "X-CSRF-Token": null }, { ids: ["web-auth-1"] }),
      await pageCall(alice, "POST", "/api/notifications/unread", { "X-CSRF-Token": bob.csrf }, { ids: ["web-auth-1"] }),
      await pageCall(
        alice,
        "POST",
        "/api/notifications/unread",
        { Origin: "https://evil.example" },
        { ids: ["web-auth-1"] },
      ),
      await pageCall(alice, "DELETE", "/api/notifications/web-auth-1", { "Sec-Fetch-Site": "cross-site" }),
    ];
    for (const refusal of refusals) {
      expect(refusal.status).toBe(403);
      expect(refusal.body.code).toBe(40302);
    }
    const list = await pageCall(alice, "GET", "/api/notifications");
    expect(list.body.notifications).toEqual([expect.objectContaining({ id: "web-auth-1", read: true })]);
  });

  it("keeps the legacy 401 for a call with neither a token nor a session", async () => {
    const response = await gateway.fetch("/api/notifications");
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "Missing or invalid Authorization header", code: 40102 });
  });

  it("sends a browser without a session from /inbox to sign-in and back", async () => {
    const response = await gateway.fetch("/inbox", { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/auth/login?next=%2Finbox");
  });
});

describe("socket tickets", () => {
  it("are issued only to the session, with its CSRF token, from our origin", async () => {
    const cases: Array<[Record<string, string | null>, number, number]> = [
      [{ Cookie: null }, 401, 40104],
      [{ "X-CSRF-Token": null }, 403, 40302],
      [{ "X-CSRF-Token": bob.csrf }, 403, 40302],
      [{ Origin: "https://evil.example" }, 403, 40302],
    ];
    for (const [overrides, status, code] of cases) {
      const response = await browserPost(gateway, "/api/web/socket-ticket", alice, overrides);
      expect(response.status).toBe(status);
      expect(((await response.json()) as { code: number }).code).toBe(code);
    }
    expect(await ticketFor(alice)).toMatch(/^alice\.[\w-]{43}$/);
  });

  it("open one v2 socket of their user, once; the server echoes the protocol, never the ticket", async () => {
    const ticket = await ticketFor(alice);
    const socket = ticketSocket(withTicket(ticket));
    await socket.opened();
    expect(socket.ws.protocol).toBe(WEB_SOCKET_PROTOCOL);
    expect(await socket.next()).toMatchObject({ type: "auth_ok", username: "alice", protocol: 2 });
    expect((await bridgeDispatch(gateway, "alice", note("web-auth-2"))).status).toBe(200);
    // since=0: the stored one is replayed first, then the live one.
    const frames = await takeNotifications(socket, 2);
    expect(frames.map((frame) => [frame.id, frame.seq])).toEqual([
      ["web-auth-1", 1],
      ["web-auth-2", 2],
    ]);
    socket.close();

    const again = ticketSocket(withTicket(ticket));
    await expect(again.opened()).rejects.toThrow(/401/);
  });

  it("are refused when missing, malformed, doubled, forged for another user, or sent without our protocol", async () => {
    const ticket = await ticketFor(alice);
    const secret = ticket.slice("alice.".length);
    const refused = [
      [WEB_SOCKET_PROTOCOL],
      [WEB_SOCKET_PROTOCOL, "ticket.not-a-ticket"],
      [WEB_SOCKET_PROTOCOL, `ticket.bob.${secret}`],
      [WEB_SOCKET_PROTOCOL, `ticket.alice.${"A".repeat(43)}`],
      [WEB_SOCKET_PROTOCOL, `ticket.${ticket}`, `ticket.alice.${"B".repeat(43)}`],
    ];
    for (const protocols of refused) {
      await expect(ticketSocket(protocols).opened()).rejects.toThrow(/401/);
    }
    // Without our protocol the ticket is not looked at: a legacy socket, which then times out its auth.
    const legacy = ticketSocket([`ticket.${ticket}`]);
    await expect(legacy.opened()).rejects.toThrow(/protocol/i);
    // None of the refusals spent the ticket.
    const socket = ticketSocket(withTicket(ticket));
    await socket.opened();
    expect(await socket.next()).toMatchObject({ type: "auth_ok", username: "alice" });
    socket.close();
  });

  it("refuse a bad `since` before the ticket is spent", async () => {
    const ticket = await ticketFor(alice);
    await expect(ticketSocket(withTicket(ticket), "?since=-1").opened()).rejects.toThrow(/400/);
    const socket = ticketSocket(withTicket(ticket));
    await socket.opened();
    socket.close();
  });

  it("are dropped by an unlink, which also closes the web inbox's socket", async () => {
    const open = ticketSocket(withTicket(await ticketFor(bob)));
    await open.opened();
    const unspent = await ticketFor(bob);
    expect((await browserPost(gateway, "/api/desktop/authorize", bob)).status).toBe(200);
    expect((await browserPost(gateway, "/api/desktop/unlink", bob)).status).toBe(200);
    expect((await open.waitClosed()).code).toBe(4403);
    await expect(ticketSocket(withTicket(unspent)).opened()).rejects.toThrow(/401/);
    // Unlink also ends the user's browser sessions: the old cookie mints no ticket.
    expect((await browserPost(gateway, "/api/web/socket-ticket", bob)).status).toBe(401);
  });
});

describe("signing out", () => {
  it("closes the web inbox's sockets (4410) and drops unspent tickets; the apps' sockets stay", async () => {
    const dora = await devSignIn(gateway, "dora");
    const page = ticketSocket(withTicket(await ticketFor(dora)));
    await page.opened();
    expect(await page.next()).toMatchObject({ type: "auth_ok", username: "dora" });
    const unspent = await ticketFor(dora);
    const app = new TestSocket(gateway.socketUrl, {
      headers: { Authorization: `Bearer ${await mintToken({ secret: gateway.jwtSecret, sub: "dora" })}` },
    });
    await app.opened();
    expect(await app.next()).toMatchObject({ type: "auth_ok", username: "dora" });

    const signedOut = await gateway.fetch("/auth/logout", {
      method: "POST",
      headers: { Cookie: dora.cookie, Origin: dora.origin, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf_token: dora.csrf }),
    });
    expect(signedOut.status).toBe(200);
    expect(await page.waitClosed()).toEqual({ code: 4410, reason: "signed out" });
    await expect(ticketSocket(withTicket(unspent)).opened()).rejects.toThrow(/401/);
    // Tokens given to apps are not browser sessions: the app's socket still receives.
    expect((await bridgeDispatch(gateway, "dora", note("after-sign-out"))).status).toBe(200);
    expect((await takeNotifications(app, 1)).map((frame) => frame.id)).toEqual(["after-sign-out"]);
    app.close();
  });
});

describe("a ticket's socket", () => {
  let short: Gateway;
  beforeAll(async () => {
    // The shortest session the setting allows.
    short = await startGateway({ DEV_SIGNIN_ENABLED: "true", SESSION_MAX_AGE_SECONDS: "60" });
  });
  afterAll(() => short?.stop());

  it("is closed with 4410 when the browser session it was issued to ends", { timeout: 120_000 }, async () => {
    const carol = await devSignIn(short, "carol");
    const signedInAt = Date.now();
    const issued = await browserPost(short, "/api/web/socket-ticket", carol);
    const { ticket } = SocketTicketResponse.parse(await issued.json());
    const socket = new TestSocket(
      `${short.socketUrl}?since=0`,
      { headers: { Origin: short.url.origin } },
      withTicket(ticket),
    );
    await socket.opened();
    expect(await socket.next()).toMatchObject({ type: "auth_ok", username: "carol" });
    const closed = await socket.waitClosed(90_000);
    expect(closed.code).toBe(4410);
    // The session's end (whole seconds), not anything sooner.
    expect(Date.now() - signedInAt).toBeGreaterThanOrEqual(58_000);
    // The page then asks for a new ticket, and is told to sign in again.
    expect((await browserPost(short, "/api/web/socket-ticket", carol)).status).toBe(401);
  });
});

describe("the web inbox's script", () => {
  it("is served from the committed bundle, which matches its source (run `npm run web:build`)", async () => {
    const committed = readFileSync(GENERATED_MODULE, "utf8");
    expect(committed === (await renderInboxClientModule())).toBe(true);
    const hash = committed.match(/INBOX_CLIENT_HASH = "(\w+)"/)![1]!;
    const page = await gateway.fetch("/inbox", { headers: { Cookie: alice.cookie } });
    expect(await page.text()).toContain(`src="/inbox/app.js?v=${hash}"`);
    const script = await gateway.fetch(`/inbox/app.js?v=${hash}`);
    expect(script.headers.get("Content-Type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect((await script.text()).length).toBeGreaterThan(1000);
  });
});
