/**
 * Input checks run before any request. Agents build these inputs, so a wrong type or an id like
 * "../owners" is refused here (a failed result, no I/O) rather than sent to HubSpot.
 */
export class InvalidInput extends Error {
  override readonly name = "InvalidInput";
}

/** A non-empty email string, returned unchanged. */
export function checkEmail(email: unknown): string {
  if (typeof email !== "string" || email.trim() === "") throw new InvalidInput("email must be a non-empty string.");
  return email;
}

/** A HubSpot object id: digits only (a number is accepted and turned into its digits). */
export function checkId(name: string, id: unknown): string {
  const text = typeof id === "number" && Number.isSafeInteger(id) && id > 0 ? String(id) : id;
  if (typeof text !== "string" || !/^\d{1,20}$/.test(text)) {
    throw new InvalidInput(`${name} must be a HubSpot object id (digits only), got ${JSON.stringify(text) ?? String(text)}.`);
  }
  return text;
}

/** A plain object of string values, returned as given (properties pass through unchanged). */
export function checkProperties(properties: unknown, { nonEmpty = false } = {}): Record<string, string> {
  if (typeof properties !== "object" || properties === null || Array.isArray(properties)) {
    throw new InvalidInput("properties must be an object of property name → string value.");
  }
  const entries = Object.entries(properties);
  const wrong = entries.filter(([, value]) => typeof value !== "string").map(([name]) => name);
  if (wrong.length > 0) {
    throw new InvalidInput(`HubSpot property values must be strings (convert numbers and dates first): ${wrong.join(", ")}.`);
  }
  if (nonEmpty && entries.length === 0) throw new InvalidInput("properties must name at least one property to change.");
  return properties as Record<string, string>;
}

/** A valid point in time, from a Date or an ISO-8601 string. */
export function checkSince(since: unknown): Date {
  const date = since instanceof Date ? since : typeof since === "string" ? new Date(since) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new InvalidInput("since must be a valid Date or ISO-8601 string.");
  }
  return date;
}
