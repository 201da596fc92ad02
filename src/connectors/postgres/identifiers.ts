/**
 * Identifier handling for the Postgres connector. Every table and column name an agent sends is
 * checked against a strict shape and then double-quoted; nothing else from the payload ever
 * becomes SQL text.
 */

/** Postgres truncates longer names (NAMEDATALEN - 1 bytes), which could silently target another table. */
export const MAX_IDENTIFIER_BYTES = 63;

// The shape of an unquoted Postgres identifier: a letter (any script) or underscore, then letters,
// digits, underscores or dollar signs. Quoting would allow anything, but a name with spaces,
// quotes, semicolons or control characters is far more likely an injection attempt than a table.
const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_$]*$/u;

/** Raised for a payload that cannot become a safe statement; the connector turns it into a failed result. */
export class InvalidInputError extends Error {
  override readonly name = "InvalidInputError";
}

/** A table name, checked and ready to embed: `"users"` or `"billing"."invoices"`. */
export interface TableName {
  /** The name as the caller wrote it, for messages and rollback data. */
  readonly name: string;
  /** The quoted SQL form. */
  readonly sql: string;
}

// Names already checked, with their quoted form. Only names that passed every check go in, so a
// hit is as good as checking again; agents reuse a handful of tables and columns, and the Unicode
// pattern and byte count are most of an action's own CPU time. Emptied when full, so a stream of
// distinct names costs memory once, never without bound.
const checkedNames = new Map<string, string>();
const checkedTables = new Map<string, TableName>();
const MAX_CACHED = 10_000;

/** Checks one identifier (a column, a schema or a bare table name) and returns it double-quoted. */
export function quoteIdentifier(name: unknown, what = "identifier"): string {
  if (typeof name !== "string") throw new InvalidInputError(`Invalid ${what}: expected a string, got ${typeof name}.`);
  const known = checkedNames.get(name);
  if (known !== undefined) return known;
  if (!IDENTIFIER.test(name)) {
    throw new InvalidInputError(
      `Invalid ${what} ${JSON.stringify(name)}: names must start with a letter or underscore and contain only letters, digits, underscores or $.`,
    );
  }
  if (Buffer.byteLength(name, "utf8") > MAX_IDENTIFIER_BYTES) {
    throw new InvalidInputError(
      `Invalid ${what} ${JSON.stringify(name.slice(0, 80))}: longer than ${MAX_IDENTIFIER_BYTES} bytes, which Postgres would silently truncate.`,
    );
  }
  // The pattern admits no double quote, so no escaping is needed; quoting keeps reserved words
  // (`user`, `order`) usable and makes the name exact (case-sensitive).
  const quoted = `"${name}"`;
  if (checkedNames.size >= MAX_CACHED) checkedNames.clear();
  checkedNames.set(name, quoted);
  return quoted;
}

/** Checks a table name, `table` or `schema.table`, and returns its quoted form. */
export function parseTableName(table: unknown): TableName {
  if (typeof table !== "string") throw new InvalidInputError(`Invalid table name: expected a string, got ${typeof table}.`);
  const known = checkedTables.get(table);
  if (known !== undefined) return known;
  const parts = table.split(".");
  if (parts.length > 2) {
    throw new InvalidInputError(`Invalid table name ${JSON.stringify(table)}: use "table" or "schema.table".`);
  }
  const parsed: TableName = Object.freeze({ name: table, sql: parts.map((part) => quoteIdentifier(part, "table name")).join(".") });
  if (checkedTables.size >= MAX_CACHED) checkedTables.clear();
  checkedTables.set(table, parsed);
  return parsed;
}
