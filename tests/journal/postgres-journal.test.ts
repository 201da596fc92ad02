import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTestDatabase, releaseTestDatabase } from "../support/database.js";
import { defineWorkflow, EnactClient, ReceiptExistsError } from "enact-sdk";
import pg from "pg";
import { auditPostgresStore, postgresTables } from "../../src/journal/postgres-source.js";
import { PostgresReceiptStore } from "enact-sdk/connectors/postgres";
import { CLI_SECRET, makeReceipt, ROOT, TSX } from "../support/cli.js";
import { runInLockstep } from "../support/lockstep.js";
import { DATABASE_URL, dropTables, useDatabase, freshPrefix, postgresStore, sql } from "../support/postgres-journal.js";

const prefixes: string[] = [];
beforeAll(async () => {
  useDatabase((await getTestDatabase()).connectionString);
});
let pool: pg.Pool;
beforeAll(() => {
  pool = new pg.Pool({ connectionString: DATABASE_URL });
});
afterAll(async () => {
  await pool.end();
  for (const prefix of prefixes) await dropTables(prefix);
  await releaseTestDatabase();
});

function prefix(): string {
  const fresh = freshPrefix();
  prefixes.push(fresh);
  return fresh;
}

const audit = (tablePrefix: string) => auditPostgresStore(pool, postgresTables({ tablePrefix }), CLI_SECRET);

describe("PostgresReceiptStore's journal", () => {
  it("keeps one unbroken chain under 300 concurrent runs of one client", async () => {
    const tablePrefix = prefix();
    const store = new PostgresReceiptStore({ connectionString: DATABASE_URL, tablePrefix });
    const enact = new EnactClient({ secret: CLI_SECRET, receiptStore: store, workflows: [defineWorkflow("noop", async () => [])] });
    await Promise.all(Array.from({ length: 300 }, () => enact.run({ workflow: "noop", actorEmail: "a@b.com" })));
    await store.close();
    expect(await audit(tablePrefix)).toMatchObject({ ok: true, counts: { receipts: 300, valid: 300 }, journal: { entries: 300, problems: [] } });
  });

  // PGlite's socket server keeps a transaction's messages together but not an autocommit
  // statement's (Parse, Bind, Execute): one session serves every connection, so statements of
  // several processes at once mix their portals there. The real server runs them side by side.
  it.skipIf((process.env.DATABASE_URL ?? "") === "")("keeps one chain per writer, all sealed, when three processes write at once", { timeout: 60_000 }, async () => {
    const tablePrefix = prefix();
    await sql("SELECT 1");
    const setup = postgresStore(tablePrefix);
    await setup.write(makeReceipt()); // create the tables before the race
    await setup.close();
    const writer = join(ROOT, "tests/support/journal-writer.ts");
    const results = await runInLockstep([1, 2, 3].map(() => ["--import", TSX, writer, `pg:${tablePrefix}`, "100"]), 100, { DATABASE_URL });
    expect(results.map((result) => [result.code, result.stderr])).toEqual([[0, ""], [0, ""], [0, ""]]);
    expect(await audit(tablePrefix)).toMatchObject({ ok: true, counts: { receipts: 301, valid: 301 }, journal: { entries: 301, problems: [] } });
    // Each process chained its own receipts (the setup's has no pid), and a seal covers every chain's
    // head: close() waits for a seal lock another writer holds (that writer may have read the heads
    // before this one's head row committed), so no chain is left unsealed when all end together.
    const { rows } = await sql(
      `SELECT w.writer, w.head_seq = w.sealed_seq AS sealed, count(DISTINCT r.receipt::json -> 'payload' ->> 'pid')::int AS pids
       FROM "${tablePrefix}journal_writers" w JOIN "${tablePrefix}receipts" r USING (writer)
       GROUP BY w.writer, w.head_seq, w.sealed_seq ORDER BY pids`,
    );
    expect(rows.map((row: { sealed: boolean; pids: number }) => [row.sealed, row.pids])).toEqual([[true, 0], [true, 1], [true, 1], [true, 1]]);
  });

  it("refuses a duplicate run id without journaling it, and journals the others of its batch", async () => {
    const tablePrefix = prefix();
    const store = postgresStore(tablePrefix);
    const first = makeReceipt();
    await store.write(first);
    const results = await Promise.allSettled([store.write(makeReceipt()), store.write(first), store.write(makeReceipt())]);
    await store.close();
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ReceiptExistsError);
    expect(await audit(tablePrefix)).toMatchObject({ ok: true, counts: { valid: 3 }, journal: { entries: 3, problems: [] } });
  });

  // Through a pooler in transaction mode (PgBouncer before 1.21), consecutive statements of one
  // client land on server connections that never prepared the store's append statement; a
  // DEALLOCATE on the store's only connection puts it in the same place.
  it("keeps writing, unprepared, when its connection loses the prepared append statement", async () => {
    const tablePrefix = prefix();
    const single = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const store = new PostgresReceiptStore({ pool: single, tablePrefix, secret: CLI_SECRET });
    try {
      // Two writes: with and without the writer's head row, two statements, both prepared.
      await store.write(makeReceipt());
      await store.write(makeReceipt());
      await single.query("DEALLOCATE ALL");
      await store.write(makeReceipt());
      await store.write(makeReceipt());
    } finally {
      await store.close();
      await single.end();
    }
    expect(await audit(tablePrefix)).toMatchObject({ ok: true, counts: { valid: 4 }, journal: { entries: 4, problems: [] } });
  });

  it("refuses to write without a journal key", async () => {
    const store = new PostgresReceiptStore({ connectionString: DATABASE_URL, tablePrefix: prefix() });
    await expect(store.write(makeReceipt())).rejects.toThrow(/no journal key/);
    await store.close();
  });
});
