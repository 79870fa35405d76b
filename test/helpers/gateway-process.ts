import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The worker in the host `npm start` runs (scripts/gateway-host.ts), in a
 * process group of its own, so a test can kill it with SIGKILL, workerd
 * included, and start it again on the same port with the same persisted storage.
 */
export class GatewayProcess {
  readonly jwtSecret = randomBytes(32).toString("hex");
  readonly bridgeToken = randomBytes(32).toString("hex");
  port = 0;
  /** The end of what the host and workerd printed, across restarts (for failure messages). */
  output = "";
  private child: ChildProcess | undefined;

  constructor(
    private readonly persistDir: string,
    private readonly vars: Record<string, string> = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get socketUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws/notifications`;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ["--import", "tsx", `${ROOT}scripts/gateway-host.ts`], {
      cwd: ROOT,
      detached: true, // own process group: kill() reaches workerd too
      env: {
        ...process.env,
        GATEWAY_PORT: String(this.port),
        GATEWAY_PERSIST: this.persistDir,
        GATEWAY_VARS: JSON.stringify({
          DESKTOP_JWT_SECRET: this.jwtSecret,
          BRIDGE_TOKEN: this.bridgeToken,
          ...this.vars,
        }),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const url = await new Promise<string>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => reject(new Error(`gateway did not start: ${output}`)), 60_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        this.output = (this.output + chunk.toString()).slice(-8_000);
        const match = output.match(/GATEWAY_READY (\S+)/);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => reject(new Error(`gateway exited (${code}): ${output}`)));
    });
    this.port = Number(new URL(url).port);
  }

  /** Kills the whole group (host and workerd) and waits for the host to be gone. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(-child.pid!, signal);
    await exited;
  }

  fetch(path: string, init?: RequestInit): Promise<Response> {
    return fetch(`${this.url}${path}`, init);
  }
}
