import { z } from "zod";
import { Username } from "./dispatch.js";

// Frames of the agent channel: one outbound WebSocket from the bridge to the
// worker (`GET /bridge/v1/agent`, Bearer BRIDGE_TOKEN), so the worker can ask
// the data server to list or run a user's scripts without any inbound access.
// Every request carries an id; the bridge answers each with one response.

/** Close code of an agent socket that a newer bridge connection replaced. */
export const AGENT_REPLACED_CLOSE_CODE = 4000;

/** `x.py`: a file name in the user's scripts directory, nothing else. */
export const SCRIPT_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}\.py$/;

export const ScriptName = z
  .string()
  .regex(SCRIPT_NAME_PATTERN, "must be a file name like revenue_check.py")
  .meta({ description: "File name of a script in ~/user/notifications." });

/** Worker → bridge. */
export const AgentRequestFrame = z
  .discriminatedUnion("op", [
    z.object({ type: z.literal("request"), id: z.string().min(1).max(64), op: z.literal("list"), user: Username }),
    z.object({
      type: z.literal("request"),
      id: z.string().min(1).max(64),
      op: z.literal("run"),
      user: Username,
      name: ScriptName,
    }),
  ])
  .meta({ id: "AgentRequestFrame", title: "AgentRequestFrame" });
export type AgentRequestFrame = z.infer<typeof AgentRequestFrame>;

/** One entry of `notify-scripts list` (legacy). */
export const ScriptInfo = z
  .object({
    name: z.string(),
    stem: z.string(),
    last_run: z.string().nullable().meta({ description: 'Human text like "5m ago", or null.' }),
  })
  .meta({ id: "ScriptInfo", title: "ScriptInfo" });
export type ScriptInfo = z.infer<typeof ScriptInfo>;

/** `GET /api/desktop/scripts` (legacy): the helper's list as is. */
export const ScriptList = z.array(ScriptInfo).meta({ id: "ScriptList", title: "ScriptList" });

/** `POST /api/desktop/scripts/run` body (legacy). */
export const ScriptRunRequest = z
  .object({ name: ScriptName })
  .meta({ id: "ScriptRunRequest", title: "ScriptRunRequest" });
export type ScriptRunRequest = z.infer<typeof ScriptRunRequest>;

/** Bridge → worker: the answer to one request. */
export const AgentResponseFrame = z
  .union([
    z.object({
      type: z.literal("response"),
      id: z.string(),
      ok: z.literal(true),
      op: z.literal("list"),
      scripts: z.array(ScriptInfo),
    }),
    z.object({
      type: z.literal("response"),
      id: z.string(),
      ok: z.literal(true),
      op: z.literal("run"),
      notified: z.boolean().meta({ description: "The script said notify:true and it was queued." }),
    }),
    z.object({
      type: z.literal("response"),
      id: z.string(),
      ok: z.literal(false),
      error: z.string().meta({ description: "Why the helper failed; for logs, not shown to users." }),
    }),
  ])
  .meta({ id: "AgentResponseFrame", title: "AgentResponseFrame" });
export type AgentResponseFrame = z.infer<typeof AgentResponseFrame>;

/** The output contract of a notification script (docs/PROTOCOL.md), printed as one JSON object. */
export const ScriptOutput = z
  .object({
    notify: z.boolean(),
    title: z.string().optional(),
    message: z.string().optional(),
    image_path: z.string().optional(),
    cooldown: z
      .string()
      .regex(/^\d+[mhd]$/, "must be <N>m, <N>h or <N>d")
      .optional(),
  })
  .refine((output) => !output.notify || Boolean(output.title), {
    message: "notify:true needs a title",
    path: ["title"],
  })
  .meta({ id: "ScriptOutput", title: "ScriptOutput" });
export type ScriptOutput = z.infer<typeof ScriptOutput>;
