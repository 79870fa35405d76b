import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  PROGRAMS,
  claudePrompt,
  expandHome,
  launcherScript,
  resolveClaudePath,
  shellQuote,
  terminalCommand,
} from "../../src/lib/claude-code";
import { notification } from "./fixtures";

const HOSTILE = `it's "quoted" $(touch /tmp/pwned) \`id\` ; rm -rf ~ \n second line \\ end`;

describe("Open in Claude Code", () => {
  it("quotes any text so a real shell passes it through unchanged", () => {
    const out = execFileSync("/bin/sh", ["-c", `printf %s ${shellQuote(HOSTILE)}`], { encoding: "utf8" });
    expect(out).toBe(HOSTILE);
  });

  it("runs the launcher: the directory, the program by absolute path, the prompt intact", () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "claude-launch-")));
    const workdir = join(dir, "work dir 'with' quotes");
    execFileSync("/bin/mkdir", [workdir]);
    // A stand-in `claude` that records its working directory and arguments.
    const fakeClaude = join(dir, "claude");
    writeFileSync(
      fakeClaude,
      `#!/bin/sh\npwd > "${dir}/cwd"\nprintf %s "$1" > "${dir}/prompt"\necho "$#" > "${dir}/argc"\n`,
    );
    chmodSync(fakeClaude, 0o755);
    const script = join(dir, "launch.sh");
    const prompt = claudePrompt(notification(1, { message: HOSTILE, script: "revenue" }));
    writeFileSync(script, launcherScript({ claudePath: fakeClaude, workingDirectory: workdir, prompt }), {
      mode: 0o700,
    });
    execFileSync("/bin/sh", [script]);
    expect(readFileSync(join(dir, "cwd"), "utf8").trim()).toBe(workdir);
    expect(readFileSync(join(dir, "prompt"), "utf8")).toBe(prompt);
    expect(readFileSync(join(dir, "argc"), "utf8").trim()).toBe("1");
    expect(() => readFileSync(script)).toThrow(); // the script removed itself
  });

  it("quotes the notification in the prompt and bounds its size", () => {
    const prompt = claudePrompt(
      notification(1, { title: "Revenue drop", message: "line 1\nline 2\u0007", script: "rev" }),
    );
    expect(prompt).toContain("> Title: Revenue drop");
    expect(prompt).toContain("> Script: rev.py");
    expect(prompt).toContain("> line 1\n> line 2");
    expect(prompt).not.toContain("\u0007");
    expect(claudePrompt(notification(1, { message: "x".repeat(20_000) }), 500)).toHaveLength(500);
  });

  it("finds claude by absolute path only", () => {
    const home = "/Users/ana";
    const exists = (path: string) => path === "/opt/homebrew/bin/claude";
    expect(resolveClaudePath(undefined, home, exists)).toBe("/opt/homebrew/bin/claude");
    expect(resolveClaudePath("~/bin/claude", home, (path) => path === "/Users/ana/bin/claude")).toBe(
      "/Users/ana/bin/claude",
    );
    expect(() => resolveClaudePath("claude", home, () => true)).toThrow(/must be absolute/);
    expect(() => resolveClaudePath("/nope/claude", home, () => false)).toThrow(/not found at \/nope\/claude/);
    expect(() => resolveClaudePath(undefined, home, () => false)).toThrow(/Claude Code CLI not found/);
    expect(expandHome("~", home)).toBe(home);
    expect(expandHome("/abs", home)).toBe("/abs");
  });

  it("opens each terminal by absolute program path with the script path as an argument", () => {
    const path = "/tmp/it's here/launch.sh";
    const terminal = terminalCommand("terminal", path);
    expect(terminal.program).toBe(PROGRAMS.osascript);
    expect(terminal.args.slice(-2)).toEqual(["--", `/bin/zsh ${shellQuote(path)}`]);
    expect(terminal.args.join("\n")).toContain('tell application "Terminal"');
    expect(terminalCommand("iterm", path).args.join("\n")).toContain('tell application "iTerm"');
    expect(terminalCommand("ghostty", path)).toEqual({
      program: "/usr/bin/open",
      args: ["-na", "Ghostty", "--args", "-e", "/bin/zsh", path],
    });
  });
});
