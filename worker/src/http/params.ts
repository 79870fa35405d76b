import type { IRequest } from "itty-router";
import { ApiError, ERRORS } from "./errors.js";

/**
 * A path parameter, percent-decoded. A malformed escape (`%ZZ`) is the
 * client's mistake and answers 400; decodeURIComponent alone would throw a
 * URIError and end as a 500.
 */
export function pathParam(request: IRequest, name: string): string {
  const raw = request.params[name] ?? "";
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ApiError(ERRORS.invalidRequest, `${name} in the path has a malformed percent-escape`);
  }
}
