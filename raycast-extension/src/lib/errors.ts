/** The stored sign-in is gone or no longer accepted: the user must sign in again. */
export class AuthRequiredError extends Error {
  override name = "AuthRequiredError";
  constructor(message = "Sign in again: the server no longer accepts this sign-in") {
    super(message);
  }
}

/** A preference is missing or unusable (the Server URL): the user must fix it in the preferences. */
export class SettingsError extends Error {
  override name = "SettingsError";
}

/** The server answered with an error body (`{"error","code"}`) or an unexpected status. */
export class ApiRequestError extends Error {
  override name = "ApiRequestError";
  constructor(
    message: string,
    readonly status: number,
    /** The catalog code of the server's error body, when it sent one. */
    readonly code?: number,
  ) {
    super(message);
  }
}

/** The one place that turns any failure into the sentence a toast shows. */
export function getErrorMessage(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "AbortError" || error.name === "TimeoutError") return "The server did not answer in time";
    const cause = (error as Error & { cause?: unknown }).cause;
    if (error.message === "fetch failed" && cause instanceof Error) return `Cannot reach the server (${cause.message})`;
    return error.message;
  }
  return typeof error === "string" ? error : "Unknown error";
}
