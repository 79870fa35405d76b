// The web inbox's stylesheet, inlined with the page's nonce. Light and dark
// follow the system; one column below 48rem (the detail replaces the list).
export const INBOX_STYLE = `
:root { color-scheme: light dark; --accent: #2563eb; --accent-soft: #dbeafe; --muted: #6b7280; --border: #e5e7eb;
  --bg: #ffffff; --bg-soft: #f9fafb; --text: #111827; --danger: #dc2626; --ok: #16a34a; }
@media (prefers-color-scheme: dark) {
  :root { --accent: #60a5fa; --accent-soft: #1e3a5f; --muted: #9ca3af; --border: #374151; --bg: #111827;
    --bg-soft: #1f2937; --text: #f3f4f6; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { height: 100%; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--text);
  background: var(--bg); display: flex; flex-direction: column; }
button { font: inherit; cursor: pointer; border-radius: 8px; padding: 0.4rem 0.9rem; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; }
button.secondary { background: transparent; color: inherit; border-color: var(--border); }
button.plain { background: none; border: none; color: var(--muted); padding: 0.4rem 0.5rem; }
button.danger { background: transparent; color: var(--danger); border-color: var(--danger); }
button:disabled { opacity: 0.5; cursor: default; }
button:focus-visible, a:focus-visible, .item:focus-visible, .detail-pane:focus-visible { outline: 3px solid #93c5fd; outline-offset: 2px; }
a { color: var(--accent); }
.muted { color: var(--muted); }
.center { text-align: center; }
.bar { display: flex; align-items: center; gap: 0.75rem; flex-wrap: wrap; padding: 0.75rem 1.25rem;
  border-bottom: 1px solid var(--border); }
.bar h1 { font-size: 1.25rem; margin: 0; display: flex; align-items: center; gap: 0.5rem; }
.count { font-size: 0.8rem; font-weight: 600; background: var(--accent); color: #fff; border-radius: 999px; padding: 0 0.55rem; }
.connection { margin: 0; font-size: 0.85rem; color: var(--muted); display: flex; align-items: center; gap: 0.35rem; }
.connection::before { content: ""; width: 0.5rem; height: 0.5rem; border-radius: 50%; background: var(--muted); }
.connection[data-state="live"]::before { background: var(--ok); }
.connection[data-state="offline"]::before { background: var(--danger); }
.bar-actions { margin-left: auto; display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; }
.bar-actions form { margin: 0; }
.who { font-weight: 600; color: var(--text); }
.error { margin: 0; padding: 0.6rem 1.25rem; background: #fef2f2; color: #991b1b; border-bottom: 1px solid #fecaca; }
.panes { flex: 1; display: grid; grid-template-columns: minmax(18rem, 26rem) 1fr; min-height: 0; }
.list-pane { border-right: 1px solid var(--border); overflow-y: auto; }
.list { list-style: none; margin: 0; padding: 0; }
.item { display: grid; grid-template-columns: 0.6rem 1fr auto; gap: 0.25rem 0.6rem; width: 100%; text-align: left;
  background: none; color: inherit; border: none; border-bottom: 1px solid var(--border); border-radius: 0;
  padding: 0.75rem 1rem; }
.item:hover { background: var(--bg-soft); }
.item[aria-current="true"] { background: var(--accent-soft); }
.dot { width: 0.55rem; height: 0.55rem; border-radius: 50%; margin-top: 0.45rem; }
.unread .dot { background: var(--accent); }
.item-title { font-weight: 500; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.unread .item-title { font-weight: 700; }
.item-time { font-size: 0.8rem; color: var(--muted); white-space: nowrap; }
.item-snippet { grid-column: 2 / 4; font-size: 0.875rem; color: var(--muted); overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
.chip { font-size: 0.75rem; border: 1px solid var(--border); border-radius: 999px; padding: 0 0.45rem; margin-left: 0.35rem; font-weight: 400; }
.older { display: block; margin: 1rem auto; }
.empty { padding: 3rem 1.5rem; text-align: center; color: var(--muted); }
.empty-title { font-size: 1.1rem; font-weight: 600; color: var(--text); }
.detail-pane { overflow-y: auto; padding: 1.5rem 2rem; }
.placeholder { margin-top: 4rem; }
.detail-back { display: none; margin-bottom: 1rem; }
.detail-title { font-size: 1.4rem; margin: 0 0 0.25rem; overflow-wrap: anywhere; }
.detail-meta { color: var(--muted); font-size: 0.875rem; margin: 0 0 1rem; }
.detail-actions { display: flex; gap: 0.5rem; flex-wrap: wrap; margin: 1rem 0 1.5rem; }
.message { overflow-wrap: anywhere; }
.message pre { background: var(--bg-soft); padding: 0.75rem; border-radius: 8px; overflow-x: auto; }
.message code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9em; }
.message blockquote { margin: 0; padding-left: 1rem; border-left: 3px solid var(--border); color: var(--muted); }
.message a.external::after { content: " ↗"; font-size: 0.8em; }
.chart { max-width: 100%; height: auto; border: 1px solid var(--border); border-radius: 8px; margin-top: 1rem; }
@media (max-width: 48rem) {
  .panes { grid-template-columns: 1fr; }
  .list-pane { border-right: none; }
  .panes:not(.showing-detail) .detail-pane { display: none; }
  .panes.showing-detail .list-pane { display: none; }
  .detail-back { display: inline-block; }
  .detail-pane { padding: 1rem 1.25rem; }
  .bar { padding: 0.6rem 1rem; }
  .bar-actions { margin-left: 0; width: 100%; }
}
`;
