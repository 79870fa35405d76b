import { ERRORS, SCRIPT_NAME_PATTERN, errorBodyWith } from "@analyst-notifications/schemas";
import type { AgentResult } from "../objects/bridge-agent/bridge-agent.js";
import { bridgeAgent } from "../objects/stubs.js";
import type { Env } from "../env.js";
import { ApiError, json } from "../http/errors.js";
import { readJsonBody } from "../http/body.js";
import type { UserRequest } from "../http/preconditions.js";
import { loadConfig } from "../config.js";

/** Small JSON bodies: `{"name":"x.py"}`. */
const SCRIPT_RUN_BODY_LIMIT_BYTES = 4_096;

/** `GET /api/desktop/scripts` (legacy): the user's scripts, listed by the helper on the data server. */
export async function handleScriptsList(request: UserRequest, env: Env): Promise<Response> {
  const result = await scriptsBridge(env, request.username).request({ op: "list", user: request.username });
  if (result.ok && result.op === "list") return json(result.scripts);
  throw agentError(result, "the scripts helper failed");
}

/** `POST /api/desktop/scripts/run` (legacy): runs one script now; `notify:true` output becomes a notification. */
export async function handleScriptsRun(request: UserRequest, env: Env): Promise<Response> {
  const body = (await readJsonBody(request, SCRIPT_RUN_BODY_LIMIT_BYTES)) as { name?: unknown } | null;
  const name = body && typeof body === "object" ? body.name : undefined;
  if (name === undefined || name === null || name === "") throw new ApiError(ERRORS.missingScriptName);
  if (typeof name !== "string" || !SCRIPT_NAME_PATTERN.test(name)) {
    throw new ApiError(ERRORS.invalidScriptName, "expected a file name like revenue_check.py");
  }
  const result = await scriptsBridge(env, request.username).request({ op: "run", user: request.username, name });
  if (result.ok) return json({ ok: true });
  if (result.reason === "failed") {
    // Legacy body, with the name in the message.
    return json(errorBodyWith(ERRORS.scriptFailed, { name }), { status: ERRORS.scriptFailed.status });
  }
  throw agentError(result, "");
}

/** The agent of the bridge whose data server holds this user's scripts (SCRIPTS_BRIDGE_BY_USER, else the default). */
function scriptsBridge(env: Env, user: string) {
  const config = loadConfig(env);
  return bridgeAgent(env, config.scriptsBridgeByUser.get(user) ?? config.scriptsDefaultBridge);
}

function agentError(result: AgentResult, failedDetail: string): ApiError {
  if (result.ok) return new ApiError(ERRORS.internal, "unexpected answer from the bridge");
  if (result.reason === "unavailable") return new ApiError(ERRORS.agentUnavailable);
  if (result.reason === "timeout") return new ApiError(ERRORS.agentTimeout, result.error);
  return new ApiError(ERRORS.internal, failedDetail);
}
