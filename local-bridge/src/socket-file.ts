import { chmodSync, chownSync, existsSync, lstatSync, readFileSync, unlinkSync } from "node:fs";
import { connect } from "node:net";

/** Cron jobs and the web app reach the socket through group membership (legacy). */
export const SOCKET_MODE = 0o770;

/**
 * Makes the path free for a new listener: a leftover socket file from a
 * crashed bridge is removed, a live bridge on it is an error, and anything
 * that is not a socket is never deleted.
 */
export async function clearStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket()) {
    throw new Error(`${path} exists and is not a socket: remove it or set WS_DISPATCH_SOCKET`);
  }
  if (await isListening(path)) {
    throw new Error(`another process is serving ${path}: stop it first (systemctl stop analyst-bridge)`);
  }
  unlinkSync(path);
}

function isListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}

/** Sets mode 0770 and, when given, the owning group. */
export function secureSocket(path: string, gid: number | undefined): void {
  chmodSync(path, SOCKET_MODE);
  if (gid !== undefined) chownSync(path, -1, gid);
}

/** The gid of a group given by name or number; throws naming the setting. */
export function resolveGid(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  const line = readFileSync("/etc/group", "utf8")
    .split("\n")
    .find((entry) => entry.split(":")[0] === group);
  const gid = line?.split(":")[2];
  if (gid === undefined) throw new Error(`group ${group} does not exist: check WS_DISPATCH_SOCKET_GROUP`);
  return Number(gid);
}

export function removeSocket(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
