import { describe, expect, it } from "vitest";
import type { Env } from "../src/env.js";
import { connectionRegistry, legacyLobby, userInbox } from "../src/objects/stubs.js";

/** A namespace that records the names it was asked for. */
function namespace(asked: string[]) {
  return { getByName: (name: string) => (asked.push(name), { name }) };
}

describe("object stubs", () => {
  it("name each object as before: user, shard number, one global registry", () => {
    const asked: string[] = [];
    const env = {
      USER_INBOX: namespace(asked),
      LEGACY_LOBBY: namespace(asked),
      CONNECTION_REGISTRY: namespace(asked),
    } as unknown as Env;
    userInbox(env, "alice");
    legacyLobby(env, 3);
    connectionRegistry(env);
    expect(asked).toEqual(["alice", "3", "global"]);
  });

  it("fail loudly, naming the fix, when a binding or a name is missing", () => {
    expect(() => userInbox({} as Env, "alice")).toThrow(/USER_INBOX is missing: add it under \[\[durable_objects/);
    const env = { USER_INBOX: namespace([]) } as unknown as Env;
    expect(() => userInbox(env, "")).toThrow(/USER_INBOX: an object needs a non-empty name/);
  });
});
