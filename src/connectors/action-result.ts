import type { ActionResult } from "../models.js";

/** A successful action's result. */
export function succeeded(
  system: string,
  action: string,
  output: Record<string, unknown>,
  extra: Pick<ActionResult, "alreadyDone" | "rollbackData"> = {},
): ActionResult {
  return { action, system, success: true, output, ...extra };
}

/**
 * A failed action's result. Connectors never throw on API, network or database failures: the
 * workflow decides what to do, and the receipt records what happened. `secrets` are scrubbed from
 * every string of the output, so a token echoed back by a server or a DSN never lands in a receipt.
 */
export function failed(
  system: string,
  action: string,
  error: string,
  details: Record<string, unknown> = {},
  secrets: ReadonlyArray<string | undefined> = [],
): ActionResult {
  return { action, system, success: false, output: redact({ error, ...details }, secrets) };
}

/** Replaces every occurrence of each secret in every string of `value` with `[REDACTED]`. */
export function redact<T>(value: T, secrets: ReadonlyArray<string | undefined>): T {
  const present = secrets.filter((secret): secret is string => typeof secret === "string" && secret.length >= 4);
  if (present.length === 0) return value;
  return scrub(value, present) as T;
}

function scrub(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return secrets.reduce((text, secret) => text.split(secret).join("[REDACTED]"), value);
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets));
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrub(item, secrets)]));
  }
  return value;
}
