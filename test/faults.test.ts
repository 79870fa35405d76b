import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import type { AuthOkV2Frame } from "@analyst-notifications/schemas";
import { AckSchedule } from "../raycast-extension/src/lib/ack-schedule";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { socketRequest, startBridge, type Bridge } from "./helpers/bridge.js";
import { TEST_ACK_DELAY_MS } from "./helpers/ws-client.js";
import { GatewayProcess } from "./helpers/gateway-process.js";
import { mintToken } from "./helpers/tokens.js";

// The fault run: dispatches flow through the bridge to live v2 clients
// while the worker is killed (SIGKILL, workerd included) and restarted twice
// and the bridge is killed with SIGKILL once. Every notification must end up
// in every inbox and on every live client exactly once, in order per user.
// FAULTS_DISPATCHES=10000 is the long variant; CI runs 1,500.
const DISPATCHES = Number(process.env.FAULTS_DISPATCHES ?? 1500);
const USERS = Array.from({ length: 8 }, (_, i) => `fault${i}`);
const SENDERS = 16;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let gateway: GatewayProcess;
let bridge: Bridge | undefined;
const socketPath = join(mkdtempSync(join(tmpdir(), "faults-bridge-")), "ws.sock");
const spoolDir = mkdtempSync(join(tmpdir(), "faults-spool-"));

beforeAll(async () => {
  gateway = new GatewayProcess(mkdtempSync(join(tmpdir(), "faults-worker-")), {
    INBOX_LIMIT: String(DISPATCHES),
    DISPATCH_RATE_PER_USER_PER_MINUTE: "0",
    MAX_CONNECTIONS_PER_USER: "5",
  });
  await gateway.start();
});
afterAll(async () => {
  await bridge?.stop("SIGKILL");
  await gateway?.kill();
});

const startTheBridge = () =>
  startBridge(
    {
      GATEWAY_URL: gateway.url,
      BRIDGE_TOKEN: gateway.bridgeToken,
      SPOOL_DIR: spoolDir,
      DISPATCH_SYNC_DEADLINE_MS: "50",
      FORWARD_RETRY_BASE_MS: "50",
      FORWARD_RETRY_MAX_MS: "500",
      GATEWAY_TIMEOUT_MS: "2000",
      AGENT_CHANNEL: "off",
    },
    socketPath,
  );

