import { chmodSync, chownSync, existsSync, lstatSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { connect } from "node:net";
import { dirname } from "node:path";

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

/**
 * What makes the socket unsafe after secureSocket, or undefined: a mode or
 * group the filesystem did not take, or a directory where anyone may replace
 * the socket with their own (world-writable without the sticky bit).
 */
export function socketPermissionProblem(
  path: string,
  socket: { mode: number; gid: number },
  directory: { mode: number },
  gid: number | undefined,
): string | undefined {
  const mode = socket.mode & 0o777;
  if (mode !== SOCKET_MODE) {
    return `${path} has mode 0${mode.toString(8)}, not 0770: the filesystem ignores chmod; put WS_DISPATCH_SOCKET on a local filesystem such as /run`;
  }
  if (gid !== undefined && socket.gid !== gid) {
    return `${path} belongs to group ${socket.gid}, not ${gid}: the filesystem ignores chown; put WS_DISPATCH_SOCKET on a local filesystem such as /run`;
  }
  if ((directory.mode & 0o002) !== 0 && (directory.mode & 0o1000) === 0) {
    return `${dirname(path)} is world-writable without the sticky bit, so anyone could replace the socket: chmod o-w ${dirname(path)} (or put WS_DISPATCH_SOCKET elsewhere)`;
  }
  return undefined;
}

/** Stats the socket and its directory; throws socketPermissionProblem's message. */
export function verifySocketPermissions(path: string, gid: number | undefined): void {
  const problem = socketPermissionProblem(path, statSync(path), statSync(dirname(path)), gid);
  if (problem) throw new Error(problem);
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
