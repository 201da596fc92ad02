import type { CustomTypesConfig, PoolClient } from "pg";
import type { ActionResult } from "../../models.js";
import { canonicalJson } from "../../receipt.js";
import { notUndoable } from "../../rollback/undoable.js";
import { failed, succeeded } from "../action-result.js";
import { InvalidInputError, parseTableName, quoteIdentifier, type TableName } from "./identifiers.js";
import { isPlainObject } from "./statements.js";
import { type JsonRow, rowToJson } from "./values.js";

const SYSTEM = "postgres";

/** The undo actions, by the allowlist names they are checked under. */
export const POSTGRES_UNDO_ACTIONS = ["delete_inserted_rows", "restore_rows", "reinsert_rows"] as const;
export type PostgresUndoAction = (typeof POSTGRES_UNDO_ACTIONS)[number];

/** One undo to perform: the allowlisted action it is, and how, on one pooled client. */
export interface PostgresUndoStep {
  readonly action: PostgresUndoAction;
  readonly run: (client: PoolClient, types: CustomTypesConfig) => Promise<ActionResult>;
}

/**
 * How to undo one Postgres action, from its signed receipt alone: a step, a `not_undoable`
 * result, or undefined for a read. Rows are found again only by primary key, so a table without
 * one is reported as not undoable (never matched on other columns: that could hit other rows).
 * Every step runs in one transaction, locks its rows first, and changes nothing at all when any
 * row no longer looks the way the run left it (someone changed it since): that is reported.
 *
 * - `insert_row` → `delete_inserted_rows`: delete the row by its key.
 * - `update_row` → `restore_rows`: put back each row's previous values, matched by primary key
 *   (so it works when the update changed the columns its `where` used).
 * - `delete_row` → `reinsert_rows`: insert the deleted rows again, as they were.
 */
export function planUndo(action: ActionResult): PostgresUndoStep | ActionResult | undefined {
  if (action.action === "select_rows") return undefined;
  if (!["insert_row", "update_row", "delete_row"].includes(action.action)) {
    return notUndoable(SYSTEM, `Postgres action '${action.action}' has no undo.`);
  }
  const data = action.rollbackData ?? {};
  const table = parseTableName(data.table);
  const primaryKey = keyColumns(data.primaryKey);
  if (primaryKey.length === 0) {
    return notUndoable(
      SYSTEM,
      `Table ${table.name} has no primary key, so the rows ${action.action} touched cannot be identified for certain; ` +
        "rollback does not guess (matching on other columns could change other rows). Undo it by hand if needed.",
      { table: table.name, noPrimaryKey: true },
    );
  }
  const before = jsonRows(data.rows, "rollbackData.rows");
  const target = { table, primaryKey };
  switch (action.action) {
    case "insert_row": {
      // The full row as inserted: it is deleted only while it still looks exactly like that.
      const inserted = [action.output as JsonRow];
      return { action: "delete_inserted_rows", run: (client, types) => deleteInserted(client, types, target, inserted) };
    }
    case "update_row": {
      const after = jsonRows(action.output.rows, "output.rows");
      return { action: "restore_rows", run: (client, types) => restoreRows(client, types, target, before, after) };
    }
    default:
      return { action: "reinsert_rows", run: (client, types) => reinsertRows(client, types, target, before) };
  }
}

interface Target {
  readonly table: TableName;
  readonly primaryKey: readonly string[];
}

async function deleteInserted(client: PoolClient, types: CustomTypesConfig, target: Target, rows: JsonRow[]): Promise<ActionResult> {
  return inTransaction(client, async () => {
    const current = await lockRows(client, types, target, rows);
    const present = rows.filter((_, index) => current[index] !== undefined);
    const changed = present.filter((row) => !sameRow(current[rows.indexOf(row)], row));
    if (changed.length > 0) return leftAlone("delete_inserted_rows", target, "changed after the run", changed.map((row) => keyOf(target, row)));
    for (const row of present) await client.query(deleteByKey(target, row));
    const output = { table: target.table.name, rows: present.map((row) => keyOf(target, row)), rowCount: present.length };
    return succeeded(SYSTEM, "delete_inserted_rows", output, present.length === 0 ? { alreadyDone: true } : {});
  });
}

