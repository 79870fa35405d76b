import {
  AckFrame,
  AuthOkV2Frame,
  CLOSE_CODES,
  DeletedFrame,
  ErrorFrame,
  InboxChangeResponse,
  InboxListResponse,
  InboxNotification,
  NotificationV2Frame,
  ReadFrame,
  UnreadFrame,
  GATEWAY_PATHS,
  PING_FRAME as SCHEMA_PING_FRAME,
} from "@analyst-notifications/schemas";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { API_PATHS } from "../../raycast-extension/src/api/client";
import { SIGN_IN_AGAIN_CLOSE_CODES } from "../../raycast-extension/src/lib/live-socket";
import {
  PING_FRAME,
  ackFrame,
  parseInboxChange,
  parseInboxPage,
  parseNotification,
  parseServerFrame,
} from "../../raycast-extension/src/lib/wire";

// The extension is published alone, so its wire.ts is a hand-written copy of
// the contract. This ties the copy to schemas/ field by field: every field a
// schema has is either read by the extension under a named key or listed as
// deliberately ignored, so a field added, renamed or made optional in
// schemas/ fails here until wire.ts follows.

type Shape = Record<string, z.ZodType>;
/** Schema field → the extension's field, or null when the extension deliberately ignores it. */
type Mapping = Record<string, string | null>;

const FULL_NOTIFICATION = {
  id: "n-7",
  title: "Revenue down",
  message: "12 % below plan",
  timestamp: "2026-01-30T10:00:00Z",
  script: "revenue",
  image_url: "/api/notifications/images/revenue.png",
  seq: 7,
  read: false,
};

const NOTIFICATION_FIELDS: Mapping = {
  id: "id",
  title: "title",
  message: "message",
  timestamp: "timestamp",
  script: "script",
  image_url: "image_url",
  seq: "seq",
  read: "read",
};

