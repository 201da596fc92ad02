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
  const { columns, values } = columnValues(data, "data");
  return {
    text: `INSERT INTO ${table.sql} (${columns.join(", ")}) VALUES (${placeholders(values.length)}) RETURNING *`,
    values,
  };
}

/** `UPDATE t SET "a" = $1 WHERE "id" = $2 RETURNING *`; an empty `where` is refused. */
export function updateStatement(table: TableName, data: unknown, where: unknown): Statement {
  const { columns, values } = columnValues(data, "data");
  const assignments = columns.map((column, index) => `${column} = $${index + 1}`).join(", ");
  const filter = whereClause(where, columns.length + 1, { required: "update_row" });
  return {
    text: `UPDATE ${table.sql} SET ${assignments} WHERE ${filter.text} RETURNING *`,
    values: [...values, ...filter.values],
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
  const { columns, values: candidates } = columnValues(where, "where", { allowEmpty: true });
  if (columns.length === 0) {
    if (options.required !== undefined) {
      throw new InvalidInputError(`${options.required} needs a non-empty where; refusing to touch every row of the table.`);
    }
    return { text: "", values: [] };
  }
  const values: unknown[] = [];
  let text = "";
  for (let index = 0; index < columns.length; index++) {
    const value = candidates[index];
    if (index > 0) text += " AND ";
    // `= NULL` never matches; `IS NULL` is what a caller writing { deletedAt: null } means.
    if (value === null) {
      text += `${columns[index]} IS NULL`;
    } else {
      values.push(value);
      text += `${columns[index]} = $${firstIndex + values.length - 1}`;
    }
  }
  return { text, values };
}

/** A record's quoted column names and its values, in the record's own key order. */
function columnValues(
  record: unknown,
  what: "data" | "where",
  options: { allowEmpty?: boolean } = {},
): { columns: string[]; values: unknown[] } {
  if (!isPlainObject(record)) {
    throw new InvalidInputError(`Invalid ${what}: expected an object of column → value.`);
  }
  const keys = Object.keys(record);
  if (keys.length === 0 && options.allowEmpty !== true) {
    throw new InvalidInputError(`${what} is empty: nothing to write.`);
  }
  const columns = new Array<string>(keys.length);
  const values = new Array<unknown>(keys.length);
  for (let index = 0; index < keys.length; index++) {
    const column = keys[index] as string;
    const value = record[column];
    columns[index] = quoteIdentifier(column, `column name in ${what}`);
    if (value === undefined || typeof value === "function" || typeof value === "symbol") {
      throw new InvalidInputError(`Invalid value for ${what}.${column}: ${typeof value} cannot be stored; use null for SQL NULL.`);
    }
    values[index] = value;
  }
  return { columns, values };
}

// "$1, $2, ..., $n" by n, built once per count.
const placeholderLists: string[] = [];

function placeholders(count: number): string {
  let list = placeholderLists[count];
  if (list === undefined) {
    list = Array.from({ length: count }, (_, index) => `$${index + 1}`).join(", ");
    if (count <= 1_000) placeholderLists[count] = list;
  }
  return list;
}

/** True for `{}`-style objects (not arrays, dates, buffers or class instances). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
