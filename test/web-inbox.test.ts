import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./helpers/browser.js";
import { userApi } from "./helpers/api.js";
import { socketRequest, startBridgeFor, type Bridge } from "./helpers/bridge.js";
import { barChartPng } from "./helpers/chart-png.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";
import { connectV2, settle, takeNotifications, type TestSocket } from "./helpers/ws-client.js";

// The web inbox as a person uses it, in headless chromium against the real
// worker and the real bridge: sign in, notifications arrive live through the
// bridge's Unix socket, read state and deletes go both ways with a second
// device's v2 socket, the chart comes through a signed link, the page
// survives a worker restart, alerts fire once across tabs. Every request the
// page makes is recorded (no token in a URL) and every CSP violation fails.

const SCREENSHOTS = fileURLToPath(new URL("../reports/screenshots/", import.meta.url));
// The README's picture is replaced only on request (UPDATE_DOCS_IMAGES=1): a test run leaves the tree as it found it.
const README_IMAGE = fileURLToPath(new URL("../docs/images/web-inbox.png", import.meta.url));
const USER = "wendy";
const persistDir = mkdtempSync(join(tmpdir(), "web-inbox-state-"));
const chartDir = mkdtempSync(join(tmpdir(), "web-inbox-charts-"));

let gateway: Gateway;
let port = 0;
let bridge: Bridge;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let device: TestSocket;
const pages: Page[] = [];
const requestedUrls: string[] = [];
const ticketsIssued: string[] = [];
const consoleErrors: string[] = [];

/**
 * Runs in every page before its own script: records CSP violations and the
 * alerts it shows (the real Notification, wrapped). Text, since the test
 * project has no DOM types.
 */
const INSTRUMENT_PAGE = `
  window.__csp = [];
  window.__alerts = [];
  document.addEventListener("securitypolicyviolation", (event) =>
    window.__csp.push(event.violatedDirective + " " + event.blockedURI));
  const Real = window.Notification;
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      window.__alerts.push({ title, tag: options && options.tag, notification: this });
    }
  }
  Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
  Object.defineProperty(Recorded, "requestPermission", { value: Real.requestPermission.bind(Real) });
  Object.defineProperty(window, "Notification", { value: Recorded, configurable: true, writable: true });
`;

async function openInbox(): Promise<Page> {
  const tab = await context.newPage();
  pages.push(tab);
  tab.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  tab.on("websocket", (socket) => requestedUrls.push(socket.url()));
  tab.on("response", async (response) => {
    if (response.url().endsWith("/api/web/socket-ticket") && response.ok()) {
      ticketsIssued.push(((await response.json()) as { ticket: string }).ticket);
    }
  });
  await tab.goto(new URL("/inbox", gateway.url).href);
  return tab;
}

function dispatch(notification: Record<string, unknown>) {
  return socketRequest(bridge.socketPath, "POST", "/dispatch", JSON.stringify({ user: USER, notification }));
}

/**
 * Waits for the page to reach a state. Generous: the suite shares two cores
 * with other test runs, and a poll that gives up after vitest's default 1 s
 * fails on a loaded machine, not on a bug.
 */
const eventually = <T>(read: () => T | Promise<T>, timeout = 15_000) => expect.poll(read, { timeout, interval: 100 });
const item = (tab: Page, id: string) => tab.locator(`.item[data-id="${id}"]`);
const isUnread = async (tab: Page, id: string) =>
  ((await item(tab, id).getAttribute("class")) ?? "").split(" ").includes("unread");
/** An expression evaluated in the page (text: the test project has no DOM types). */
const inPage = <T>(tab: Page, expression: string) => tab.evaluate(expression) as Promise<T>;
const alertsShown = async () =>
  (await Promise.all(pages.map((tab) => inPage<number>(tab, "window.__alerts.length")))).reduce(
    (sum, count) => sum + count,
    0,
  );

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  gateway = await startGateway({ DEV_SIGNIN_ENABLED: "true" }, { persistDir });
  port = Number(gateway.url.port);
  bridge = await startBridgeFor(gateway, {
    DISPATCH_SYNC_DEADLINE_MS: "1000",
    FORWARD_RETRY_BASE_MS: "50",
    FORWARD_RETRY_MAX_MS: "500",
    GATEWAY_TIMEOUT_MS: "3000",
  });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1180, height: 720 } });
  await context.grantPermissions(["notifications"], { origin: gateway.url.origin });
  await context.addInitScript({ content: INSTRUMENT_PAGE });
  context.on("request", (request) => requestedUrls.push(request.url()));
});
afterAll(async () => {
  device?.close();
  await browser?.close();
  await bridge?.stop();
  await gateway?.stop();
});

