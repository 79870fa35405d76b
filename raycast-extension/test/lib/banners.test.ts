import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BANNER_SCRIPT, bannerArguments, parseSeenIds, planBanners, withSeenIds } from "../../src/lib/banners";
import { notification } from "./fixtures";

describe("banners", () => {
  it("shows at most the cap, newest first, and summarizes the rest", () => {
    const added = [1, 2, 3, 4, 5].map((seq) => notification(seq));
    const plan = planBanners(added, [], { cap: 2 });
    expect(plan.banners).toEqual([
      { title: "Alert 5", message: "Message 5" },
      { title: "Alert 4", message: "Message 4" },
      { title: "Analyst Notifications", message: "3 more new notifications" },
    ]);
    expect(plan.seenIds).toHaveLength(5);
  });

  it("never announces the same id twice", () => {
    const first = planBanners([notification(1)], []);
    expect(first.banners).toHaveLength(1);
    const second = planBanners([notification(1), notification(2)], first.seenIds);
    expect(second.banners).toEqual([{ title: "Alert 2", message: "Message 2" }]);
    expect(planBanners([notification(1), notification(2)], second.seenIds).banners).toEqual([]);
  });

  it("skips notifications already read elsewhere", () => {
    expect(planBanners([notification(1, { read: true })], []).banners).toEqual([]);
  });

  it("remembers a bounded number of ids, the newest", () => {
    const plan = planBanners([notification(3), notification(4)], ["a", "b", "c"], { seenMax: 3 });
    expect(plan.seenIds).toEqual(["c", "n-3", "n-4"]);
  });

  it("reads stored seen ids defensively", () => {
    expect(parseSeenIds(undefined)).toEqual([]);
    expect(parseSeenIds("garbage")).toEqual([]);
    expect(parseSeenIds('["a",1,"b"]')).toEqual(["a", "b"]);
  });

  it("passes the text as arguments, outside the AppleScript source", () => {
    const hostile = { title: '" & (do shell script "rm -rf ~") & "', message: "-e\nbeep" };
    const args = bannerArguments(hostile);
    expect(BANNER_SCRIPT).not.toContain("rm -rf");
    expect(args).toEqual([hostile.title, hostile.message]);
    // The arguments survive a real exec unchanged (printf stands in for osascript).
    const echoed = execFileSync("/usr/bin/printf", ["%s|", ...args], { encoding: "utf8" });
    expect(echoed).toBe(`${hostile.title}|${hostile.message}|`);
  });

  it("adds ids shown elsewhere to the seen list once, capped", () => {
    expect(withSeenIds(["a", "b"], ["b", "c"])).toEqual(["a", "b", "c"]);
    expect(withSeenIds(["a", "b"], ["c", "d"], 3)).toEqual(["b", "c", "d"]);
  });
});