async function restoreRows(
  client: PoolClient,
  types: CustomTypesConfig,
  target: Target,
  before: JsonRow[],
  after: JsonRow[],
): Promise<ActionResult> {
  // Pair each row's old and new values by primary key; an update that changed a key breaks the pairing.
  const afterByKey = new Map(after.map((row) => [canonicalJson(keyOf(target, row)), row]));
  const pairs = before.map((row) => ({ before: row, after: afterByKey.get(canonicalJson(keyOf(target, row))) }));
  if (pairs.some((pair) => pair.after === undefined) || after.length !== before.length) {
    return notUndoable(
      SYSTEM,
      `The update of ${target.table.name} changed primary-key values, so its rows cannot be matched to their previous values; undo it by hand.`,
      { table: target.table.name },
    );
  }
  return inTransaction(client, async () => {
    const columns = await columnTypes(client, target.table);
    const current = await lockRows(client, types, target, before);
    const gone = pairs.filter((_, index) => current[index] === undefined);
    if (gone.length > 0) return leftAlone("restore_rows", target, "deleted after the run", gone.map((pair) => keyOf(target, pair.before)));
    const restored = pairs.filter((pair, index) => !sameRow(current[index], pair.before));
    const changed = restored.filter((pair) => !sameRow(current[pairs.indexOf(pair)], pair.after));
    if (changed.length > 0) return leftAlone("restore_rows", target, "changed after the run", changed.map((pair) => keyOf(target, pair.before)));
    for (const pair of restored) {
      // Generated columns follow the columns they are computed from: Postgres refuses to set them.
      const differing = Object.keys(pair.before).filter(
        (column) => columns.get(column)?.generated !== true && canonicalJson(pair.before[column] ?? null) !== canonicalJson(pair.after?.[column] ?? null),
      );
      if (differing.length > 0) await client.query(updateByKey(target, columns, pair.before, differing));
    }
    const output = { table: target.table.name, rows: restored.map((pair) => keyOf(target, pair.before)), rowCount: restored.length };
    return succeeded(SYSTEM, "restore_rows", output, restored.length === 0 ? { alreadyDone: true } : {});
  });
}

async function reinsertRows(client: PoolClient, types: CustomTypesConfig, target: Target, rows: JsonRow[]): Promise<ActionResult> {
  return inTransaction(client, async () => {
    const columns = await columnTypes(client, target.table);
    const current = await lockRows(client, types, target, rows);
    const taken = rows.filter((row, index) => current[index] !== undefined && !sameRow(current[index], row));
    if (taken.length > 0) {
      return leftAlone("reinsert_rows", target, "taken by other rows since the run", taken.map((row) => keyOf(target, row)));
    }
    const missing = rows.filter((_, index) => current[index] === undefined);
    for (const row of missing) await client.query(insertRow(target, columns, row));
    const output = { table: target.table.name, rows: missing.map((row) => keyOf(target, row)), rowCount: missing.length };
    return succeeded(SYSTEM, "reinsert_rows", output, missing.length === 0 ? { alreadyDone: true } : {});
  });
}

// Commits what `body` did when it succeeds; anything else (a refusal or an error) is rolled back.
async function inTransaction(client: PoolClient, body: () => Promise<ActionResult>): Promise<ActionResult> {
  await client.query("BEGIN ISOLATION LEVEL READ COMMITTED");
  const result = await body();
  await client.query(result.success ? "COMMIT" : "ROLLBACK");
  return result;
}

/** Each row's current state (by primary key, locked until the transaction ends), or undefined when it is gone. */
async function lockRows(client: PoolClient, types: CustomTypesConfig, target: Target, rows: JsonRow[]): Promise<Array<JsonRow | undefined>> {
  const current: Array<JsonRow | undefined> = [];
  for (const row of rows) {
    const { text, values } = keyFilter(target, row, 1);
    const result = await client.query({ text: `SELECT * FROM ${target.table.sql} WHERE ${text} FOR UPDATE`, values, types });
    current.push(result.rows[0] === undefined ? undefined : rowToJson(result.rows[0]));
  }
  return current;
}

function deleteByKey(target: Target, row: JsonRow): { text: string; values: unknown[] } {
  const filter = keyFilter(target, row, 1);
  return { text: `DELETE FROM ${target.table.sql} WHERE ${filter.text}`, values: filter.values };
}

