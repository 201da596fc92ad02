import type { Pool } from "pg";
import { DuplicateJsonKeyError, parseStrictJson } from "../strict-json.js";
import { ReceiptSigner } from "../receipt.js";
import { ReceiptAuditor, walkJournal, type AuditReport, type JournalAnchor, type RawJournalEntry, type StoredReceipt } from "./audit.js";
import { StoreNotFoundError, type AuditKeys, type AuditOptions, type ProgressListener } from "./file-source.js";
import { JournalKey } from "./key.js";
import {
  assertColumns,
  columnTypes,
  JOURNAL_COLUMNS,
  RECEIPT_COLUMNS,
  RECEIPT_ENTRY_COLUMNS,
  SEAL_COLUMNS,
  WRITER_COLUMNS,
  WRITER_ENTRY_COLUMNS,
  WRITER_HEAD_COLUMNS,
} from "../stores/postgres-columns.js";
import { walkWriterJournal, type RawWriterRow } from "./writer-audit.js";
import type { PostgresTables } from "../stores/postgres-tables.js";

export { postgresTables, type PostgresTables } from "../stores/postgres-tables.js";

/** Receipts are read this many rows at a time, so a large store is never held in memory twice. */
const PAGE = 2000;

/**
 * Checks every receipt of a Postgres store and its journal, like `auditReceiptDirectory`.
 *
 * @example
 * const report = await auditPostgresStore(pool, postgresTables(), process.env.ENACT_SECRET!);
 */
export async function auditPostgresStore(pool: Pool, tables: PostgresTables, secret: string, options: AuditOptions = {}): Promise<AuditReport> {
  return auditPostgresStoreWith(pool, tables, { verifier: new ReceiptSigner(secret), journalKey: JournalKey.fromSecret(secret) }, options);
}

/** `auditPostgresStore` with any verifier and journal key (see `auditReceiptDirectoryWith`). */
export async function auditPostgresStoreWith(pool: Pool, tables: PostgresTables, keys: AuditKeys, options: AuditOptions = {}): Promise<AuditReport> {
  await assertTables(pool, tables);
  const journal = await walkPostgresJournal(pool, tables, keys.journalKey, options.anchor);
  const auditor = new ReceiptAuditor(keys.verifier, journal);
  await readPostgresReceipts(pool, tables, (stored) => void auditor.check(stored), options.onProgress);
  return auditor.finish();
}

/**
 * Fails with StoreNotFoundError unless the store's receipt table exists, and with
 * StoreDamagedError when it or the journal was altered (a column dropped or retyped, e.g.
 * `receipt` made jsonb, which no longer returns the signed text).
 */
export async function assertTables(pool: Pool, tables: PostgresTables): Promise<void> {
  const { rows } = await pool.query<{ found: string | null }>("SELECT to_regclass($1)::text AS found", [tables.receipts]);
  if (rows[0]?.found === null || rows[0] === undefined) {
    throw new StoreNotFoundError(`The database has no receipt table ${tables.receipts}`);
  }
  await assertColumns(pool, tables.receipts, RECEIPT_COLUMNS);
  // A store created before the single-row layout and not written since has no journal columns yet.
  await assertColumns(pool, tables.receipts, RECEIPT_ENTRY_COLUMNS, { optional: true });
  await assertColumns(pool, tables.journal, JOURNAL_COLUMNS);
  await assertColumns(pool, tables.entries, WRITER_ENTRY_COLUMNS);
  await assertColumns(pool, tables.writers, WRITER_COLUMNS);
  await assertColumns(pool, tables.writers, WRITER_HEAD_COLUMNS, { optional: true });
  await assertColumns(pool, tables.seals, SEAL_COLUMNS);
}

/**
 * Walks the whole journal of a store: the v1 chain (if the store has one), every writer chain
 * (entries in their receipts' rows, and those in the entries table written before the single-row
 * layout) and the seal chain. `anchor` refers to the seal chain when there are seals, else to the
 * v1 chain.
 */
export async function walkPostgresJournal(pool: Pool, tables: PostgresTables, key: JournalKey, anchor?: JournalAnchor): Promise<ReturnType<typeof walkJournal>> {
  const entries = [
    ...(await readWriterRows(pool, tables.entries, "t.writer::text AS writer, t.seq::text AS seq, t.entry", "t.writer, t.seq")),
    ...(await readReceiptEntryRows(pool, tables.receipts)),
  ];
  const seals = await readWriterRows(pool, tables.seals, "t.seq::text AS seq, t.entry", "t.seq");
  const v1 = walkJournal(key, await readPostgresJournal(pool, tables), seals.length > 0 ? undefined : anchor);
  return walkWriterJournal(key, v1, entries, seals, anchor);
}

/** Rows of a v2 journal table; none when it does not exist. */
async function readWriterRows(pool: Pool, table: string, columns: string, order: string): Promise<RawWriterRow[]> {
  const { rows: exists } = await pool.query<{ found: string | null }>("SELECT to_regclass($1)::text AS found", [table]);
  if (exists[0]?.found === null) return [];
  const { rows } = await pool.query<{ writer?: string; seq: string; entry: string }>(`SELECT ${columns} FROM ${table} t ORDER BY ${order}`);
  return rows.map((row) => {
    const where = row.writer === undefined ? `seal row ${row.seq}` : `journal entry ${row.seq} of writer ${row.writer}`;
    let value: unknown;
    try {
      value = parseStrictJson(row.entry);
    } catch {
      value = undefined;
    }
    return { where, seq: row.seq, ...(row.writer === undefined ? {} : { writer: row.writer }), ...(value === undefined ? {} : { value }) };
  });
}

