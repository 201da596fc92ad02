import { defineWorkflow, EnactClient, MemoryReceiptStore, type Receipt, requireSystem } from "enact-sdk";
import { PostgresConnector, PostgresReceiptStore } from "enact-sdk/connectors/postgres";
import { dbSafeInsert } from "enact-sdk/workflows";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TamperedReceiptError } from "enact-sdk";
import { TEST_SECRET } from "../support/context.js";
import { getTestDatabase, releaseTestDatabase, type TestDatabase } from "../support/database.js";
import { dropStoreTablesSql } from "../../src/stores/postgres-tables.js";

let db: TestDatabase;
let postgres: PostgresConnector;

beforeAll(async () => {
  db = await getTestDatabase();
  postgres = new PostgresConnector({ connectionString: db.connectionString });
});

afterAll(async () => {
  await postgres?.close();
  await releaseTestDatabase();
});

/** Runs the steps in `payload.steps` in order: a hand-written multi-action workflow. */
const editRows = defineWorkflow("edit_rows", async (ctx) => {
  const pg = requireSystem(ctx, "postgres", PostgresConnector);
  const table = String(ctx.payload.table);
  const results = [];
  for (const step of ctx.payload.steps as Array<Record<string, Record<string, unknown>>>) {
    if (step.insert !== undefined) results.push(await pg.insertRow({ table, data: step.insert }));
    if (step.update !== undefined) results.push(await pg.updateRow({ table, data: step.update, where: step.where ?? {} }));
    if (step.delete !== undefined) results.push(await pg.deleteRow({ table, where: step.delete }));
    if (step.select !== undefined) results.push(await pg.selectRows({ table, where: step.select }));
  }
  return results;
});

const store = new MemoryReceiptStore();

function client(connector: PostgresConnector = postgres): EnactClient {
  return new EnactClient({
    systems: { postgres: connector },
    workflows: [dbSafeInsert, editRows],
    secret: TEST_SECRET,
    receiptStore: store,
    rollbackEnabled: true,
  });
}

async function edit(table: string, steps: unknown[], enact = client()): Promise<Receipt> {
  const [, receipt] = await enact.run({ workflow: "edit_rows", actorEmail: "agent@acme.dev", payload: { table, steps } });
  return receipt;
}

const ACCOUNTS = `id int primary key, status text not null, plan text, balance numeric(12,2), tags jsonb,
  avatar bytea, seen_at timestamptz, big bigint`;

async function accounts(): Promise<string> {
  const table = await db.createTable("accounts", ACCOUNTS);
  await db.admin.query(
    `INSERT INTO "${table}" VALUES
      (1, 'active', 'pro', 10.50, '{"vip": true, "list": [1, 2]}', '\\x00ff10', '2025-01-02 03:04:05.123456+00', 9007199254740993),
      (2, 'active', 'free', 0, '[1, "a"]', NULL, NULL, NULL),
      (3, 'paused', 'free', 3.25, NULL, '\\x', '2025-06-01 00:00:00+00', -1)`,
  );
  return table;
}

