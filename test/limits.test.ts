import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeDispatch, note, userApi } from "./helpers/api.js";
import { startGateway, type Gateway } from "./helpers/gateway.js";
import { mintToken } from "./helpers/tokens.js";

// Every limit is a setting with a clear refusal; one user's limit is not another's.
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ DISPATCH_RATE_PER_USER_PER_MINUTE: "3" });
});
afterAll(() => gateway?.stop());

describe("dispatches per user per minute", () => {
  it("answers 429 with Retry-After past the limit, stores nothing, and leaves other users alone", async () => {
    for (let i = 1; i <= 3; i++) expect((await bridgeDispatch(gateway, "dora", note(`d${i}`))).status).toBe(200);
    const refused = await gateway.fetch("/bridge/v1/dispatch", {
      method: "POST",
      headers: { Authorization: `Bearer ${gateway.bridgeToken}` },
      body: JSON.stringify({ user: "dora", notification: note("d4") }),
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ code: 42902, error: expect.stringMatching(/limit reached/) });

    const token = await mintToken({ secret: gateway.jwtSecret, sub: "dora" });
    const { body } = await userApi(gateway, token, "GET", "/api/notifications");
    expect((body.notifications as Array<{ id: string }>).map((n) => n.id)).toEqual(["d3", "d2", "d1"]);

    expect((await bridgeDispatch(gateway, "egon", note("e1"))).status).toBe(200);
    // A retry of an id already stored is a duplicate, not a new dispatch: it is never limited.
    expect((await bridgeDispatch(gateway, "dora", note("d1"))).body).toMatchObject({ duplicate: true });
  });

  it("refuses limited items of a batch in place", async () => {
    const response = await gateway.fetch("/bridge/v1/dispatch/batch", {
      method: "POST",
      headers: { Authorization: `Bearer ${gateway.bridgeToken}` },
      body: JSON.stringify({
        dispatches: ["f1", "f2", "f3", "f4"].map((id) => ({ user: "fritz", notification: note(id) })),
      }),
    });
    const { results } = (await response.json()) as { results: Array<Record<string, unknown>> };
    expect(results.slice(0, 3).every((result) => result.stored === true)).toBe(true);
    expect(results[3]).toMatchObject({ code: 42902 });
  });
});
