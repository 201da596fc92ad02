import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresReceiptStore } from "enact-sdk/connectors/postgres";
import { dropStoreTables, dropStoreTablesSql, postgresTables } from "../../src/stores/postgres-tables.js";
import { TEST_SECRET } from "../support/context.js";
import { getTestDatabase, releaseTestDatabase } from "../support/database.js";

// postgresTables names a store's tables for verify (`enact-sdk verify --database-url`) and the
// audit; dropStoreTables removes a store (the tests' cleanup).

const schemas: string[] = [];
afterAll(async () => {
  const db = await getTestDatabase();
  for (const schema of schemas) await db.admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await releaseTestDatabase();
});

const NOT_A_NAME = "The table prefix and schema must be plain SQL names (letters, digits, _).";

describe("postgresTables", () => {
  it("names the tables enact_receipts, enact_journal, ... by default, quoted, in the search path", () => {
    expect(postgresTables()).toEqual({
      receipts: '"enact_receipts"',
      journal: '"enact_journal"',
      entries: '"enact_journal_entries"',
      writers: '"enact_journal_writers"',
      seals: '"enact_journal_seals"',
    });
  });

  it("names them after the table prefix, qualified by the schema when one is given", () => {
    expect(postgresTables({ tablePrefix: "billing_", schema: "audit" })).toEqual({
      receipts: '"audit"."billing_receipts"',
      journal: '"audit"."billing_journal"',
      entries: '"audit"."billing_journal_entries"',
      writers: '"audit"."billing_journal_writers"',
      seals: '"audit"."billing_journal_seals"',
    });
  });

  it("refuses a table prefix that is not a plain SQL name, with a TypeError saying what is allowed", () => {
    expect(() => postgresTables({ tablePrefix: 'enact_"; DROP TABLE x; --' })).toThrow(new TypeError(NOT_A_NAME));
    expect(() => postgresTables({ tablePrefix: "enact-" })).toThrow(TypeError);
  });

  it("refuses a schema that is not a plain SQL name, with the same TypeError", () => {
    expect(() => postgresTables({ schema: "audit.log" })).toThrow(new TypeError(NOT_A_NAME));
    expect(() => postgresTables({ tablePrefix: "billing_", schema: 'a"b' })).toThrow(TypeError);
  });
});

describe("dropStoreTables", () => {
  it("drops every table of a store in its schema", async () => {
    const db = await getTestDatabase();
    const schema = db.uniqueName("tables");
    schemas.push(schema);
    await db.admin.query(`CREATE SCHEMA "${schema}"`);
    const prefix = "shop_";
    const store = new PostgresReceiptStore({ connectionString: db.connectionString, tablePrefix: prefix, schema, secret: TEST_SECRET });
    await store.migrate();
    await store.setHalt(JSON.stringify({ halted: true }));
    await store.close();
    const tables = async (): Promise<string[]> =>
      (await db.admin.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY 1", [schema])).rows.map((row) => row.name);
    expect(await tables()).toEqual(expect.arrayContaining(["shop_receipts", "shop_idempotency_keys", "shop_journal_entries", "shop_control"]));
    await dropStoreTables(db.admin, prefix, schema);
    expect(await tables()).toEqual([]);
  });

  /** A database whose first `deadlocks` drops deadlock (SQLSTATE 40P01, as a writer still sealing can make them), then succeed. */
  function deadlocking(deadlocks: number, code = "40P01"): { db: { query(sql: string): Promise<unknown> }; statements: string[] } {
    const statements: string[] = [];
    return {
      statements,
      db: {
        query: async (sql) => {
          statements.push(sql);
          if (statements.length > deadlocks) return { rowCount: 0 };
          throw Object.assign(new pg.DatabaseError("deadlock detected", 0, "error"), { code });
        },
      },
    };
  }

  it("tries the drop again after a deadlock", async () => {
    const { db, statements } = deadlocking(2);
    await dropStoreTables(db, "shop_");
    const drop = dropStoreTablesSql("shop_");
    expect(drop).toMatch(/^DROP TABLE IF EXISTS "shop_receipts", /);
    expect(statements).toEqual([drop, drop, drop]);
  });

  it("gives up after five deadlocks in a row, with the last one", async () => {
    const { db, statements } = deadlocking(5);
    await expect(dropStoreTables(db, "shop_")).rejects.toMatchObject({ code: "40P01" });
    expect(statements).toHaveLength(5);
  });

  it("does not try again after any other error", async () => {
    const { db, statements } = deadlocking(1, "42501");
    await expect(dropStoreTables(db, "shop_")).rejects.toMatchObject({ code: "42501" });
    expect(statements).toHaveLength(1);
  });
});
