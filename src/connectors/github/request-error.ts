import { describeError } from "../../policy.js";

/** What a failed GitHub call contributes to a failed ActionResult's output. */
export interface GitHubFailure {
  /** Readable, e.g. `Could not create branch 'x' in acme/app: Reference already exists (HTTP 422)`. */
  readonly error: string;
  readonly details: Record<string, unknown>;
}

// The fields of Octokit's RequestError we read. Duck-typed so a RequestError from another copy of
// @octokit/request-error (e.g. the user's own Octokit) is recognised too.
interface RequestErrorLike {
  readonly name: string;
  readonly status: number;
  readonly message: string;
  readonly response?: { readonly headers?: Record<string, string | undefined>; readonly data?: unknown };
}

/** True for Octokit's RequestError (`name === "HttpError"`, numeric `status`). */
export function isRequestError(error: unknown): error is RequestErrorLike {
  return (
    error instanceof Error && error.name === "HttpError" && typeof (error as { status?: unknown }).status === "number"
  );
}

/**
 * Turns anything an Octokit call threw into GitHub's own message and status, plus what a caller
 * needs to react: the validation errors of a 422, `retryAfterSeconds` of a secondary rate limit,
 * `rateLimitResetAt` of a primary one. Never includes request headers (they hold the token).
 */
export function describeGitHubFailure(context: string, error: unknown): GitHubFailure {
  if (!isRequestError(error)) {
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
      return { error: `${context}: the request to GitHub timed out or was aborted`, details: { timeout: true } };
    }
    return { error: `${context}: ${describeError(error)}`, details: {} };
  }
  const response = error.response;
  if (response === undefined) {
    // Octokit reports network failures (DNS, refused connection, TLS) as status 500 without a response.
    return { error: `${context}: could not reach GitHub (${error.message})`, details: { networkError: true } };
  }
  const data = (typeof response.data === "object" && response.data !== null ? response.data : {}) as Record<
    string,
    unknown
  >;
  const githubMessage =
    typeof data.message === "string"
      ? data.message
      : typeof response.data === "string" && response.data !== ""
        ? response.data
        : `HTTP ${error.status}`;
  const validation = Array.isArray(data.errors) ? data.errors.map(describeValidationError) : [];
  const headers = response.headers ?? {};
  const details: Record<string, unknown> = { status: error.status, githubMessage };
  if (typeof data.documentation_url === "string") details.documentationUrl = data.documentation_url;
  if (validation.length > 0) details.validationErrors = validation;
  const retryAfter = Number(headers["retry-after"]);
  const rateLimited =
    (error.status === 403 || error.status === 429) &&
    (headers["retry-after"] !== undefined ||
      headers["x-ratelimit-remaining"] === "0" ||
      /rate limit/i.test(githubMessage));
  if (rateLimited) {
    details.rateLimited = true;
    if (Number.isFinite(retryAfter)) details.retryAfterSeconds = retryAfter;
    const reset = Number(headers["x-ratelimit-reset"]);
    if (Number.isFinite(reset) && reset > 0) details.rateLimitResetAt = new Date(reset * 1000).toISOString();
  }
  if (typeof headers["x-github-request-id"] === "string") details.requestId = headers["x-github-request-id"];
  const explained = validation.length > 0 ? `${githubMessage}: ${validation.join("; ")}` : githubMessage;
  return { error: `${context}: ${explained} (HTTP ${error.status})`, details };
}

/** The HTTP status of a RequestError that carries a response, else undefined. */
export function statusOf(error: unknown): number | undefined {
  return isRequestError(error) && error.response !== undefined ? error.status : undefined;
}

function describeValidationError(entry: unknown): string {
  if (typeof entry === "string") return entry;
  if (typeof entry !== "object" || entry === null) return String(entry);
  const { message, resource, field, code } = entry as Record<string, unknown>;
  if (typeof message === "string") return message;
  return (
    [resource, field].filter((part) => typeof part === "string").join(".") +
    (typeof code === "string" ? ` ${code}` : "")
  );
}