/**
 * The writer entries kept in receipt rows (the single-row layout): every row with any of the
 * journal columns set, so an entry emptied or moved out of its row is still seen. None when the
 * table has no such columns (a store not written since before that layout).
 */
async function readReceiptEntryRows(pool: Pool, receipts: string): Promise<RawWriterRow[]> {
  if (!(await columnTypes(pool, receipts)).has("entry")) return [];
  const { rows } = await pool.query<{ run_id: string; writer: string | null; seq: string | null; entry: string | null }>(
    `SELECT run_id::text AS run_id, writer::text AS writer, seq::text AS seq, entry FROM ${receipts}
     WHERE writer IS NOT NULL OR seq IS NOT NULL OR entry IS NOT NULL ORDER BY writer, seq, run_id`,
  );
  return rows.map((row) => {
    // The same words as for the entries table: (writer, seq) are columns of the receipt row too.
    const where = row.writer === null || row.seq === null ? `the journal columns of receipt row ${row.run_id}` : `journal entry ${row.seq} of writer ${row.writer}`;
    let value: unknown;
    try {
      value = row.entry === null ? undefined : parseStrictJson(row.entry);
    } catch {
      value = undefined;
    }
    return { where, seq: row.seq ?? "", writer: row.writer ?? "", runId: row.run_id, ...(value === undefined ? {} : { value }) };
  });
}

/** Every journal row, in `seq` order; none when the journal table does not exist. */
export async function readPostgresJournal(pool: Pool, tables: PostgresTables): Promise<RawJournalEntry[]> {
  const { rows: exists } = await pool.query<{ found: string | null }>("SELECT to_regclass($1)::text AS found", [tables.journal]);
  if (exists[0]?.found === null) return [];
  const { rows } = await pool.query<{ seq: string; entry: string }>(`SELECT seq, entry FROM ${tables.journal} ORDER BY seq`);
  return rows.map((row) => {
    const where = `journal row ${row.seq}`;
    try {
      return { where, value: parseStrictJson(row.entry) };
    } catch {
      return { where, error: "is not valid JSON" };
    }
  });
}

/** Reads every receipt row, a page at a time, handing each to `visit` as parsed (or with its error). */
export async function readPostgresReceipts(
  pool: Pool,
  tables: PostgresTables,
  visit: (stored: StoredReceipt) => void,
  onProgress?: ProgressListener,
): Promise<void> {
  const { rows: counted } = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${tables.receipts}`);
  const total = Number(counted[0]?.n ?? 0);
  let done = 0;
  let after = "00000000-0000-0000-0000-000000000000";
  onProgress?.(0, total);
  for (;;) {
    const { rows } = await pool.query<{ run_id: string; receipt: unknown }>(
      `SELECT run_id::text, receipt FROM ${tables.receipts} WHERE run_id > $1 ORDER BY run_id LIMIT ${PAGE}`,
      [after],
    );
    for (const row of rows) {
      visit(parseRow(tables, row));
      done += 1;
    }
    onProgress?.(done, Math.max(total, done));
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < PAGE) return;
    after = last.run_id;
  }
}

/** One receipt row, or undefined when there is none with this run id. */
export async function readPostgresReceipt(pool: Pool, tables: PostgresTables, runId: string): Promise<StoredReceipt | undefined> {
  const { rows } = await pool.query<{ run_id: string; receipt: unknown }>(
    `SELECT run_id::text, receipt FROM ${tables.receipts} WHERE run_id = $1`,
    [runId],
  );
  return rows[0] === undefined ? undefined : parseRow(tables, rows[0]);
}

/**
 * The rows stored at or after the `count`-th newest `created_at` (every tie at that boundary
 * included), and how many rows there are: enough for a caller that orders receipts by their own
 * timestamp to find the newest `count` without reading the table. Served by the
 * `(created_at, run_id)` index.
 */
export async function readNewestPostgresReceipts(pool: Pool, tables: PostgresTables, count: number): Promise<{ receipts: StoredReceipt[]; total: number }> {
  const { rows: counted } = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${tables.receipts}`);
  const { rows } = await pool.query<{ run_id: string; receipt: unknown }>(
    `SELECT run_id::text, receipt FROM ${tables.receipts}
      WHERE created_at >= COALESCE((SELECT created_at FROM ${tables.receipts} ORDER BY created_at DESC LIMIT 1 OFFSET $1), '-infinity')`,
    [Math.max(0, count - 1)],
  );
  return { receipts: rows.map((row) => parseRow(tables, row)), total: Number(counted[0]?.n ?? 0) };
}

function parseRow(tables: PostgresTables, row: { run_id: string; receipt: unknown }): StoredReceipt {
  const where = `${tables.receipts} row ${row.run_id}`;
  if (typeof row.receipt !== "string") return { runId: row.run_id, where, error: "is not text (the column's type was changed)" };
  try {
    return { runId: row.run_id, where, value: parseStrictJson(row.receipt) };
  } catch (error) {
    if (error instanceof DuplicateJsonKeyError) return { runId: row.run_id, where, error: error.message };
    return { runId: row.run_id, where, error: row.receipt.trim() === "" ? "is empty" : "is not valid JSON (truncated or corrupt)" };
  }
}
