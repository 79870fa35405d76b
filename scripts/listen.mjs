// `npm run listen -- <user>`: a legacy client that prints what arrives,
// written only from the legacy protocol (auth frame, pong on ping).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const user = process.argv[2] ?? "demo";
const url = process.env.GATEWAY_WS_URL ?? `ws://127.0.0.1:${process.env.PORT ?? 8787}/ws/notifications`;
const token =
  process.env.TOKEN ??
  execFileSync("npx", ["tsx", "worker/scripts/dev-token.ts", user], { cwd: ROOT, encoding: "utf8" }).trim();

const ws = new WebSocket(url);
ws.on("open", () => ws.send(JSON.stringify({ type: "auth", token })));
ws.on("message", (data) => {
  const frame = JSON.parse(data.toString());
  if (frame.type === "ping") return ws.send(JSON.stringify({ type: "pong" }));
  console.log(JSON.stringify(frame));
});
ws.on("close", (code, reason) => {
  console.log(`closed ${code} ${reason}`);
  process.exit(code === 1000 ? 0 : 1);
});
ws.on("error", (error) => console.error(error.message));