function updateByKey(target: Target, columns: ColumnTypes, row: JsonRow, changed: string[]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const assignments = changed.map((column) => `${quoteIdentifier(column, "column")} = ${bind(columns, column, row[column] ?? null, values)}`);
  const filter = keyFilter(target, row, values.length + 1);
  return { text: `UPDATE ${target.table.sql} SET ${assignments.join(", ")} WHERE ${filter.text}`, values: [...values, ...filter.values] };
}

function insertRow(target: Target, columns: ColumnTypes, row: JsonRow): { text: string; values: unknown[] } {
  // Generated columns are computed by Postgres and cannot be written; identity columns take their old value back.
  const names = Object.keys(row).filter((column) => columns.get(column)?.generated !== true);
  const values: unknown[] = [];
  const placeholders = names.map((column) => bind(columns, column, row[column] ?? null, values));
  const quoted = names.map((column) => quoteIdentifier(column, "column"));
  return {
    text: `INSERT INTO ${target.table.sql} (${quoted.join(", ")}) OVERRIDING SYSTEM VALUE VALUES (${placeholders.join(", ")})`,
    values,
  };
}

function keyFilter(target: Target, row: JsonRow, first: number): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const conditions = target.primaryKey.map((column) => {
    const value = row[column];
    if (value === undefined || value === null) throw new InvalidInputError(`A recorded row has no value for primary-key column ${column}.`);
    values.push(typeof value === "object" ? JSON.stringify(value) : value);
    return `${quoteIdentifier(column, "column")} = $${first + values.length - 1}`;
  });
  return { text: conditions.join(" AND "), values };
}

type ColumnTypes = Map<string, { type: string; generated: boolean }>;

async function columnTypes(client: PoolClient, table: TableName): Promise<ColumnTypes> {
  const result = await client.query<{ name: string; type: string; generated: string }>(
    `SELECT attname AS name, format_type(atttypid, NULL) AS type, attgenerated::text AS generated
     FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
    [table.sql],
  );
  return new Map(result.rows.map((row) => [row.name, { type: row.type, generated: row.generated !== "" }]));
}

/**
 * A placeholder for a value as the receipt recorded it (JSON), turned back into its column's type:
 * bytea was recorded as base64, json/jsonb as parsed JSON; everything else as Postgres's own text
 * or a JSON number/boolean, which Postgres reads back unchanged.
 */
function bind(columns: ColumnTypes, column: string, value: unknown, values: unknown[]): string {
  const type = columns.get(column)?.type;
  if (type === undefined) throw new InvalidInputError(`Column ${column} of the recorded row no longer exists.`);
  if (value === null) {
    values.push(null);
    return `$${values.length}`;
  }
  if (type === "bytea") {
    values.push(value);
    return `decode($${values.length}, 'base64')`;
  }
  if (type === "json" || type === "jsonb") {
    values.push(JSON.stringify(value));
    return `$${values.length}::${type}`;
  }
  values.push(value);
  return `$${values.length}`;
}

function leftAlone(action: PostgresUndoAction, target: Target, why: string, keys: JsonRow[]): ActionResult {
  return failed(
    SYSTEM,
    action,
    `${keys.length} row(s) of ${target.table.name} were ${why} (${keys.map((key) => canonicalJson(key)).join(", ")}), so nothing was changed`,
    { table: target.table.name, leftAlone: true, rows: keys },
  );
}

function keyOf(target: Target, row: JsonRow): JsonRow {
  return Object.fromEntries(target.primaryKey.map((column) => [column, row[column] ?? null]));
}

function sameRow(a: JsonRow | undefined, b: JsonRow | undefined): boolean {
  return a !== undefined && b !== undefined && canonicalJson(a) === canonicalJson(b);
}

function keyColumns(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((column) => typeof column !== "string")) {
    throw new InvalidInputError("rollbackData.primaryKey must be a list of column names.");
  }
  for (const column of value) quoteIdentifier(column, "primary-key column");
  return value as string[];
}

function jsonRows(value: unknown, field: string): JsonRow[] {
  if (!Array.isArray(value) || !value.every(isPlainObject)) throw new InvalidInputError(`${field} must be a list of rows.`);
  return value as JsonRow[];
}
