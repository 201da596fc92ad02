/** What a failed HubSpot call becomes in a failed ActionResult's output (besides `error`). */
export interface HubSpotFailure {
  /** A readable one-line message; HubSpot's own message when it sent one. */
  message: string;
  /** HTTP status, when HubSpot (or something in between) answered. */
  status?: number;
  /** HubSpot's error category, e.g. `VALIDATION_ERROR`, `RATE_LIMITS`. */
  category?: string;
  /** HubSpot's correlation id, for its support. */
  correlationId?: string;
  /** Seconds to wait before retrying, from the Retry-After header of a 429 or 503. */
  retryAfter?: number;
}

import { redact } from "../action-result.js";

const MAX_MESSAGE_LENGTH = 500;

/**
 * Turns whatever the HubSpot client threw into plain data, with `secrets` (the access token)
 * replaced by `[REDACTED]` before long messages are cut. Every generated API of
 * `@hubspot/api-client` throws its own `ApiException` class (`code`, `body`, `headers`), so it is
 * recognised by shape rather than `instanceof`. Its `message` is not used: it dumps the whole body
 * and response headers. Anything else (network failure, unparseable body) keeps only its message.
 */
export function describeHubSpotError(error: unknown, secrets: ReadonlyArray<string | undefined> = []): HubSpotFailure {
  // Secrets are scrubbed before messages are cut: cut first, a token's prefix would survive.
  const truncate = (text: string): string => truncated(redact(text, secrets));
  if (isApiException(error)) {
    const body = error.body;
    const failure: HubSpotFailure = { message: messageFrom(body, error.code, truncate), status: error.code };
    if (isRecord(body) && typeof body.category === "string") failure.category = body.category;
    if (isRecord(body) && typeof body.correlationId === "string") failure.correlationId = body.correlationId;
    const retryAfter = parseRetryAfter(error.headers?.["retry-after"]);
    if (retryAfter !== undefined) failure.retryAfter = retryAfter;
    return failure;
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message: truncate(message) };
}

/** The id in HubSpot's 409 "Contact already exists. Existing ID: 123", if that is what this is. */
export function existingContactId(failure: HubSpotFailure): string | undefined {
  if (failure.status !== 409) return undefined;
  return /Existing ID:\s*(\d+)/.exec(failure.message)?.[1];
}

interface ApiExceptionLike {
  code: number;
  body: unknown;
  headers?: Record<string, string>;
}

function isApiException(error: unknown): error is ApiExceptionLike {
  return error instanceof Error && typeof (error as { code?: unknown }).code === "number" && "body" in error;
}

function messageFrom(body: unknown, status: number, truncate: (text: string) => string): string {
  if (isRecord(body) && typeof body.message === "string" && body.message !== "") return truncate(body.message);
  if (typeof body === "string" && body.trim() !== "") return truncate(`HTTP ${status}: ${body.trim()}`);
  return `HTTP ${status} from HubSpot with no error message`;
}

function parseRetryAfter(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

// Error pages from proxies can be large; a receipt needs the gist, not the page.
function truncated(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}
