import { request } from "node:http";

export interface SocketAnswer {
  status: number;
  body: unknown;
}

/** The socket is missing or nobody listens on it. */
export class SocketUnavailable extends Error {
  override name = "SocketUnavailable";
}

/** One JSON request to the bridge over its Unix socket, as `curl --unix-socket` makes it. */
export function requestSocket(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 30_000,
  /** DISPATCH_TRUST=token: the caller's own dispatch token. */
  dispatchToken?: string,
): Promise<SocketAnswer> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        socketPath,
        method,
        path,
        timeout: timeoutMs,
        headers: {
          ...(text === undefined
            ? {}
            : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) }),
          ...(dispatchToken === undefined ? {} : { Authorization: `Bearer ${dispatchToken}` }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const raw = Buffer.concat(chunks).toString();
          let parsed: unknown = raw;
          try {
            parsed = JSON.parse(raw);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on("timeout", () => req.destroy(new SocketUnavailable(`no answer on ${socketPath} within ${timeoutMs} ms`)));
    req.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        error instanceof SocketUnavailable
          ? error
          : new SocketUnavailable(
              `cannot reach the bridge at ${socketPath} (${error.code ?? error.message}): is analyst-bridge serve running?`,
            ),
      ),
    );
    req.end(text);
  });
}
