// Keeps the parts of `npm start` running: a part that dies is restarted with
// backoff (one log line each), a part that keeps dying before it is ready
// stops everything with a message, and a stop lets each part finish (the
// bridge answers its calls in flight) before it is killed.
import { spawn } from "node:child_process";
import { connect } from "node:net";

/** First delay before restarting a part that died; doubles with each death in a row. */
export const DEFAULT_RESTART_DELAY_MS = 250;
/** Longest delay between restarts. */
export const DEFAULT_RESTART_DELAY_MAX_MS = 8_000;
/** A part that ran this long before dying starts its backoff over. */
export const DEFAULT_RESTART_STABLE_AFTER_MS = 30_000;
/** Deaths in a row before the part was ready (a bad setting, a taken port) after which `npm start` gives up. */
export const DEFAULT_RESTART_MAX_FAILED_STARTS = 5;
/** How long a part may take to become ready before it counts as failed (the gateway bundles and boots workerd). */
export const DEFAULT_READY_TIMEOUT_MS = 60_000;
/** How long a part may take to stop after SIGTERM before it is killed: above the bridge's drain time (5 s). */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One line per event, prefixed so it stands out from the parts' own output. */
export function say(line) {
  console.error(`[npm start] ${line}`);
}

/**
 * One supervised part. `start()` spawns it in a process group of its own (so
 * a restart or stop also reaches its children, e.g. workerd) and resolves
 * once `ready(child)` does; after that, a death restarts it.
 */
export class Part {
  /** Restarts after a death (not counting the first start). */
  restarts = 0;
  /** @type {import("node:child_process").ChildProcess | undefined} */
  child;
  #stopping = false;
  #deathsInRow = 0;
  #failedStartsInRow = 0;
  #startedAt = 0;
  #timer;

  /**
   * @param {object} options
   * @param {string} options.name
   * @param {() => import("node:child_process").ChildProcess} options.spawn
   * @param {(child: import("node:child_process").ChildProcess) => Promise<void>} options.ready
   * @param {(part: Part) => void} [options.onReady] after every start that became ready
   * @param {(message: string) => void} options.onGiveUp
   */
  constructor(options) {
    this.options = options;
  }

  get name() {
    return this.options.name;
  }

  /** Starts the part; resolves once it is ready, false if it gave up. */
  async start() {
    const child = this.options.spawn();
    this.child = child;
    this.#startedAt = Date.now();
    const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(signal ?? code)));
    const ready = await Promise.race([
      this.options.ready(child).then(
        () => true,
        () => false,
      ),
      exited.then(() => false),
      sleep(DEFAULT_READY_TIMEOUT_MS).then(() => false),
    ]);
    if (this.#stopping) return false;
    if (!ready) {
      this.#failedStartsInRow += 1;
      killGroup(child, "SIGKILL");
      const cause = child.exitCode !== null || child.signalCode !== null ? await exited : "not ready in time";
      if (this.#failedStartsInRow >= DEFAULT_RESTART_MAX_FAILED_STARTS) {
        this.options.onGiveUp(
          `${this.name} failed ${this.#failedStartsInRow} times in a row before it was ready (last: ${cause}); ` +
            "its output above says why.",
        );
        return false;
      }
      return this.#restartLater(cause);
    }
    this.#failedStartsInRow = 0;
    void exited.then((cause) => {
      if (this.#stopping || this.child !== child) return;
      killGroup(child, "SIGKILL"); // whatever it left behind (workerd of a killed host)
      if (Date.now() - this.#startedAt > DEFAULT_RESTART_STABLE_AFTER_MS) this.#deathsInRow = 0;
      void this.#restartLater(cause);
    });
    this.options.onReady?.(this);
    return true;
  }

  async #restartLater(cause) {
    const delayMs = Math.min(DEFAULT_RESTART_DELAY_MAX_MS, DEFAULT_RESTART_DELAY_MS * 2 ** this.#deathsInRow);
    this.#deathsInRow += 1;
    this.restarts += 1;
    say(`${this.name} exited (${cause}); restart ${this.restarts} in ${(delayMs / 1000).toFixed(1)} s`);
    await new Promise((resolve) => (this.#timer = setTimeout(resolve, delayMs)));
    if (this.#stopping) return false;
    return this.start();
  }

  /** SIGTERM, then SIGKILL of the whole group after DEFAULT_STOP_TIMEOUT_MS (or at once with `now`). */
  async stop(now = false) {
    this.#stopping = true;
    clearTimeout(this.#timer);
    const child = this.child;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      if (now) killGroup(child, "SIGKILL");
      else child.kill("SIGTERM");
      await Promise.race([exited, sleep(now ? 2_000 : DEFAULT_STOP_TIMEOUT_MS)]);
    }
    killGroup(child, "SIGKILL");
  }
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Resolves once `check()` is true, polling every 100 ms; rejects if `child` exits first. */
export async function until(check, child) {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error("exited");
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
}

/** True when a process accepts connections on the Unix socket (a stale file from a killed bridge does not). */
export function socketAnswers(path) {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}

/** Spawns a part in a process group of its own. */
export function spawnPart(command, args, options) {
  return spawn(command, args, { detached: true, ...options });
}
