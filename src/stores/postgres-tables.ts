/** The quoted names of a Postgres store's tables (as `PostgresReceiptStore` names them). */
export interface PostgresTables {
  receipts: string;
  /** The v1 journal: one chain for every writer (stores written before per-writer chains). */
  journal: string;
  /** The v2 journal: one chain per writer, `(writer, seq)`. */
  entries: string;
  /** Each writer's head: an unauthenticated hint for sealing. */
  writers: string;
  /** The seal chain over the writers' heads. */
  seals: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/;

/** The tables of a store created with `tablePrefix` (default `enact_`) in `schema`. */
export function postgresTables(options: { tablePrefix?: string | undefined; schema?: string | undefined } = {}): PostgresTables {
  const prefix = options.tablePrefix ?? "enact_";
  if (!NAME.test(prefix) || (options.schema !== undefined && !NAME.test(options.schema))) {
    throw new TypeError("The table prefix and schema must be plain SQL names (letters, digits, _).");
  }
  const qualify = (table: string): string => (options.schema === undefined ? `"${table}"` : `"${options.schema}"."${table}"`);
  return {
    receipts: qualify(`${prefix}receipts`),
    journal: qualify(`${prefix}journal`),
    entries: qualify(`${prefix}journal_entries`),
    writers: qualify(`${prefix}journal_writers`),
    seals: qualify(`${prefix}journal_seals`),
  };
}

/**
 * The bare names of every table a store with `tablePrefix` may create: its receipts, claims,
 * journal (both forms), and the approvals, kill switch and cutout tables. Drop them all to remove
 * a store.
 */
export const STORE_TABLE_SUFFIXES = [
  "receipts",
  "idempotency_keys",
  "journal",
  "journal_entries",
  "journal_writers",
  "journal_seals",
  "approvals",
  "control",
  "cutout",
] as const;

/** `DROP TABLE IF EXISTS` of every table of the store with `tablePrefix` (see STORE_TABLE_SUFFIXES). */
export function dropStoreTablesSql(tablePrefix: string, schema?: string): string {
  const qualify = (table: string): string => (schema === undefined ? `"${table}"` : `"${schema}"."${table}"`);
  return `DROP TABLE IF EXISTS ${STORE_TABLE_SUFFIXES.map((suffix) => qualify(`${tablePrefix}${suffix}`)).join(", ")}`;
}

/** Something that runs SQL: a pg Pool or Client. */
interface Queryable {
  query(sql: string): Promise<unknown>;
}

/**
 * Drops every table of the store with `tablePrefix`. A writer that is still sealing (a child
 * process ending, a seal timer) can deadlock with the drop, which takes each table's lock in turn:
 * the drop is then tried again, a few times.
 */
export async function dropStoreTables(db: Queryable, tablePrefix: string, schema?: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await db.query(dropStoreTablesSql(tablePrefix, schema));
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== "40P01" || attempt >= 4) throw error;
    }
  }
}
