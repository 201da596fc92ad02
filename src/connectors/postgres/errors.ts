/** What the connector reports about a failed statement: a readable message and the fields worth keeping. */
export interface DatabaseFailure {
  readonly message: string;
  readonly details: Record<string, string>;
}

// Fields of pg's DatabaseError that help a reader; `where`, `file`, `line`, `routine` are server internals.
const SERVER_FIELDS = ["code", "detail", "hint", "schema", "table", "column", "constraint"] as const;

/**
 * Describes anything a query threw: a server error keeps its SQLSTATE `code` (e.g. `23505`) and
 * hints; a network error keeps its errno code (e.g. `ECONNREFUSED`). Node reports a refused
 * `localhost` (tried on ::1 and 127.0.0.1) as an AggregateError with an empty message, so the
 * inner messages are used then.
 */
export function describeDatabaseError(error: unknown): DatabaseFailure {
  if (!(error instanceof Error)) return { message: String(error), details: {} };
  const fields = error as Error & Partial<Record<(typeof SERVER_FIELDS)[number], unknown>>;
  const details: Record<string, string> = {};
  for (const field of SERVER_FIELDS) {
    const value = fields[field];
    if (typeof value === "string" && value !== "") details[field] = value;
  }
  let message = error.message;
  if (message === "" && error instanceof AggregateError) {
    const inner = error.errors.filter((item): item is Error => item instanceof Error);
    message = inner.map((item) => item.message).join("; ");
    const code = (inner[0] as { code?: unknown } | undefined)?.code;
    if (details.code === undefined && typeof code === "string") details.code = code;
  }
  return { message: message === "" ? error.name : message, details };
}

/**
 * The password in a connection string, in every form it could be echoed back (as written and
 * percent-decoded), so `failed()` can scrub it. Handles URLs and `key=value` strings.
 */
export function passwordsIn(connectionString: string | undefined): string[] {
  if (connectionString === undefined) return [];
  const found: string[] = [];
  try {
    const url = new URL(connectionString);
    if (url.password !== "") found.push(url.password, safeDecode(url.password));
  } catch {
    // Not a URL: try the libpq key=value form below.
  }
  const keyValue = /(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/i.exec(connectionString);
  const raw = keyValue?.[1];
  if (raw !== undefined) found.push(raw, raw.replace(/^'|'$/g, "").replace(/\\(.)/g, "$1"));
  return [...new Set(found)];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
