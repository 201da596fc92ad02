import type { PoolClient } from "pg";
import type { TableName } from "./identifiers.js";
import type { JsonRow } from "./values.js";

// to_regclass resolves the quoted name exactly as the statement will (search_path included) and
// yields NULL instead of an error for a missing table, so the statement reports that itself.
const PRIMARY_KEY_SQL = `
SELECT a.attname AS name
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
WHERE i.indrelid = to_regclass($1) AND i.indisprimary
ORDER BY array_position(i.indkey::int2[], a.attnum)`;

/** The query of `primaryKeyOf`: one row `{ name }` per key column, in key order. */
export function primaryKeyStatement(table: TableName): { text: string; values: unknown[] } {
  return { text: PRIMARY_KEY_SQL, values: [table.sql] };
}

/** The table's primary-key columns in key order; `[]` for a table without one (or a view). */
export async function primaryKeyOf(client: PoolClient, table: TableName): Promise<string[]> {
  const result = await client.query<{ name: string }>(PRIMARY_KEY_SQL, [table.sql]);
  return result.rows.map((row) => row.name);
}

/**
 * What a later rollback needs to find rows again: the table, its primary-key columns and, per
 * row, either those key values (insert) or the whole previous row (update, delete). A table
 * without a primary key records whole rows, to be matched on every column.
 */
export interface PostgresRollbackData {
  [key: string]: unknown;
  table: string;
  primaryKey: string[];
  rows: JsonRow[];
}

/** Rollback data of an insert: the new row's primary-key values. */
export function insertedKeys(table: TableName, primaryKey: string[], row: JsonRow): PostgresRollbackData {
  if (primaryKey.length === 0) return { table: table.name, primaryKey, rows: [row] };
  const key: JsonRow = {};
  for (const column of primaryKey) key[column] = row[column] ?? null;
  return { table: table.name, primaryKey, rows: [key] };
}