describe("the web inbox in a real browser", () => {
  it("signs in with the browser session and shows the empty inbox, live", async () => {
    page = await openInbox();
    expect(new URL(page.url()).pathname).toBe("/auth/login");
    await page.getByLabel("Username").fill(USER);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${gateway.url.origin}/inbox`);
    await eventually(() => page.locator("#connection").textContent()).toBe("Live");
    await expect(page.locator("#empty").isVisible()).resolves.toBe(true);
    expect(await page.locator("#empty").textContent()).toContain("No notifications yet");
    await page.screenshot({ path: `${SCREENSHOTS}web-inbox-empty.png` });
  });

  it("shows a dispatch through the bridge's Unix socket live, unread, and alerts once across two tabs", async () => {
    const second = await openInbox();
    await eventually(() => second.locator("#connection").textContent()).toBe("Live");
    const response = await dispatch({
      id: "web-1",
      title: "Revenue dropped 12 %",
      message:
        "**EMEA** is down the most.\n\n- Germany −18 %\n- France −9 %\n\nSee the [dashboard](https://example.com/revenue).",
      script: "revenue_check",
    });
    expect(response.status).toBe(200);
    for (const tab of [page, second]) {
      await eventually(() => item(tab, "web-1").count()).toBe(1);
      expect(await isUnread(tab, "web-1")).toBe(true);
      expect(await tab.locator("#unread-count").textContent()).toBe("1");
      await eventually(() => tab.title()).toMatch(/^\(1\) Inbox/);
    }
    await eventually(alertsShown).toBe(1);
    await settle(500);
    expect(await alertsShown()).toBe(1);

    // A click on the alert focuses its tab on that notification.
    const [shownIn] = await Promise.all(
      pages.map(async (tab) => ((await inPage<number>(tab, "window.__alerts.length")) ? tab : undefined)),
    ).then((tabs) => tabs.filter(Boolean) as Page[]);
    const alert = await inPage<{ title: string; tag: string }>(
      shownIn!,
      `(() => {
        const [shown] = window.__alerts;
        shown.notification.dispatchEvent(new Event("click"));
        return { title: shown.title, tag: shown.tag };
      })()`,
    );
    expect(alert).toEqual({ title: "Revenue dropped 12 %", tag: "web-1" });
    await eventually(() => shownIn!.locator("#detail-title").textContent()).toBe("Revenue dropped 12 %");
    expect(new URL(shownIn!.url()).hash).toBe("#web-1");
    // Opening it marked it read, in every tab.
    for (const tab of [page, second]) await eventually(() => isUnread(tab, "web-1")).toBe(false);
    pages.splice(pages.indexOf(second), 1);
    await second.close();
  });

  it("sends read and unread to a second device's v2 socket, and shows that device's changes", async () => {
    device = (await connectV2(gateway.socketUrl, await mintToken({ secret: gateway.jwtSecret, sub: USER }))).socket;
    expect(
      (await dispatch({ id: "web-2", title: "Nightly load finished", message: "3 tables, 1.2 M rows." })).status,
    ).toBe(200);
    expect((await takeNotifications(device, 1))[0]).toMatchObject({ id: "web-2", read: false });
    await eventually(() => item(page, "web-2").count()).toBe(1);

    await item(page, "web-2").click();
    expect(await device.next()).toEqual({ type: "read", ids: ["web-2"] });
    await page.getByRole("button", { name: "Mark unread" }).click();
    expect(await device.next()).toEqual({ type: "unread", ids: ["web-2"] });
    await eventually(() => isUnread(page, "web-2")).toBe(true);

    device.send({ type: "read", ids: ["web-2"] });
    await eventually(() => isUnread(page, "web-2")).toBe(false);
    await eventually(() => page.locator("#unread-count").isVisible()).toBe(false);
    device.send({ type: "unread", ids: ["web-2"] });
    await eventually(() => isUnread(page, "web-2")).toBe(true);
    expect(await page.locator("#unread-count").textContent()).toBe("1");
    await page.getByRole("button", { name: "Mark all read" }).click();
    expect(await device.next()).toEqual({ type: "read", all: true });
    await eventually(() => isUnread(page, "web-2")).toBe(false);
  });

  it("deletes in the page and on the other device, both ways", async () => {
    await item(page, "web-2").click();
    await page.getByRole("button", { name: "Delete" }).click();
    expect(await device.next()).toEqual({ type: "deleted", ids: ["web-2"] });
    await eventually(() => item(page, "web-2").count()).toBe(0);
    device.send({ type: "deleted", ids: ["web-1"] });
    await eventually(() => item(page, "web-1").count()).toBe(0);
    await expect(page.locator("#empty").isVisible()).resolves.toBe(true);
  });

  it("renders Markdown without running or showing any HTML, and marks links external", async () => {
    const message = [
      '<script>window.__xss = 1</script> <img src=x onerror="window.__xss = 2">',
      "[run](javascript:window.__xss=3) and [docs](https://example.com/docs) and `code <b>`",
    ].join("\n\n");
    expect((await dispatch({ id: "web-md", title: "<b>Not bold</b>", message })).status).toBe(200);
    await item(page, "web-md").click();
    const view = page.locator("#detail .message");
    await eventually(() => view.textContent()).toContain("<script>window.__xss = 1</script>");
    expect(await page.locator("#detail-title").textContent()).toBe("<b>Not bold</b>");
    expect(await view.locator("script, img, b").count()).toBe(0);
    expect(await view.locator("a").count()).toBe(1);
    const link = view.getByRole("link", { name: "docs" });
    expect(await link.getAttribute("href")).toBe("https://example.com/docs");
    expect(await link.getAttribute("target")).toBe("_blank");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await view.textContent()).toContain("run");
    expect(await inPage(page, "window.__xss")).toBeUndefined();
  });

  it("shows the chart through a signed link", async () => {
    const path = join(chartDir, "revenue.png");
    writeFileSync(path, barChartPng([0.9, 0.75, 0.8, 0.55, 0.6, 0.4]));
    const response = await dispatch({
      id: "web-chart",
      title: "Weekly revenue by region",
      message: "Revenue fell for the **third week** in a row. EMEA leads the decline; APAC is flat.",
      script: "weekly_revenue",
      image_path: path,
    });
    expect(response.status).toBe(200);
    await item(page, "web-chart").click();
    const chart = page.locator("#detail img.chart");
    await eventually(() =>
      inPage(page, `(img => img.complete && img.naturalWidth)(document.querySelector("#detail img.chart"))`),
    ).toBe(480);
    const src = new URL((await chart.getAttribute("src"))!, gateway.url);
    expect(src.pathname).toMatch(/^\/api\/notifications\/images\/[\w-]+\.png$/);
    expect([...src.searchParams.keys()].sort()).toEqual(["exp", "sig", "user"]);
  });

  it("reconnects after the worker restarts and loses nothing sent meanwhile", async () => {
    await gateway.stop();
    await eventually(() => page.locator("#connection").getAttribute("data-state")).toBe("offline");
    // While it is down, a change fails with a message in the page.
    await item(page, "web-md").click();
    await page.getByRole("button", { name: "Mark unread" }).click();
    await eventually(() => page.getByRole("alert").textContent()).toContain("the gateway cannot be reached");
    for (const n of [1, 2, 3]) {
      const queued = await dispatch({ id: `web-down-${n}`, title: `Sent while down ${n}`, message: "queued" });
      expect(queued.status).toBe(202);
    }
    gateway = await startGateway({ DEV_SIGNIN_ENABLED: "true" }, { port, persistDir, secrets: gateway });
    for (const n of [1, 2, 3]) await eventually(() => item(page, `web-down-${n}`).count(), 60_000).toBe(1);
    await eventually(() => page.locator("#connection").textContent()).toBe("Live");
    expect((await dispatch({ id: "web-after", title: "After the restart", message: "live again" })).status).toBe(200);
    await eventually(() => item(page, "web-after").count()).toBe(1);
    const ids = await inPage(page, `[...document.querySelectorAll(".item")].map((node) => node.dataset.id)`);
    expect(ids).toEqual(["web-after", "web-down-3", "web-down-2", "web-down-1", "web-chart", "web-md"]);
  }, 120_000);

  it("is usable with the keyboard", async () => {
    await page.locator(".item").first().focus();
    await page.keyboard.press("ArrowDown");
    expect(await inPage(page, "document.activeElement.dataset.id")).toBe("web-down-3");
    await page.keyboard.press("Enter");
    await eventually(() => page.locator("#detail-title").textContent()).toBe("Sent while down 3");
    await page.keyboard.press("Escape");
    await eventually(() => inPage(page, "document.activeElement.dataset.id")).toBe("web-down-3");
  });

  it("is readable at desktop and phone widths (screenshots for the README and the report)", async () => {
    // An inbox as an analyst would see it, for the README.
    const token = await mintToken({ secret: gateway.jwtSecret, sub: USER });
    for (const id of ["web-md", "web-down-1", "web-down-2", "web-down-3", "web-after", "web-chart"]) {
      expect((await userApi(gateway, token, "DELETE", `/api/notifications/${id}`)).status).toBe(200);
    }
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const examples = [
      {
        id: "ex-etl",
        title: "Nightly load finished",
        message: "12 tables, 3.4 M rows in 6 min.",
        timestamp: minutesAgo(190),
      },
      {
        id: "ex-churn",
        title: "Churn model retrained",
        message: "AUC 0.87 (was 0.85). `churn_v14` is live.",
        timestamp: minutesAgo(42),
      },
      {
        id: "ex-sla",
        title: "Dashboard refresh is late",
        message: "The *sales_daily* extract has not finished after 45 min.",
        script: "sla_watch",
        timestamp: minutesAgo(8),
      },
      {
        id: "ex-chart",
        title: "Weekly revenue by region",
        message:
          "Revenue fell for the **third week** in a row.\n\n- EMEA −12 %\n- APAC flat\n\nDetails on the [revenue dashboard](https://example.com/revenue).",
        script: "weekly_revenue",
        image_path: join(chartDir, "revenue.png"),
      },
    ];
    for (const example of examples) expect((await dispatch(example)).status).toBe(200);
    await eventually(() => item(page, "ex-chart").count()).toBe(1);
    expect((await userApi(gateway, token, "POST", "/api/notifications/read", { ids: ["ex-etl"] })).status).toBe(200);
    await eventually(() => isUnread(page, "ex-etl")).toBe(false);
    await item(page, "ex-chart").click();
    await eventually(() => inPage(page, `document.querySelector("#detail img.chart")?.naturalWidth`)).toBe(480);
    await page.screenshot({ path: `${SCREENSHOTS}web-inbox-desktop-detail.png` });
    if (process.env.UPDATE_DOCS_IMAGES === "1") await page.screenshot({ path: README_IMAGE });
    await page.setViewportSize({ width: 390, height: 760 });
    await page.screenshot({ path: `${SCREENSHOTS}web-inbox-phone-detail.png` });
    expect(await inPage(page, "document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await page.getByRole("button", { name: "All notifications" }).click();
    await page.screenshot({ path: `${SCREENSHOTS}web-inbox-phone-list.png` });
    expect(await inPage(page, "document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1180, height: 720 });
  });

  it("requested no URL with a token or ticket in it, and caused no CSP violation", async () => {
    expect(ticketsIssued.length).toBeGreaterThanOrEqual(3);
    const secrets = [...ticketsIssued, ...ticketsIssued.map((ticket) => ticket.slice(ticket.lastIndexOf(".") + 1))];
    const leaks = requestedUrls.filter(
      (url) =>
        /eyJ[\w-]+\.[\w-]+/.test(url) ||
        /[?&](token|ticket|access_token)=/i.test(url) ||
        secrets.some((secret) => url.includes(secret)),
    );
    expect(leaks).toEqual([]);
    const sockets = requestedUrls.filter((url) => url.startsWith("ws"));
    expect(sockets.length).toBeGreaterThanOrEqual(3);
    for (const url of sockets) expect([...new URL(url).searchParams.keys()]).toEqual(["since"]);
    for (const tab of pages) {
      expect(await inPage(tab, "window.__csp")).toEqual([]);
    }
    expect(consoleErrors.filter((text) => /Content Security Policy|Refused to/i.test(text))).toEqual([]);
  });
});
