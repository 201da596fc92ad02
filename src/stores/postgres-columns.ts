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
export const WRITER_COLUMNS: ColumnTypes = { writer: "uuid", head_seq: "bigint", head_mac: "text", sealed_seq: "bigint" };
export const SEAL_COLUMNS: ColumnTypes = { seq: "bigint", entry: "text" };

/**
 * Throws StoreDamagedError when `table` (quoted, possibly schema-qualified) lacks one of
 * `expected`'s columns or has it with another type. A missing table passes: creating it is not
 * this check's business.
 */
export async function assertColumns(db: Pool | PoolClient, table: string, expected: ColumnTypes): Promise<void> {
  const { rows } = await db.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
     WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
    [table],
  );
  if (rows.length === 0) return;
  const actual = new Map(rows.map((row) => [row.name, row.type]));
  for (const [name, type] of Object.entries(expected)) {
    const found = actual.get(name);
    if (found === undefined) throw new StoreDamagedError(`table ${table}`, `it has no column ${name}`);
    if (found !== type) throw new StoreDamagedError(`table ${table}`, `its column ${name} is ${found}, not ${type}`);
  }
}
