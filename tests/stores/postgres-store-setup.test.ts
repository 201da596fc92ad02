import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildReceipt, signReceipt, type Receipt } from "enact-sdk";
import { PostgresReceiptStore } from "enact-sdk/connectors/postgres";
import { TEST_SECRET } from "../support/context.js";
import { getTestDatabase, releaseTestDatabase, type TestDatabase } from "../support/database.js";
import { dropStoreTablesSql } from "../../src/stores/postgres-tables.js";

/*
 * Where a PostgresReceiptStore puts its tables, whose pool it ends, how it holds its connections,
 * and when it seals (mutation testing found each unpinned; docs/mutation.md).
 */

let db: TestDatabase;
const prefixes: string[] = [];
const schemas: string[] = [];
const pools: pg.Pool[] = [];
const stores: PostgresReceiptStore[] = [];

beforeAll(async () => {
  db = await getTestDatabase();
});

afterAll(async () => {
  for (const store of stores) await store.close().catch(() => undefined);
  for (const pool of pools) await pool.end();
  for (const prefix of prefixes) await db.admin.query(dropStoreTablesSql(prefix));
  for (const schema of schemas) await db.admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await releaseTestDatabase();
});

function freshPrefix(): string {
  const prefix = `${db.uniqueName("enact")}_`;
  prefixes.push(prefix);
  return prefix;
}

async function freshSchema(): Promise<string> {
  const schema = db.uniqueName("enact_schema");
  schemas.push(schema);
  await db.admin.query(`CREATE SCHEMA "${schema}"`);
  return schema;
}

function pool(options: pg.PoolConfig = {}): pg.Pool {
  const created = new pg.Pool({ connectionString: db.connectionString, max: 3, ...options });
  created.on("error", () => undefined);
  pools.push(created);
  return created;
}

function open(options: ConstructorParameters<typeof PostgresReceiptStore>[0]): PostgresReceiptStore {
  const store = new PostgresReceiptStore(options);
  stores.push(store);
  return store;
}

function receipt(): Receipt {
  return signReceipt(buildReceipt({ workflow: "send_invoice", actorEmail: "agent@co.com", payload: { amount: 1 }, policyResults: [], decision: "PASS" }), TEST_SECRET);
}

const claimOf = (key: string, runId: string) => ({
  key,
  fingerprint: "f",
  runId,
  state: "claimed" as const,
  owner: "test",
  workflow: "send_invoice",
  actorEmail: "agent@co.com",
  payload: {},
  claimedAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
});

async function count(table: string): Promise<number> {
  const { rows } = await db.admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]?.n ?? -1;
}

describe("PostgresReceiptStore's tables", () => {
  /**
   * A pool whose connections look for unqualified names in a schema of their own: a table the
   * store forgot to qualify would land there, not in the schema it was given.
   */
  async function decoyPool(): Promise<pg.Pool> {
    const decoy = await freshSchema();
    return pool({ options: `-c search_path=${decoy}` });
  }

  it("are named enact_receipts, enact_idempotency_keys, ... by default, in the schema given", async () => {
    const schema = await freshSchema();
    const store = open({ pool: await decoyPool(), schema, secret: TEST_SECRET, sealIntervalMs: Number.POSITIVE_INFINITY });
    const written = receipt();

    await store.write(written);
    await store.claim(claimOf("invoice-7", written.runId));

    expect(await count(`"${schema}"."enact_receipts"`)).toBe(1);
    expect(await count(`"${schema}"."enact_idempotency_keys"`)).toBe(1);
  });

  it("keep claims in the schema given, whatever the connection's search path", async () => {
    const schema = await freshSchema();
    const store = open({ pool: await decoyPool(), schema, tablePrefix: "claims_" });

    await store.claim(claimOf("invoice-8", "00000000-0000-4000-8000-000000000008"));

    const { rows } = await db.admin.query<{ run_id: string }>(`SELECT run_id FROM "${schema}"."claims_idempotency_keys"`);
    expect(rows).toEqual([{ run_id: "00000000-0000-4000-8000-000000000008" }]);
  });
});

describe("PostgresReceiptStore.close", () => {
  it("ends the pool the store created from its connection string", async () => {
    const store = open({ connectionString: db.connectionString, tablePrefix: freshPrefix() });
    await store.migrate();

    await store.close();

    await expect(store.load("00000000-0000-4000-8000-000000000000")).rejects.toThrow("Cannot use a pool after calling end on the pool");
  });

  it("leaves a pool it was given open", async () => {
    const given = pool();
    const store = open({ pool: given, tablePrefix: freshPrefix() });
    await store.migrate();

    await store.close();

    expect((await given.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });

  it("seals what the store wrote", async () => {
    const prefix = freshPrefix();
    const store = open({ connectionString: db.connectionString, tablePrefix: prefix, secret: TEST_SECRET, sealIntervalMs: Number.POSITIVE_INFINITY });
    await store.write(receipt());
    expect(await count(`"${prefix}journal_seals"`)).toBe(0);

    await store.close();

    expect(await count(`"${prefix}journal_seals"`)).toBe(1);
  });
});

describe("PostgresReceiptStore.flush", () => {
  it("seals what the store wrote", async () => {
    const prefix = freshPrefix();
    const store = open({ connectionString: db.connectionString, tablePrefix: prefix, secret: TEST_SECRET, sealIntervalMs: Number.POSITIVE_INFINITY });
    await store.write(receipt());

    await store.flush();

    expect(await count(`"${prefix}journal_seals"`)).toBe(1);
  });
});

describe("PostgresReceiptStore.write", () => {
  it("says where each receipt went: postgres, under its run id", async () => {
    const store = open({ connectionString: db.connectionString, tablePrefix: freshPrefix(), secret: TEST_SECRET });
    const [first, second] = [receipt(), receipt()];

    // The first write creates the tables; the next goes straight to the journal.
    expect(await store.write(first)).toBe(`postgres:${first.runId}`);
    expect(await store.write(second)).toBe(`postgres:${second.runId}`);
  });

  it("by default keeps one of the pool's connections checked out for its appends", async () => {
    const given = pool();
    const store = open({ pool: given, tablePrefix: freshPrefix(), secret: TEST_SECRET });

    await store.write(receipt());
    await store.write(receipt());

    expect(given.totalCount - given.idleCount).toBe(1);
  });

  it("with holdAppendConnection: false, gives every connection back after each append", async () => {
    const given = pool();
    const store = open({ pool: given, tablePrefix: freshPrefix(), secret: TEST_SECRET, holdAppendConnection: false });

    await store.write(receipt());
    await store.write(receipt());

    expect(given.idleCount).toBe(given.totalCount);
  });
});
