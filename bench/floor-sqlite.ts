// The durable floor's inbox: one SQLite row per notification, committed before delivery.
//
// Why the sqlite3 command-line program: Node 20 has no node:sqlite, npm here runs no native
// install scripts and downloads no prebuilt binaries (so no better-sqlite3), and the wasm builds
// on npm either keep the database in memory (sql.js) or run every write and sync on the event
// loop. Debian's sqlite3 is native SQLite, like the one inside workerd: one long-lived process,
// fed SQL over a pipe, WAL with synchronous=FULL (each commit is synced to disk before its marker
// row is printed), and its sync runs beside the floor's event loop, as workerd's storage does.
// Rows waiting while a commit runs share the next transaction (group commit).
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

interface Waiting {
  sql: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Where Debian puts it; bench/install-deps.sh installs it when missing. */
export const SQLITE3_BIN = "/usr/bin/sqlite3";

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

export class FloorInbox {
  private waiting: Waiting[] = [];
  private inFlight: Waiting[] | undefined;
  private commits = 0;
  private readonly child: ChildProcess;
  private failure: Error | undefined;

  constructor(path: string) {
    this.child = spawn(SQLITE3_BIN, ["-batch", path], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdin!.write(
      [
        "PRAGMA journal_mode=WAL;",
        "PRAGMA synchronous=FULL;",
        // The same idempotency as our inbox: a repeated id is stored once.
        "CREATE TABLE IF NOT EXISTS notifications (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, user TEXT NOT NULL, body TEXT NOT NULL);",
        "",
      ].join("\n"),
    );
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      if (line.startsWith("committed ")) this.committed();
    });
    this.child.stderr!.on("data", (chunk: Buffer) => this.fail(new Error(`sqlite3: ${chunk.toString().trim()}`)));
    this.child.once("exit", (code) => this.fail(new Error(`sqlite3 exited (${code})`)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  insert(id: string, user: string, body: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const sql = `INSERT OR IGNORE INTO notifications (id, user, body) VALUES (${quote(id)}, ${quote(user)}, ${quote(body)});`;
      this.waiting.push({ sql, resolve, reject });
      if (!this.inFlight) this.commit();
    });
  }

  close(): void {
    this.child.stdin!.end();
  }

  private commit(): void {
    if (!this.waiting.length) return;
    this.inFlight = this.waiting;
    this.waiting = [];
    this.commits += 1;
    const statements = this.inFlight.map((w) => w.sql).join("\n");
    this.child.stdin!.write(`BEGIN;\n${statements}\nCOMMIT;\nSELECT 'committed ${this.commits}';\n`);
  }

  private committed(): void {
    const done = this.inFlight ?? [];
    this.inFlight = undefined;
    for (const w of done) w.resolve();
    this.commit();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const w of [...(this.inFlight ?? []), ...this.waiting]) w.reject(error);
    this.inFlight = undefined;
    this.waiting = [];
  }
}
