import { afterAll, describe, expect, it } from "vitest";
import { PostgresReceiptStore, StoreDamagedError } from "enact-sdk/connectors/postgres";
import { auditPostgresStore, postgresTables } from "../../src/journal/postgres-source.js";
import { dropStoreTables } from "../../src/stores/postgres-tables.js";
import { TEST_SECRET } from "../support/context.js";
import { getTestDatabase, releaseTestDatabase } from "../support/database.js";

// A Postgres store whose tables were altered after Enact created them: refused by the store
// (migrate) and by verify (the audit), with a StoreDamagedError saying which table, what is wrong,
// and what to do. Columns that a store created before the single-row layout may lack are optional.

const prefixes: string[] = [];
afterAll(async () => {
  const db = await getTestDatabase();
  for (const prefix of prefixes) await dropStoreTables(db.admin, prefix);
  await releaseTestDatabase();
});

/** A prefix whose tables an Enact store has just created (and has nothing in). */
async function createdStore(): Promise<string> {
  const db = await getTestDatabase();
  const prefix = `${db.uniqueName("damaged")}_`;
  prefixes.push(prefix);
  const store = new PostgresReceiptStore({ connectionString: db.connectionString, tablePrefix: prefix, secret: TEST_SECRET });
  await store.migrate();
  await store.close();
  return prefix;
}

function damaged(location: string, problem: string): string {
  return (
    `The receipt store ${location} is damaged: ${problem}. Restore the table from a backup or recreate ` +
    "it as Enact created it (see README, Receipt stores); then run `npx enact-sdk verify`."
  );
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error("resolved"),
    (error: unknown) => error,
  );
}

describe("a Postgres store with a column dropped", () => {
  it("is refused by the store: StoreDamagedError naming the table and the missing column, and what to do", async () => {
    const prefix = await createdStore();
    const db = await getTestDatabase();
    await db.admin.query(`ALTER TABLE "${prefix}receipts" DROP COLUMN receipt`);
    const store = new PostgresReceiptStore({ connectionString: db.connectionString, tablePrefix: prefix, secret: TEST_SECRET });
    try {
      const error = await rejection(store.migrate());
      expect(error).toBeInstanceOf(StoreDamagedError);
      expect(error).toMatchObject({ code: "ENACT_STORE_DAMAGED", location: `table "${prefix}receipts"` });
      expect((error as Error).message).toBe(damaged(`table "${prefix}receipts"`, "it has no column receipt"));
    } finally {
      await store.close();
    }
  });

  it("is refused by verify the same way", async () => {
    const prefix = await createdStore();
    const db = await getTestDatabase();
    await db.admin.query(`ALTER TABLE "${prefix}journal_writers" DROP COLUMN head_mac`);
    const error = await rejection(auditPostgresStore(db.admin, postgresTables({ tablePrefix: prefix }), TEST_SECRET));
    expect(error).toBeInstanceOf(StoreDamagedError);
    expect((error as Error).message).toBe(damaged(`table "${prefix}journal_writers"`, "it has no column head_mac"));
  });
});

describe("a Postgres store created before the single-row layout", () => {
  it("verifies without the journal columns of its receipts table and the head's run id of its writers table", async () => {
    const prefix = await createdStore();
    const db = await getTestDatabase();
    await db.admin.query(`ALTER TABLE "${prefix}receipts" DROP COLUMN writer, DROP COLUMN seq, DROP COLUMN entry`);
    await db.admin.query(`ALTER TABLE "${prefix}journal_writers" DROP COLUMN head_run_id`);
    const report = await auditPostgresStore(db.admin, postgresTables({ tablePrefix: prefix }), TEST_SECRET);
    expect(report.counts).toMatchObject({ valid: 0, invalid: 0 });
  });

  it("is still refused when one of those columns has another type", async () => {
    const prefix = await createdStore();
    const db = await getTestDatabase();
    await db.admin.query(`ALTER TABLE "${prefix}journal_writers" ALTER COLUMN head_run_id TYPE text`);
    const error = await rejection(auditPostgresStore(db.admin, postgresTables({ tablePrefix: prefix }), TEST_SECRET));
    expect(error).toBeInstanceOf(StoreDamagedError);
    expect((error as Error).message).toBe(damaged(`table "${prefix}journal_writers"`, "its column head_run_id is text, not uuid"));
  });
});
