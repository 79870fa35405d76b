import type { InboxNotification } from "@analyst-notifications/schemas";
import { GATEWAY_PATHS, IMAGE_URL_PREFIX } from "@analyst-notifications/schemas/browser";
import { alertOnce, alertPermission, requestAlertPermission } from "./alerts.js";
import { ApiCallError, inboxApi } from "./api.js";
import { connectLive, type LiveState, type ServerFrame } from "./live.js";
import { plainText, renderMarkdown } from "./markdown.js";
import { InboxState } from "./state.js";
import { absoluteTime, relativeTime } from "./time.js";

// The web inbox page: list and detail over the inbox API, kept live by the
// v2 socket. Everything is built with DOM calls and textContent; nothing
// from a notification is ever parsed as HTML.

/** Notifications per page, as the Raycast list. */
const PAGE_SIZE = 50;
/** The largest page the API serves. */
const MAX_PAGE_SIZE = 1000;
/** Relative times ("5 min ago") are redrawn this often. */
const TIME_REFRESH_MS = 30_000;
/** A signed image link is asked for again this long before it expires. */
const IMAGE_URL_MARGIN_MS = 60_000;
const TITLE = "Inbox · Analyst Notifications";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

function meta(name: string): string {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? "";
}

function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

const api = inboxApi(meta("csrf-token"));
const state = new InboxState();
const ui = {
  list: element<HTMLUListElement>("list"),
  empty: element("empty"),
  loading: element("loading"),
  older: element<HTMLButtonElement>("load-older"),
  detail: element("detail"),
  panes: element("panes"),
  unread: element("unread-count"),
  connection: element("connection"),
  error: element("error"),
  markAll: element<HTMLButtonElement>("mark-all-read"),
  enableAlerts: element<HTMLButtonElement>("enable-alerts"),
};
let selectedId: string | undefined;
/** Notifications up to this seq were there before the page opened: no alert for them. */
let alertFloor = Number.POSITIVE_INFINITY;
let authOks = 0;
const imageUrls = new Map<string, { url: string; expiresAtMs: number }>();

function showError(message: string | undefined, action?: { label: string; href: string }): void {
  ui.error.replaceChildren();
  ui.error.hidden = message === undefined;
  if (message === undefined) return;
  ui.error.append(message);
  if (action) ui.error.append(" ", make("a", { href: action.href, textContent: action.label }));
}

function failed(what: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiCallError && error.status === 401) {
    showError(`Signed out: ${message}.`, signInAgain());
  } else {
    showError(`${what} failed: ${message}.`);
  }
}

function signInAgain() {
  return {
    label: "Sign in again",
    href: `${GATEWAY_PATHS.signIn}?${new URLSearchParams({ next: GATEWAY_PATHS.inbox })}`,
  };
}

function renderCounts(): void {
  ui.unread.hidden = state.unread === 0;
  ui.unread.textContent = String(state.unread);
  ui.unread.setAttribute("aria-label", `${state.unread} unread`);
  ui.markAll.disabled = state.unread === 0;
  document.title = state.unread > 0 ? `(${state.unread}) ${TITLE}` : TITLE;
}

function renderList(): void {
  const focusedId = (document.activeElement as HTMLElement | null)?.dataset?.id;
  const notifications = state.notifications;
  ui.list.replaceChildren(...notifications.map(listItem));
  ui.empty.hidden = notifications.length > 0 || !ui.loading.hidden;
  ui.older.hidden = !state.hasMore;
  if (focusedId) ui.list.querySelector<HTMLElement>(`[data-id="${CSS.escape(focusedId)}"]`)?.focus();
  renderCounts();
}

function listItem(notification: InboxNotification): HTMLLIElement {
  const snippet = plainText(notification.message);
  const title = make("span", { className: "item-title" }, notification.title);
  if (notification.image_url) title.append(make("span", { className: "chip" }, "chart"));
  const button = make(
    "button",
    { type: "button", className: notification.read ? "item" : "item unread" },
    make("span", { className: "dot" }),
    title,
    make("time", {
      className: "item-time",
      dateTime: notification.timestamp,
      title: absoluteTime(notification.timestamp),
      textContent: relativeTime(notification.timestamp),
    }),
    make("span", { className: "item-snippet" }, snippet || " "),
  );
  button.dataset.id = notification.id;
  button.setAttribute("aria-current", String(notification.id === selectedId));
  button.setAttribute("aria-label", `${notification.read ? "" : "Unread: "}${notification.title}`);
  button.addEventListener("click", () => void select(notification.id));
  return make("li", {}, button);
}

