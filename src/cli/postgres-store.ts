import type { Pool } from "pg";
import type { walkJournal, AuditReport, JournalAnchor, StoredReceipt } from "../journal/audit.js";
import { StoreNotFoundError, type ProgressListener } from "../journal/file-source.js";
import type { KeyObject } from "node:crypto";
import {
  assertTables,
  auditPostgresStoreWith,
  postgresTables,
  readNewestPostgresReceipts,
  readPostgresReceipt,
  readPostgresReceipts,
  type PostgresTables,
  walkPostgresJournal,
} from "../journal/postgres-source.js";
import { MissingPeerDependencyError } from "../errors.js";
import { loadPeer } from "../peer.js";
import { StoreDamagedError } from "../stores/store-damaged-error.js";
import { credentialsOf, maskConnectionString, redactCredentials } from "./connection-credentials.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { auditKeysFor, type AuditableStore } from "./store.js";
import type { AuditKeys } from "../journal/file-source.js";

/** Where a Postgres store is: the database and the tables' prefix and schema. */
export interface PostgresLocation {
  databaseUrl: string;
  tablePrefix?: string | undefined;
  schema?: string | undefined;
}

/** Opens a `PostgresReceiptStore`'s tables for reading; exit 4 when the database or tables are not there. */
export async function openPostgresStore(location: PostgresLocation, secret: string, keys?: ReadonlyMap<string, KeyObject>): Promise<AuditableStore> {
  if (!URL.canParse(location.databaseUrl)) {
    throw new CliError(ExitCode.usage, "--database-url must be a URL such as postgres://user@host:5432/dbname");
  }
  let tables: PostgresTables;
  try {
    tables = postgresTables(location);
  } catch (error) {
    throw new CliError(ExitCode.usage, (error as Error).message);
  }
  let pg: typeof import("pg");
  try {
    pg = loadPeer<typeof import("pg")>("pg", "enact-sdk --database-url");
  } catch (error) {
    if (error instanceof MissingPeerDependencyError) throw new CliError(ExitCode.usage, error.message);
    throw error;
  }
  // Never print a password: name the store by user, host and database only.
  const label = maskConnectionString(location.databaseUrl);
  const pool = new pg.Pool({ connectionString: location.databaseUrl, max: 4 });
  // An idle client's network error must not crash the CLI; the failing query reports it.
  pool.on("error", () => undefined);
  try {
    await assertTables(pool, tables);
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (error instanceof StoreNotFoundError) throw new CliError(ExitCode.storeNotFound, `${error.message} (${label}).`);
    if (error instanceof StoreDamagedError) throw new CliError(ExitCode.unreadable, `${error.message} (${label})`);
    const code = (error as { code?: string }).code;
    const message = redactCredentials((error as Error).message, credentialsOf(location.databaseUrl));
    throw new CliError(ExitCode.storeNotFound, `Cannot read the database ${label}: ${message}${code === undefined ? "" : ` (${code})`}.`);
  }
  return new PostgresStore(label, pool, tables, auditKeysFor(secret, keys));
}

class PostgresStore implements AuditableStore {
  readonly #pool: Pool;
  readonly #tables: PostgresTables;
  readonly #keys: AuditKeys;

  constructor(
    readonly label: string,
    pool: Pool,
    tables: PostgresTables,
    keys: AuditKeys,
  ) {
    this.#pool = pool;
    this.#tables = tables;
    this.#keys = keys;
  }

  audit(options: { onProgress?: ProgressListener; anchor?: JournalAnchor }): Promise<AuditReport> {
    return auditPostgresStoreWith(this.#pool, this.#tables, this.#keys, options);
  }

  async readAll(onProgress?: ProgressListener): Promise<StoredReceipt[]> {
    const all: StoredReceipt[] = [];
    await readPostgresReceipts(this.#pool, this.#tables, (stored) => all.push(stored), onProgress);
    return all;
  }

  read(runId: string): Promise<StoredReceipt | undefined> {
    return readPostgresReceipt(this.#pool, this.#tables, runId);
  }

  newest(count: number): Promise<{ receipts: StoredReceipt[]; total: number }> {
    return readNewestPostgresReceipts(this.#pool, this.#tables, count);
  }

  async runIdsStartingWith(prefix: string, limit: number): Promise<string[]> {
    // The prefix is hex digits and dashes only (see show): no LIKE wildcard to escape.
    const { rows } = await this.#pool.query<{ run_id: string }>(
      `SELECT run_id::text FROM ${this.#tables.receipts} WHERE run_id::text LIKE $1 ORDER BY run_id LIMIT $2`,
      [`${prefix}%`, limit],
    );
    return rows.map((row) => row.run_id);
  }

  journal(): Promise<ReturnType<typeof walkJournal>> {
    return walkPostgresJournal(this.#pool, this.#tables, this.#keys.journalKey);
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}
