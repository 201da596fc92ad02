import type { Pool, PoolClient } from "pg";
import { StoreDamagedError } from "./store-damaged-error.js";

/** Column name → type (as `format_type` spells it) that a table must have. */
export type ColumnTypes = Readonly<Record<string, string>>;

// Only the columns whose type decides what is read back. `receipt` above all: as jsonb the server
// reorders keys and drops duplicates, so the row is no longer the text that was signed.
export const RECEIPT_COLUMNS: ColumnTypes = { run_id: "uuid", receipt: "text" };
export const CLAIM_COLUMNS: ColumnTypes = {
  key_sha256: "text",
  key: "text",
  fingerprint: "text",
  run_id: "uuid",
  state: "text",
  workflow: "text",
  actor_email: "text",
  payload: "text",
};
export const JOURNAL_COLUMNS: ColumnTypes = { seq: "bigint", entry: "text" };
export const WRITER_ENTRY_COLUMNS: ColumnTypes = { writer: "uuid", seq: "bigint", entry: "text" };
/**
 * The journal entry kept in the receipt's own row (the single-row layout): one row per receipt instead of a
 * receipt row and an entry row. Stores created before have these columns added by `migrate()`;
 * until then (a store only verified) they may be missing.
 */
export const RECEIPT_ENTRY_COLUMNS: ColumnTypes = { writer: "uuid", seq: "bigint", entry: "text" };
export const WRITER_COLUMNS: ColumnTypes = { writer: "uuid", head_seq: "bigint", head_mac: "text", sealed_seq: "bigint" };
/** The head's receipt row, by which sealing finds the head entry (null for heads written before the single-row layout). */
export const WRITER_HEAD_COLUMNS: ColumnTypes = { head_run_id: "uuid" };
export const SEAL_COLUMNS: ColumnTypes = { seq: "bigint", entry: "text" };

/**
 * Throws StoreDamagedError when `table` (quoted, possibly schema-qualified) lacks one of
 * `expected`'s columns or has it with another type. A missing table passes: creating it is not
 * this check's business. With `optional`, a missing column passes too (only types are checked).
 */
export async function assertColumns(db: Pool | PoolClient, table: string, expected: ColumnTypes, options: { optional?: boolean } = {}): Promise<void> {
  const actual = await columnTypes(db, table);
  if (actual.size === 0) return;
  for (const [name, type] of Object.entries(expected)) {
    const found = actual.get(name);
    if (found === undefined && options.optional === true) continue;
    if (found === undefined) throw new StoreDamagedError(`table ${table}`, `it has no column ${name}`);
    if (found !== type) throw new StoreDamagedError(`table ${table}`, `its column ${name} is ${found}, not ${type}`);
  }
}

/** Column name → type of `table`; empty when the table does not exist. */
export async function columnTypes(db: Pool | PoolClient, table: string): Promise<Map<string, string>> {
  const { rows } = await db.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
     WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
    [table],
  );
  return new Map(rows.map((row) => [row.name, row.type]));
}
