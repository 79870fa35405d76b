import { Toast, showToast } from "@raycast/api";
import { showFailureToast } from "@raycast/utils";
import type { ApiClient } from "../api/client";
import { runScript } from "../api/runScript";
import { AuthRequiredError, getErrorMessage } from "../lib/errors";
import { refreshMenuBarCommand } from "./launch";

/** Runs a script on the data server with a progress toast; the result arrives as a notification. */
export async function runScriptWithToast(client: ApiClient, name: string, onDone: () => void): Promise<void> {
  const toast = await showToast({ style: Toast.Style.Animated, title: `Running ${name}` });
  try {
    await runScript(client, name);
    toast.style = Toast.Style.Success;
    toast.title = `Ran ${name}`;
    toast.message = "Its result arrives as a notification";
    onDone();
    await refreshMenuBarCommand();
  } catch (failure) {
    await showFailureToast(getErrorMessage(failure), { title: `Failed to run ${name}` });
    if (failure instanceof AuthRequiredError) onDone();
  }
}