function without(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

/**
 * Checks one object schema against the extension's reader: the same fields,
 * each value read unchanged, required ones required and optional ones optional.
 */
function checkFields(
  schema: z.ZodObject<Shape>,
  sample: Record<string, unknown>,
  read: (value: Record<string, unknown>) => Record<string, unknown> | undefined,
  mapping: Mapping,
) {
  expect(Object.keys(mapping).sort()).toEqual(Object.keys(schema.shape).sort());
  expect(schema.safeParse(sample).success).toBe(true);
  const parsed = read(sample);
  expect(parsed).toBeDefined();
  for (const [field, ours] of Object.entries(mapping)) {
    if (ours === null) continue;
    expect({ field, value: parsed![ours] }).toEqual({ field, value: sample[field] });
    const optional = schema.shape[field]!.safeParse(undefined).success;
    const readWithout = read(without(sample, field));
    expect({ field, optional, keptWithout: readWithout !== undefined }).toEqual({
      field,
      optional,
      keptWithout: optional,
    });
  }
}

function tryRead<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

describe("the extension's wire.ts against schemas/", () => {
  it("reads every field of an inbox notification, with the same names and optionality", () => {
    checkFields(
      InboxNotification as unknown as z.ZodObject<Shape>,
      FULL_NOTIFICATION,
      (value) => parseNotification(value) as Record<string, unknown> | undefined,
      NOTIFICATION_FIELDS,
    );
  });

  it("reads a notification frame as the notification it carries", () => {
    const frame = { type: "notification", ...FULL_NOTIFICATION };
    checkFields(
      NotificationV2Frame as unknown as z.ZodObject<Shape>,
      frame,
      (value) => {
        const parsed = parseServerFrame(JSON.stringify(value));
        return parsed?.type === "notification" ? { type: "notification", ...parsed.notification } : undefined;
      },
      { type: "type", ...NOTIFICATION_FIELDS },
    );
  });

  it("reads an inbox page", () => {
    checkFields(
      InboxListResponse as unknown as z.ZodObject<Shape>,
      { notifications: [FULL_NOTIFICATION], cursor: 9, unread: 1, has_more: true },
      (value) => tryRead(() => parseInboxPage(value)) as Record<string, unknown> | undefined,
      // has_more is read as hasMore; a page without it is a last page.
      { notifications: "notifications", cursor: "cursor", unread: "unread", has_more: null },
    );
    expect(parseInboxPage({ notifications: [], cursor: 1, unread: 0, has_more: true }).hasMore).toBe(true);
    expect(parseInboxPage({ notifications: [], cursor: 1, unread: 0, has_more: false }).hasMore).toBe(false);
  });

  it("reads auth_ok, ignoring the protocol number it asked for", () => {
    const sample = { type: "auth_ok", username: "ana", protocol: 2, cursor: 4, unread: 1, ack_window: 100 };
    checkFields(
      AuthOkV2Frame as unknown as z.ZodObject<Shape>,
      sample,
      (value) => {
        const parsed = parseServerFrame(JSON.stringify(value));
        return parsed?.type === "auth_ok" ? { ...parsed, ack_window: parsed.ackWindow } : undefined;
      },
      { type: "type", username: "username", protocol: null, cursor: "cursor", unread: "unread", ack_window: null },
    );
    // ack_window is required by the schema; the extension also talks to servers without acks.
    const parsed = parseServerFrame(JSON.stringify(sample));
    expect(parsed).toMatchObject({ ackWindow: 100 });
    expect(parseServerFrame(JSON.stringify(without(sample, "ack_window")))).not.toHaveProperty("ackWindow");
  });

  it("reads the read, unread, deleted and error frames the schemas allow", () => {
    const frames = [
      [ReadFrame, { type: "read", ids: ["a", "b"] }],
      [ReadFrame, { type: "read", all: true }],
      [UnreadFrame, { type: "unread", ids: ["a"] }],
      [DeletedFrame, { type: "deleted", ids: ["a"] }],
      [ErrorFrame, { type: "error", code: 40001, message: "invalid request" }],
    ] as const;
    for (const [schema, frame] of frames) {
      expect(schema.safeParse(frame).success).toBe(true);
      expect(parseServerFrame(JSON.stringify(frame))).toEqual(frame);
    }
    expect(Object.keys(ErrorFrame.shape).sort()).toEqual(["code", "message", "type"]);
    expect(Object.keys(UnreadFrame.shape).sort()).toEqual(["ids", "type"]);
    expect(Object.keys(DeletedFrame.shape).sort()).toEqual(["ids", "type"]);
  });

  it("reads an inbox change's unread count and changed number", () => {
    checkFields(
      InboxChangeResponse as unknown as z.ZodObject<Shape>,
      { ok: true, changed: 2, unread: 3, cursor: 9 },
      (value) => tryRead(() => parseInboxChange(value)) as Record<string, unknown> | undefined,
      // changed defaults to 0 when a server leaves it out; only unread is needed.
      { ok: null, changed: null, unread: "unread", cursor: null },
    );
    expect(parseInboxChange({ ok: true, changed: 2, unread: 3, cursor: 9 })).toEqual({ changed: 2, unread: 3 });
  });

  it("sends the exact ping and ack frames the server expects", () => {
    expect(PING_FRAME).toBe(SCHEMA_PING_FRAME);
    expect(AckFrame.safeParse(JSON.parse(ackFrame(12))).success).toBe(true);
  });

  it("signs out on exactly the close codes that mean the sign-in is no longer accepted", () => {
    expect(Object.keys(SIGN_IN_AGAIN_CLOSE_CODES).map(Number).sort()).toEqual(
      [CLOSE_CODES.authFailed, CLOSE_CODES.revoked].sort(),
    );
  });

  it("calls the server's paths by the names schemas/ gives them", () => {
    for (const [name, path] of Object.entries(API_PATHS)) {
      expect({ name, path }).toEqual({ name, path: GATEWAY_PATHS[name as keyof typeof GATEWAY_PATHS] });
    }
  });
});