/** What the detail view shows now; it is rebuilt only when this changes, so the chart does not reload on every frame. */
let renderedDetail = "";

function renderDetail(): void {
  const notification = selectedId === undefined ? undefined : state.get(selectedId);
  ui.panes.classList.toggle("showing-detail", notification !== undefined);
  const key = notification ? `${notification.id}:${notification.read}` : "";
  if (key === renderedDetail) return;
  renderedDetail = key;
  if (!notification) {
    ui.detail.replaceChildren(
      make("p", { className: "muted center placeholder" }, "Select a notification to read it."),
    );
    return;
  }
  const back = make("button", { type: "button", className: "secondary detail-back" }, "← All notifications");
  back.addEventListener("click", () => closeDetail());
  const toggle = make(
    "button",
    { type: "button", id: "toggle-read", className: "secondary" },
    notification.read ? "Mark unread" : "Mark read",
  );
  toggle.addEventListener("click", () => void setRead(notification.id, !notification.read));
  const remove = make("button", { type: "button", id: "delete", className: "danger" }, "Delete");
  remove.addEventListener("click", () => void deleteNotification(notification.id));
  const details: Array<Node | string> = [
    make("time", { dateTime: notification.timestamp }, absoluteTime(notification.timestamp)),
    ` · ${relativeTime(notification.timestamp)}`,
  ];
  if (notification.script) details.push(" · from ", make("code", {}, notification.script));
  const message = make("div", { className: "message" });
  message.append(renderMarkdown(notification.message));
  const chart = make("div");
  ui.detail.replaceChildren(
    back,
    make("h2", { className: "detail-title", id: "detail-title" }, notification.title),
    make("p", { className: "detail-meta" }, ...details),
    make("div", { className: "detail-actions" }, toggle, remove),
    message,
    chart,
  );
  if (notification.image_url) void showChart(notification, chart);
}

/** Fills `slot` with the chart through a signed link, unless the view moved on meanwhile. */
async function showChart(notification: InboxNotification, slot: HTMLElement): Promise<void> {
  const name = notification.image_url!.slice(IMAGE_URL_PREFIX.length);
  try {
    let signed = imageUrls.get(name);
    if (!signed || signed.expiresAtMs - IMAGE_URL_MARGIN_MS < Date.now()) {
      const answer = await api.signedImageUrls([name]);
      const url = answer.urls[name];
      if (!url) throw new Error("no link for the chart");
      signed = { url, expiresAtMs: answer.expires_at * 1000 };
      imageUrls.set(name, signed);
    }
    if (!slot.isConnected) return;
    const image = make("img", { className: "chart", src: signed.url, alt: `Chart: ${notification.title}` });
    image.addEventListener("error", () =>
      image.replaceWith(make("p", { className: "muted" }, "The chart is unavailable.")),
    );
    slot.replaceChildren(image);
  } catch (error) {
    failed("Loading the chart", error);
  }
}

async function select(id: string): Promise<void> {
  if (!state.get(id)) return;
  selectedId = id;
  history.replaceState(null, "", `#${encodeURIComponent(id)}`);
  renderList();
  renderDetail();
  ui.detail.focus({ preventScroll: true });
  ui.list.querySelector<HTMLElement>(`[data-id="${CSS.escape(id)}"]`)?.scrollIntoView({ block: "nearest" });
  const notification = state.get(id);
  if (notification && !notification.read) await setRead(id, true);
}

function closeDetail(): void {
  const id = selectedId;
  selectedId = undefined;
  history.replaceState(null, "", location.pathname);
  renderList();
  renderDetail();
  if (id) ui.list.querySelector<HTMLElement>(`[data-id="${CSS.escape(id)}"]`)?.focus();
}

/** Applies a change here at once (the other devices get it from the server), and takes it back if refused. */
async function setRead(id: string, read: boolean): Promise<void> {
  const change = (toRead: boolean): ServerFrame =>
    toRead ? { type: "read", ids: [id] } : { type: "unread", ids: [id] };
  state.apply(change(read));
  refresh();
  try {
    const answer = read ? await api.markRead({ ids: [id] }) : await api.markUnread([id]);
    state.setUnread(answer.unread);
    showError(undefined);
  } catch (error) {
    state.apply(change(!read));
    failed(read ? "Marking read" : "Marking unread", error);
  }
  refresh();
}

async function markAllRead(): Promise<void> {
  try {
    const answer = await api.markRead({ all: true });
    state.apply({ type: "read", all: true });
    state.setUnread(answer.unread);
    showError(undefined);
  } catch (error) {
    failed("Marking all read", error);
  }
  refresh();
}

