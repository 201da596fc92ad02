import { InvalidInputError, parseTableName, quoteIdentifier, type TableName } from "./identifiers.js";

/** SQL text built only from quoted identifiers and `$n` placeholders, plus the values to bind. */
export interface Statement {
  readonly text: string;
  readonly values: unknown[];
}

/** The most rows `selectRows` returns in one call. */
export const MAX_LIMIT = 10_000;

/** Column → value. Values are always sent as bound parameters. */
export type Row = Record<string, unknown>;

/** `INSERT INTO t ("a", "b") VALUES ($1, $2) RETURNING *` */
export function insertStatement(table: TableName, data: unknown): Statement {
  const entries = columnValues(data, "data");
  const columns = entries.map(([column]) => column).join(", ");
  const placeholders = entries.map((_, index) => `$${index + 1}`).join(", ");
  return {
    text: `INSERT INTO ${table.sql} (${columns}) VALUES (${placeholders}) RETURNING *`,
    values: entries.map(([, value]) => value),
  };
}

/** `UPDATE t SET "a" = $1 WHERE "id" = $2 RETURNING *`; an empty `where` is refused. */
export function updateStatement(table: TableName, data: unknown, where: unknown): Statement {
  const entries = columnValues(data, "data");
  const assignments = entries.map(([column], index) => `${column} = $${index + 1}`).join(", ");
  const filter = whereClause(where, entries.length + 1, { required: "update_row" });
  return {
    text: `UPDATE ${table.sql} SET ${assignments} WHERE ${filter.text} RETURNING *`,
    values: [...entries.map(([, value]) => value), ...filter.values],
  };
}

/** `DELETE FROM t WHERE "id" = $1 RETURNING *`; an empty `where` is refused. */
export function deleteStatement(table: TableName, where: unknown): Statement {
  const filter = whereClause(where, 1, { required: "delete_row" });
  return { text: `DELETE FROM ${table.sql} WHERE ${filter.text} RETURNING *`, values: filter.values };
}

/** `SELECT * FROM t [WHERE ...] LIMIT $n` */
export function selectStatement(table: TableName, where: unknown, limit: unknown): Statement {
  const filter = where === undefined ? { text: "", values: [] } : whereClause(where, 1, {});
  const limitIndex = filter.values.length + 1;
  return {
    text: `SELECT * FROM ${table.sql}${filter.text === "" ? "" : ` WHERE ${filter.text}`} LIMIT $${limitIndex}`,
    values: [...filter.values, checkLimit(limit)],
  };
}

/** `SELECT * FROM t WHERE ... FOR UPDATE`: the rows an update will change, locked, as they were. */
export function lockRowsStatement(table: TableName, where: unknown, action: string): Statement {
  const filter = whereClause(where, 1, { required: action });
  return { text: `SELECT * FROM ${table.sql} WHERE ${filter.text} FOR UPDATE`, values: filter.values };
}

/** `limit` must be a whole number from 1 to MAX_LIMIT. */
export function checkLimit(limit: unknown): number {
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new InvalidInputError(`Invalid limit ${JSON.stringify(limit) ?? String(limit)}: expected an integer from 1 to ${MAX_LIMIT}.`);
  }
  return limit;
}

/** Checks a table name; re-exported so callers validate before touching the pool. */
export { parseTableName };

function whereClause(
  where: unknown,
  firstIndex: number,
  options: { required?: string },
): { text: string; values: unknown[] } {
  if (where === undefined || where === null) {
    if (options.required !== undefined) {
      throw new InvalidInputError(`${options.required} needs a non-empty where; refusing to touch every row of the table.`);
    }
    return { text: "", values: [] };
  }
  const entries = columnValues(where, "where", { allowEmpty: true });
  if (entries.length === 0) {
    if (options.required !== undefined) {
      throw new InvalidInputError(`${options.required} needs a non-empty where; refusing to touch every row of the table.`);
    }
    return { text: "", values: [] };
  }
  const values: unknown[] = [];
  const conditions = entries.map(([column, value]) => {
    // `= NULL` never matches; `IS NULL` is what a caller writing { deletedAt: null } means.
    if (value === null) return `${column} IS NULL`;
    values.push(value);
    return `${column} = $${firstIndex + values.length - 1}`;
  });
  return { text: conditions.join(" AND "), values };
}

function columnValues(
  record: unknown,
  what: "data" | "where",
  options: { allowEmpty?: boolean } = {},
): Array<[string, unknown]> {
  if (!isPlainObject(record)) {
    throw new InvalidInputError(`Invalid ${what}: expected an object of column → value.`);
  }
  const entries = Object.entries(record);
  if (entries.length === 0 && options.allowEmpty !== true) {
    throw new InvalidInputError(`${what} is empty: nothing to write.`);
  }
  return entries.map(([column, value]) => {
    const quoted = quoteIdentifier(column, `column name in ${what}`);
    if (value === undefined || typeof value === "function" || typeof value === "symbol") {
      throw new InvalidInputError(`Invalid value for ${what}.${column}: ${typeof value} cannot be stored; use null for SQL NULL.`);
    }
    return [quoted, value];
  });
}

/** True for `{}`-style objects (not arrays, dates, buffers or class instances). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