describe("rollback of db_safe_insert", () => {
  it("never touches another row when the table's primary key changed after the connector cached it", async () => {
    const table = await db.createTable("keyed", "id int primary key, email text not null");
    const connector = new PostgresConnector({ connectionString: db.connectionString });
    const enact = client(connector);
    await enact.run({ workflow: "db_safe_insert", actorEmail: "agent@acme.dev", payload: { table, data: { id: 1, email: "a@acme.com" } } });
    // The key moves to another column while the connector still remembers `id`.
    await db.admin.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${table}_pkey", ADD PRIMARY KEY (email)`);
    await db.admin.query(`INSERT INTO "${table}" VALUES (2, 'other@acme.com')`);
    const before = await db.rows(table, "email");
    const [, run] = await enact.run({ workflow: "db_safe_insert", actorEmail: "agent@acme.dev", payload: { table, data: { id: 2, email: "b@acme.com" } } });

    const [, rollback] = await enact.rollback(run.runId);

    // The stale key (`id` = 2) now matches two rows, so the undo leaves both alone and says so.
    expect(rollback.decision).toBe("PARTIAL");
    expect(rollback.actionsTaken[0]).toMatchObject({ action: "delete_inserted_rows", success: false, output: { leftAlone: true } });
    expect(await db.rows(table, "email")).toEqual([...before.slice(0, 1), { id: 2, email: "b@acme.com" }, ...before.slice(1)]);
    await connector.close();
  });

  it("deletes the inserted row by its primary key: the table is as it was", async () => {
    const table = await db.createTable("leads", "id serial primary key, email text not null unique, created_at timestamptz not null default now()");
    await db.admin.query(`INSERT INTO "${table}" (email) VALUES ('old@acme.com')`);
    const before = await db.rows(table);
    const enact = client();
    const [, run] = await enact.run({ workflow: "db_safe_insert", actorEmail: "agent@acme.dev", payload: { table, data: { email: "new@acme.com" } } });

    const [result, receipt] = await enact.rollback(run.runId);

    expect(await db.rows(table)).toEqual(before);
    expect(result.success).toBe(true);
    expect(receipt.actionsTaken).toEqual([
      expect.objectContaining({ action: "delete_inserted_rows", success: true, output: expect.objectContaining({ rows: [{ id: 2 }], rowCount: 1 }) }),
    ]);
  });

  it("skips an insert that found its row already there (alreadyDone)", async () => {
    const table = await db.createTable("leads", "id serial primary key, email text not null unique");
    await db.admin.query(`INSERT INTO "${table}" (email) VALUES ('jane@acme.com')`);
    const enact = client();
    const [, run] = await enact.run({ workflow: "db_safe_insert", actorEmail: "agent@acme.dev", payload: { table, data: { email: "jane@acme.com" }, uniqueKey: "email" } });

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt).toMatchObject({ decision: "PASS", actionsTaken: [] });
    expect(await db.rows(table)).toHaveLength(1);
  });

  it("leaves an inserted row someone changed after the run alone, and gives PARTIAL", async () => {
    const table = await db.createTable("leads", "id serial primary key, email text not null");
    const enact = client();
    const [, run] = await enact.run({ workflow: "db_safe_insert", actorEmail: "agent@acme.dev", payload: { table, data: { email: "new@acme.com" } } });
    await db.admin.query(`UPDATE "${table}" SET email = 'edited@acme.com'`);

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PARTIAL");
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "delete_inserted_rows", success: false, output: { leftAlone: true, rows: [{ id: 1 }] } });
    expect(await db.rows(table)).toEqual([{ id: 1, email: "edited@acme.com" }]);
  });
});

