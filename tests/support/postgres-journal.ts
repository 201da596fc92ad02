import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Receipt } from "enact-sdk";
import { PostgresReceiptStore } from "enact-sdk/connectors/postgres";
import { CLI_SECRET, makeReceipt } from "./cli.js";
import { dropStoreTablesSql } from "../../src/stores/postgres-tables.js";

/**
 * The connection string of the test database (see database.ts: DATABASE_URL, else embedded),
 * once a test file has set it with `useDatabase()`; child processes get it as DATABASE_URL.
 */
export let DATABASE_URL = process.env.DATABASE_URL ?? "";

/** Sets the database these helpers use, e.g. to `(await getTestDatabase()).connectionString`. */
export function useDatabase(connectionString: string): void {
  DATABASE_URL = connectionString;
}

/** A table prefix no other test uses, so tests can run in parallel on one database. */
export function freshPrefix(): string {
  return `t${randomBytes(5).toString("hex")}_`;
}

/** A journaled PostgresReceiptStore on `prefix` tables. Close it when done. */
export function postgresStore(prefix: string): PostgresReceiptStore {
  return new PostgresReceiptStore({ connectionString: DATABASE_URL, tablePrefix: prefix, secret: CLI_SECRET });
}

/** Writes `count` receipts through a journaled PostgresReceiptStore, `concurrency` at a time. */
export async function fillPostgres(prefix: string, count: number, concurrency = 500): Promise<Receipt[]> {
  const store = postgresStore(prefix);
  const receipts: Receipt[] = [];
  try {
    for (let start = 0; start < count; start += concurrency) {
      const batch = Array.from({ length: Math.min(concurrency, count - start) }, (_, i) => makeReceipt({ payload: { n: start + i } }));
      await Promise.all(batch.map((receipt) => store.write(receipt)));
      receipts.push(...batch);
    }
  } finally {
    await store.close();
  }
  return receipts;
}

/** Runs SQL on the test database (the attacker's, or the cleaner's, access). */
export async function sql(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

/** Drops a prefix's tables. */
export function dropTables(prefix: string): Promise<pg.QueryResult> {
  return sql(dropStoreTablesSql(prefix));
}
