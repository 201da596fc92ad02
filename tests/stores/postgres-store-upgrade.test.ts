import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildReceipt, signReceipt, verifySignature, type Receipt } from "enact-sdk";
import { PostgresReceiptStore } from "enact-sdk/connectors/postgres";
import { auditPostgresStore, postgresTables } from "../../src/journal/postgres-source.js";
import { TEST_SECRET } from "../support/context.js";
import { getTestDatabase, releaseTestDatabase, type TestDatabase } from "../support/database.js";
import { dropStoreTablesSql } from "../../src/stores/postgres-tables.js";

/*
 * A store whose tables an older version created: migrate() adds the columns the journal now keeps
 * in them, and only when they are missing, since ALTER TABLE locks out even readers (mutation
 * testing found both unpinned; docs/mutation.md). The older tables are created here by hand.
 */

const onServer = (process.env.DATABASE_URL ?? "") !== "";
let db: TestDatabase;
const prefixes: string[] = [];
const stores: PostgresReceiptStore[] = [];
const pools: pg.Pool[] = [];

beforeAll(async () => {
  db = await getTestDatabase();
});

afterAll(async () => {
  for (const store of stores) await store.close();
  for (const pool of pools) await pool.end();
  for (const prefix of prefixes) await db.admin.query(dropStoreTablesSql(prefix));
  await releaseTestDatabase();
});

function freshPrefix(): string {
  const prefix = `${db.uniqueName("enact")}_`;
  prefixes.push(prefix);
  return prefix;
}

function open(options: { tablePrefix: string; pool?: pg.Pool }): PostgresReceiptStore {
  const store = new PostgresReceiptStore({ connectionString: db.connectionString, secret: TEST_SECRET, sealIntervalMs: Number.POSITIVE_INFINITY, ...options });
  stores.push(store);
  return store;
}

function receipt(): Receipt {
  return signReceipt(buildReceipt({ workflow: "send_invoice", actorEmail: "agent@co.com", payload: { amount: 1 }, policyResults: [], decision: "PASS" }), TEST_SECRET);
}

/** The receipts table as stores before the single-row layout created it: no writer, seq or entry. */
async function olderReceiptsTable(prefix: string): Promise<void> {
  await db.admin.query(`
    CREATE TABLE "${prefix}receipts" (
      run_id uuid PRIMARY KEY,
      workflow text NOT NULL,
      actor_email text NOT NULL,
      decision text NOT NULL,
      created_at timestamptz NOT NULL,
      idempotency_key_sha256 text,
      receipt text NOT NULL
    )`);
}

/** The writers table as stores before the head's run id created it. */
async function olderWritersTable(prefix: string): Promise<void> {
  await db.admin.query(`
    CREATE TABLE "${prefix}journal_writers" (
      writer uuid PRIMARY KEY,
      head_seq bigint NOT NULL,
      head_mac text NOT NULL,
      sealed_seq bigint NOT NULL DEFAULT -1,
      updated_at timestamptz NOT NULL
    )`);
}

async function columns(table: string): Promise<string[]> {
  const { rows } = await db.admin.query<{ name: string }>(
    "SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
    [`"${table}"`],
  );
  return rows.map((row) => row.name);
}

/** Writes two receipts, seals them, and reads them back and through verify. */
async function expectWritesAndVerifies(prefix: string): Promise<void> {
  const store = open({ tablePrefix: prefix });
  const written = [receipt(), receipt()];
  for (const r of written) await store.write(r);
  await store.flush();
  for (const r of written) expect(verifySignature(await store.load(r.runId), TEST_SECRET)).toBe(true);
  const report = await auditPostgresStore(db.admin, postgresTables({ tablePrefix: prefix }), TEST_SECRET);
  expect({ ok: report.ok, valid: report.counts.valid, problems: report.journal.problems, findings: report.findings }).toEqual({ ok: true, valid: 2, problems: [], findings: [] });
}

describe("PostgresReceiptStore on tables an older version created", () => {
  it("adds the journal's columns to a receipts table without them, then writes receipts that verify", async () => {
    const prefix = freshPrefix();
    await olderReceiptsTable(prefix);

    await expectWritesAndVerifies(prefix);

    expect(await columns(`${prefix}receipts`)).toEqual(expect.arrayContaining(["writer", "seq", "entry"]));
  });

  it("adds the head's run id to a writers table without it, then writes receipts that verify", async () => {
    const prefix = freshPrefix();
    await olderWritersTable(prefix);

    await expectWritesAndVerifies(prefix);

    expect(await columns(`${prefix}journal_writers`)).toContain("head_run_id");
  });

  // A transaction held open by the test: the embedded PGlite serves one connection's transaction at a time.
  it.skipIf(!onServer)(
    "opens tables that have every column while another session reads them, without waiting for it",
    async () => {
      const prefix = freshPrefix();
      await open({ tablePrefix: prefix }).migrate();
      const reader = await db.admin.connect();
      try {
        // A reader in the middle of a transaction: ALTER TABLE would wait for it to end.
        await reader.query("BEGIN");
        await reader.query(`SELECT count(*) FROM "${prefix}receipts"`);
        await reader.query(`SELECT count(*) FROM "${prefix}journal_writers"`);
        // A statement that would wait for the reader fails instead of hanging the test.
        const waitless = new pg.Pool({ connectionString: db.connectionString, max: 2, options: "-c lock_timeout=2s" });
        waitless.on("error", () => undefined);
        pools.push(waitless);

        await open({ tablePrefix: prefix, pool: waitless }).migrate();
      } finally {
        await reader.query("ROLLBACK");
        reader.release();
      }
    },
  );
});