/** A v2 client that always comes back: on every close it reconnects with its cursor. */
class ResumingClient {
  readonly ids: string[] = [];
  readonly seqs: number[] = [];
  duplicates = 0;
  reconnects = 0;
  /** The last attempts and closes, for the failure message. */
  readonly history: string[] = [];
  /** Between auth_ok and the socket's close. */
  live = false;
  private ws: WebSocket | undefined;
  private stopped = false;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly user: string,
    private readonly token: string,
  ) {}

  /** Connects, retrying with backoff; a second call while one runs joins it (one socket per client). */
  connect(): Promise<void> {
    this.connecting ??= (async () => {
      for (let delay = 50; !this.stopped; delay = Math.min(1000, delay * 2)) {
        try {
          await this.open();
          return;
        } catch {
          await sleep(delay);
        }
      }
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** Drops the connection abruptly, as a crashed or suspended Mac would. */
  kill(): void {
    this.note("killed");
    this.ws?.terminate();
  }

  private note(event: string): void {
    this.history.push(`${new Date().toISOString().slice(11, 23)} ${event}`);
    if (this.history.length > 40) this.history.shift();
  }

  stop(): void {
    this.stopped = true;
    this.ws?.terminate();
  }

  private open(): Promise<void> {
    const since = this.seqs.at(-1) ?? 0;
    const ws = new WebSocket(`${gateway.socketUrl}?since=${since}`, {
      headers: { Authorization: `Bearer ${this.token}` },
      closeTimeout: 500,
      // As a real client does: an attempt that hangs is given up and retried.
      handshakeTimeout: 5_000,
    } as WebSocket.ClientOptions);
    this.ws = ws;
    return new Promise((resolve, reject) => {
      ws.once("error", (error) => {
        this.note(`attempt since=${since}: ${error.message}`);
        reject(error);
      });
      ws.once("unexpected-response", (request, response) => {
        this.note(`attempt since=${since}: refused ${response.statusCode}`);
        request.destroy();
        reject(new Error("refused"));
      });
      let acks: AckSchedule | undefined;
      ws.on("message", (data) => {
        const frame = JSON.parse(data.toString()) as { type: string; id?: string; seq?: number };
        if (frame.type === "auth_ok") {
          this.note(`auth_ok since=${since} cursor=${(frame as { cursor?: number }).cursor}`);
          acks = new AckSchedule(
            frame as unknown as AuthOkV2Frame,
            (cursor) => {
              if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ack", cursor }));
            },
            TEST_ACK_DELAY_MS,
          );
          // Only an established socket reconnects on close; a failed attempt is retried by connect().
          this.live = true;
          ws.once("close", (code) => {
            this.live = false;
            this.note(`closed ${code} after ${this.ids.length} received`);
            acks?.stop();
            if (this.stopped) return;
            this.reconnects += 1;
            void this.connect();
          });
          return resolve();
        }
        if (frame.type !== "notification") return;
        acks?.received(frame.seq!);
        if (this.ids.includes(frame.id!)) this.duplicates += 1;
        else {
          this.ids.push(frame.id!);
          this.seqs.push(frame.seq!);
        }
      });
      ws.once("close", () => reject(new Error("closed before auth_ok")));
    });
  }
}

/** Every stored id of a user, oldest first, page by page (the API gives newest first). */
async function wholeInbox(user: string): Promise<string[]> {
  const token = await mintToken({ secret: gateway.jwtSecret, sub: user });
  const ids: string[] = [];
  let before = "";
  for (;;) {
    const response = await gateway.fetch(`/api/notifications?limit=1000${before}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { notifications: Array<{ id: string; seq: number }>; has_more: boolean };
    ids.push(...page.notifications.map((n) => n.id));
    if (!page.has_more) return ids.reverse();
    before = `&before=${page.notifications.at(-1)!.seq}`;
  }
}

describe("faults", () => {
  it(
    `keeps ${DISPATCHES} dispatches exactly once and in order through two worker kills and a bridge kill`,
    { timeout: 300_000 },
    async () => {
      bridge = await startTheBridge();
      const clients = new Map<string, ResumingClient>();
      for (const user of USERS) {
        const client = new ResumingClient(user, await mintToken({ secret: gateway.jwtSecret, sub: user }));
        await client.connect();
        clients.set(user, client);
      }
      // One more client of the first user, killed and reconnected over and over.
      const flaky = new ResumingClient(USERS[0]!, await mintToken({ secret: gateway.jwtSecret, sub: USERS[0]! }));
      await flaky.connect();
      let flapping = true;
      const flaps = (async () => {
        while (flapping) {
          // Killed 150–300 ms into each connection: every kill is a resume with `since`.
          while (!flaky.live && flapping) await sleep(20);
          await sleep(150 + Math.random() * 150);
          flaky.kill();
        }
      })();

      // Senders: each id goes to one user; a call without 200/202 is retried with the same id.
      const accepted = new Map<string, string[]>(USERS.map((user) => [user, []]));
      let next = 0;
      let done = 0;
      const perUserNext = new Map<string, number>(USERS.map((user) => [user, 0]));
      const locks = new Map<string, Promise<void>>();
      const send = async (user: string) => {
        const id = `${user}-${perUserNext.get(user)!}`;
        perUserNext.set(user, perUserNext.get(user)! + 1);
        const body = JSON.stringify({ user, notification: { id, title: id, message: "fault run" } });
        for (;;) {
          const answer = bridge
            ? await socketRequest(bridge.socketPath, "POST", "/dispatch", body).catch(() => undefined)
            : undefined;
          if (answer && (answer.status === 200 || answer.status === 202)) break;
          await sleep(20);
        }
        accepted.get(user)!.push(id);
        done += 1;
      };
      // Per user one call at a time (the order the inbox must keep); users in parallel.
      const senders = Array.from({ length: SENDERS }, async (_, lane) => {
        while (next < DISPATCHES) {
          next += 1;
          const user = USERS[lane % USERS.length]!;
          const previous = locks.get(user) ?? Promise.resolve();
          const mine = previous.then(() => send(user));
          locks.set(user, mine);
          await mine;
        }
      });

      const at = async (fraction: number) => {
        while (done < DISPATCHES * fraction) await sleep(10);
      };
      // Each kill must find every steady client connected, or it would not live through it.
      const steadyClientsLive = () =>
        expect.poll(() => [...clients.values()].every((client) => client.live), { timeout: 30_000 }).toBe(true);
      /** Runs the checks of one client; a failure says what the client went through. */
      const explained = async (name: string, client: ResumingClient, checks: () => Promise<void>) => {
        try {
          await checks();
        } catch (error) {
          (error as Error).message +=
            `\n${name}'s last events:\n${client.history.join("\n")}\nthe gateway's last output:\n${gateway.output}`;
          throw error;
        }
      };
      await at(0.25);
      await steadyClientsLive();
      await gateway.kill("SIGKILL");
      await sleep(300);
      await gateway.start();
      await at(0.5);
      await bridge.stop("SIGKILL");
      bridge = undefined;
      await sleep(200);
      bridge = await startTheBridge();
      await at(0.75);
      await steadyClientsLive();
      await gateway.kill("SIGKILL");
      await sleep(300);
      await gateway.start();
      await Promise.all(senders);

      const depth = async () =>
        ((await socketRequest(bridge!.socketPath, "GET", "/health")).body as { spool_depth: number }).spool_depth;
      await expect.poll(depth, { timeout: 60_000 }).toBe(0);
      // Enough resumes happened whatever the machine's pace (restarts can take seconds).
      await expect.poll(() => flaky.reconnects, { timeout: 60_000 }).toBeGreaterThan(5);
      flapping = false;
      await flaps; // the flaky client comes back by itself after its last kill

      let total = 0;
      for (const user of USERS) {
        const ids = accepted.get(user)!;
        total += ids.length;
        expect(await wholeInbox(user)).toEqual(ids); // exactly once, in sending order
        const live = clients.get(user)!;
        await explained(user, live, async () => {
          await expect.poll(() => live.ids.length, { timeout: 30_000 }).toBe(ids.length);
          expect(live.ids).toEqual(ids);
          expect(live.duplicates).toBe(0);
          expect(live.reconnects).toBeGreaterThanOrEqual(2); // it lived through both worker kills
          expect([...live.seqs].sort((a, b) => a - b)).toEqual(live.seqs);
        });
      }
      expect(total).toBe(DISPATCHES);
      await explained("the flaky client", flaky, async () => {
        await expect.poll(() => flaky.ids.length, { timeout: 30_000 }).toBe(accepted.get(USERS[0]!)!.length);
        expect(flaky.ids).toEqual(accepted.get(USERS[0]!));
        expect(flaky.duplicates).toBe(0);
        expect(flaky.reconnects).toBeGreaterThan(5);
      });
      for (const client of [...clients.values(), flaky]) client.stop();
    },
  );
});