describe("rollback of row updates and deletes", () => {
  it("restores an update whose where column it changed, exactly, every type included", async () => {
    const table = await accounts();
    const before = await db.rows(table);
    const run = await edit(table, [{ update: { status: "archived", plan: "none", balance: "0", tags: { gone: true }, avatar: null }, where: { status: "active" } }]);
    expect(run.actionsTaken[0]?.output.rowCount).toBe(2);

    const [, receipt] = await client().rollback(run.runId);

    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_rows", success: true, output: { rowCount: 2 } });
    expect(await db.rows(table)).toEqual(before);
  });

  it("re-inserts deleted rows as they were, identity and generated columns included", async () => {
    const table = await db.createTable(
      "items",
      "id int generated always as identity primary key, name text not null, price numeric, doubled numeric generated always as (price * 2) stored, meta jsonb, blob bytea",
    );
    await db.admin.query(`INSERT INTO "${table}" (name, price, meta, blob) VALUES ('a', 1.5, '{"k": [1]}', '\\xdeadbeef'), ('b', 2, '"text"', NULL), ('c', 3, NULL, NULL)`);
    const before = await db.rows(table);
    const run = await edit(table, [{ delete: { price: 2 } }, { delete: { name: "a" } }]);

    const [, receipt] = await client().rollback(run.runId);

    expect(receipt.actionsTaken.map((undo) => [undo.action, undo.success])).toEqual([
      ["reinsert_rows", true],
      ["reinsert_rows", true],
    ]);
    expect(await db.rows(table)).toEqual(before);
  });

  it("undoes a multi-action run newest first (insert, update of that row, delete, read): the table is as it was", async () => {
    const table = await accounts();
    const before = await db.rows(table);
    const run = await edit(table, [
      { insert: { id: 4, status: "new", plan: "trial" } },
      { update: { status: "active", plan: "pro" }, where: { id: 4 } },
      { select: { status: "active" } },
      { delete: { status: "paused" } },
      { update: { balance: "99.99" }, where: { status: "active" } },
    ]);
    expect(run.actionsTaken.every((action) => action.success)).toBe(true);

    const [, receipt] = await client().rollback(run.runId);

    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken.map((undo) => undo.action)).toEqual(["restore_rows", "reinsert_rows", "restore_rows", "delete_inserted_rows"]);
    expect(receipt.note).toContain("#2 postgres.select_rows (a read)");
    expect(await db.rows(table)).toEqual(before);
  });

  it("restores nothing when one of the updated rows changed since the run, and reports it", async () => {
    const table = await accounts();
    const run = await edit(table, [{ update: { plan: "enterprise" }, where: { status: "active" } }]);
    await db.admin.query(`UPDATE "${table}" SET plan = 'custom' WHERE id = 2`);

    const [, receipt] = await client().rollback(run.runId);

    expect(receipt.decision).toBe("PARTIAL");
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_rows", success: false, output: { leftAlone: true, rows: [{ id: 2 }] } });
    expect((await db.rows(table)).map((row) => row.plan)).toEqual(["enterprise", "custom", "free"]);
  });

  it("reports a table without a primary key as not undoable and never touches it", async () => {
    const table = await db.createTable("logs", "line text, level text");
    await db.admin.query(`INSERT INTO "${table}" VALUES ('a', 'info'), ('b', 'info')`);
    const run = await edit(table, [{ update: { level: "debug" }, where: { line: "a" } }, { insert: { line: "c", level: "warn" } }]);
    const after = await db.rows(table);

    const [, receipt] = await client().rollback(run.runId);

    expect(receipt.decision).toBe("PARTIAL");
    expect(receipt.actionsTaken.map((undo) => [undo.action, undo.success, undo.output.noPrimaryKey])).toEqual([
      ["not_undoable", false, true],
      ["not_undoable", false, true],
    ]);
    expect(receipt.actionsTaken[0]?.output.error).toMatch(/no primary key.*does not guess/);
    expect(await db.rows(table)).toEqual(after);
  });

  it("reports a denied undo action and gives PARTIAL", async () => {
    const table = await accounts();
    const run = await edit(table, [{ update: { plan: "x" }, where: { id: 1 } }]);
    const noRestore = new PostgresConnector({ connectionString: db.connectionString, allowedActions: ["update_row", "delete_inserted_rows"] });
    try {
      const [, receipt] = await client(noRestore).rollback(run.runId);

      expect(receipt.decision).toBe("PARTIAL");
      expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_rows", success: false, output: { permissionDenied: true } });
      expect((await db.rows(table))[0]?.plan).toBe("x");
    } finally {
      await noRestore.close();
    }
  });

  it("refuses a receipt whose recorded rows were tampered with", async () => {
    const table = await accounts();
    const run = await edit(table, [{ update: { plan: "x" }, where: { id: 1 } }]);
    const forged = structuredClone(run);
    ((forged.actionsTaken[0]?.rollbackData?.rows as Array<Record<string, unknown>>)[0] as Record<string, unknown>).balance = "1000000.00";
    const tamperedStore = new MemoryReceiptStore();
    await tamperedStore.write(forged);
    const enact = new EnactClient({ systems: { postgres }, secret: TEST_SECRET, receiptStore: tamperedStore, rollbackEnabled: true });
    const after = await db.rows(table);

    await expect(enact.rollback(run.runId)).rejects.toThrow(TamperedReceiptError);
    expect(await db.rows(table)).toEqual(after);
  });

  it("rolls back once: the second rollback changes nothing", async () => {
    const table = await accounts();
    const run = await edit(table, [{ delete: { id: 3 } }]);
    const enact = client();
    const [, first] = await enact.rollback(run.runId);
    await db.admin.query(`DELETE FROM "${table}" WHERE id = 3`);

    const [again, receipt] = await enact.rollback(run.runId);

    expect(again.replayed).toBe(true);
    expect(receipt).toEqual(first);
    expect((await db.rows(table)).map((row) => row.id)).toEqual([1, 2]);
  });

  it("works with the Postgres receipt store, which keeps and lists PARTIAL rollbacks", async () => {
    const prefix = `${db.uniqueName("rb")}_`;
    const receipts = new PostgresReceiptStore({ connectionString: db.connectionString, tablePrefix: prefix });
    const enact = new EnactClient({ systems: { postgres }, workflows: [editRows], secret: TEST_SECRET, receiptStore: receipts, rollbackEnabled: true });
    try {
      const table = await db.createTable("logs", "line text");
      const [, run] = await enact.run({ workflow: "edit_rows", actorEmail: "agent@acme.dev", payload: { table, steps: [{ insert: { line: "x" } }] } });

      const [, receipt] = await enact.rollback(run.runId);
      const [again] = await enact.rollback(run.runId);

      expect(receipt.decision).toBe("PARTIAL");
      expect(again.replayed).toBe(true);
      expect(await receipts.list({ decision: "PARTIAL" })).toEqual([receipt]);
      expect(enact.verifyReceipt(await receipts.load(receipt.runId))).toBe(true);
    } finally {
      await receipts.close();
      await db.admin.query(dropStoreTablesSql(prefix));
    }
  });
});