async function deleteNotification(id: string): Promise<void> {
  try {
    const answer = await api.remove(id);
    state.apply({ type: "deleted", ids: [id] });
    state.setUnread(answer.unread);
    showError(undefined);
    if (selectedId === id) closeDetail();
  } catch (error) {
    failed("Deleting", error);
  }
  refresh();
}

function refresh(): void {
  renderList();
  renderDetail();
}

async function loadNewest(): Promise<void> {
  const limit = Math.min(Math.max(PAGE_SIZE, state.notifications.length), MAX_PAGE_SIZE);
  state.replace(await api.list({ limit }));
}

async function loadOlder(): Promise<void> {
  ui.older.disabled = true;
  try {
    state.addPage(await api.list({ before: state.oldestSeq, limit: PAGE_SIZE }));
    showError(undefined);
  } catch (error) {
    failed("Loading older notifications", error);
  }
  ui.older.disabled = false;
  renderList();
}

function onFrame(frame: ServerFrame): void {
  const resetOnServer = frame.type === "auth_ok" && frame.cursor < state.cursor;
  const fresh = state.apply(frame);
  if (frame.type === "auth_ok") {
    authOks += 1;
    // After a reconnect or a reset, read and delete changes made meanwhile are not replayed: load them.
    if (authOks > 1 || resetOnServer) {
      loadNewest()
        .then(() => refresh())
        .catch((error: unknown) => failed("Refreshing the inbox", error));
    }
  }
  if (fresh && !fresh.read && fresh.seq > alertFloor) {
    void alertOnce(fresh, (id) => void select(id)).catch(() => undefined);
  }
  if (frame.type === "deleted" && selectedId !== undefined && !state.get(selectedId)) {
    selectedId = undefined;
    history.replaceState(null, "", location.pathname);
  }
  refresh();
}

function onState(live: LiveState): void {
  const text: Record<LiveState["status"], string> = {
    connecting: "Connecting…",
    live: "Live",
    reconnecting: "Offline",
    "signed-out": "Signed out",
  };
  ui.connection.dataset.state =
    live.status === "live" ? "live" : live.status === "connecting" ? "connecting" : "offline";
  ui.connection.textContent =
    live.status === "reconnecting"
      ? `Reconnecting in ${Math.round(live.delayMs / 1000)} s (${live.reason})`
      : text[live.status];
  if (live.status === "signed-out") showError("Your browser session ended.", signInAgain());
}

function renderAlertsButton(): void {
  ui.enableAlerts.hidden = alertPermission() !== "default";
}

/** Arrow keys (and j/k) move through the list; Escape leaves the detail view. */
function onKey(event: KeyboardEvent): void {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const target = event.target as HTMLElement;
  if (event.key === "Escape" && selectedId !== undefined) {
    closeDetail();
    return;
  }
  if (!target.classList.contains("item")) return;
  const items = [...ui.list.querySelectorAll<HTMLElement>(".item")];
  const index = items.indexOf(target);
  const moves: Record<string, number> = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1 };
  if (event.key === "Home" || event.key === "End") {
    items[event.key === "Home" ? 0 : items.length - 1]?.focus();
  } else if (moves[event.key] !== undefined) {
    items[index + moves[event.key]!]?.focus();
  } else {
    return;
  }
  event.preventDefault();
}

async function start(): Promise<void> {
  ui.markAll.addEventListener("click", () => void markAllRead());
  ui.older.addEventListener("click", () => void loadOlder());
  ui.enableAlerts.addEventListener("click", () => {
    void requestAlertPermission().then(renderAlertsButton);
  });
  document.addEventListener("keydown", onKey);
  renderAlertsButton();
  try {
    await loadNewest();
    showError(undefined);
  } catch (error) {
    failed("Loading the inbox", error);
  }
  ui.loading.hidden = true;
  alertFloor = state.cursor;
  const wanted = decodeURIComponent(location.hash.slice(1));
  refresh();
  if (wanted && state.get(wanted)) void select(wanted);
  const live = connectLive({
    since: () => state.cursor,
    ticket: async () => (await api.socketTicket()).ticket,
    onFrame,
    onState,
    pingIntervalMs: Number(meta("heartbeat-interval-ms")) || 30_000,
  });
  window.addEventListener("online", () => live.retryNow());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") live.retryNow();
  });
  setInterval(renderList, TIME_REFRESH_MS);
}

void start();
