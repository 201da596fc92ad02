import { type ActionResult, type EnactClient, MemoryReceiptStore, type Receipt } from "enact-sdk";
import { PostgresConnector } from "enact-sdk/connectors/postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edit, editingClient } from "../support/postgres-edits.js";
import { getTestDatabase, releaseTestDatabase, type TestDatabase } from "../support/database.js";
import { resigned, storeSignedRun } from "../support/signed-receipts.js";

/*
 * What the Postgres undo refuses, and how it says so. Many of these receipts are signed by hand
 * with the client's secret: no connector writes them, but rollback() trusts any receipt that
 * verifies, so what it does with odd rollback data must be safe and say what is wrong.
 */

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

function client(store?: MemoryReceiptStore): EnactClient {
  return editingClient(postgres, store);
}

/** Rolls back `receipt` changed by `change` (and signed again): the first undo result. */
async function rollbackAltered(receipt: Receipt, change: (action: ActionResult) => void): Promise<ActionResult | undefined> {
  const store = new MemoryReceiptStore();
  await store.write(resigned(receipt, (copy) => change(copy.actionsTaken[0] as ActionResult)));
  const [, undo] = await client(store).rollback(receipt.runId);
  return undo.actionsTaken[0];
}

/** A table `accounts (id int primary key, name text)` with row (1, 'before') updated to 'after' by a run. */
async function updatedRow(): Promise<{ table: string; run: Receipt }> {
  const table = await db.createTable("accounts", "id int primary key, name text not null");
  await db.admin.query(`INSERT INTO "${table}" VALUES (1, 'before')`);
  const run = await edit(client(), { table, update: { name: "after" }, where: { id: 1 } });
  return { table, run };
}

/** A table `accounts (id int primary key, name text)` whose row (3, 'deleted') a run deleted. */
async function deletedRow(): Promise<{ table: string; run: Receipt }> {
  const table = await db.createTable("accounts", "id int primary key, name text not null");
  await db.admin.query(`INSERT INTO "${table}" VALUES (3, 'deleted')`);
  const run = await edit(client(), { table, where: { id: 3 } });
  return { table, run };
}

describe("the Postgres undo refuses rollback data it cannot use, naming what is wrong", () => {
  it("reports a Postgres action it has no undo for as not undoable, naming the action", async () => {
    const store = new MemoryReceiptStore();
    const run = await storeSignedRun(store, [{ system: "postgres", action: "truncate_table", success: true, output: {}, rollbackData: { table: "accounts" } }]);

    const [, receipt] = await client(store).rollback(run.runId);

    expect(receipt.actionsTaken[0]).toMatchObject({ action: "not_undoable", success: false, output: { error: "Postgres action 'truncate_table' has no undo." } });
  });

  it("refuses an update whose rollbackData.rows holds something that is not a row, naming the field", async () => {
    const { table, run } = await updatedRow();

    const undo = await rollbackAltered(run, (action) => {
      (action.rollbackData?.rows as unknown[]).push("not a row");
    });

    expect(undo?.output.error).toBe("The receipt's rollback data of update_row is not usable: rollbackData.rows must be a list of rows.");
    expect(await db.rows(table)).toEqual([{ id: 1, name: "after" }]);
  });

  it("refuses an update whose output.rows is not a list of rows, naming the field", async () => {
    const { run } = await updatedRow();

    const undo = await rollbackAltered(run, (action) => {
      action.output.rows = { id: 1, name: "after" };
    });

    expect(undo?.output.error).toBe("The receipt's rollback data of update_row is not usable: output.rows must be a list of rows.");
  });

  it("refuses a primary key that is not a list of column names", async () => {
    const { run } = await updatedRow();

    const undo = await rollbackAltered(run, (action) => {
      (action.rollbackData as Record<string, unknown>).primaryKey = ["id", 1];
    });

    expect(undo?.output.error).toBe("The receipt's rollback data of update_row is not usable: rollbackData.primaryKey must be a list of column names.");
  });

  it("refuses a primary-key column name that is not a plain identifier, calling it a primary-key column", async () => {
    const { run } = await updatedRow();

    const undo = await rollbackAltered(run, (action) => {
      (action.rollbackData as Record<string, unknown>).primaryKey = ["id; drop"];
    });

    expect(undo?.output.error).toMatch(/^The receipt's rollback data of update_row is not usable: Invalid primary-key column "id; drop": /);
  });

  it("reports an update whose result lists more rows than it changed as not undoable, and changes nothing", async () => {
    const { table, run } = await updatedRow();

    const undo = await rollbackAltered(run, (action) => {
      (action.output.rows as unknown[]).push({ id: 2, name: "after" });
    });

    expect(undo).toMatchObject({ action: "not_undoable", success: false });
    expect(undo?.output.error).toMatch(/changed primary-key values/);
    expect(await db.rows(table)).toEqual([{ id: 1, name: "after" }]);
  });

  it("refuses to re-insert a recorded row that has no value for a primary-key column", async () => {
    const { table, run } = await deletedRow();

    const undo = await rollbackAltered(run, (action) => {
      action.rollbackData = { ...action.rollbackData, rows: [{ name: "deleted" }] };
    });

    expect(undo).toMatchObject({ action: "reinsert_rows", success: false, output: { error: "A recorded row has no value for primary-key column id." } });
    expect(await db.rows(table)).toEqual([]);
  });

  it("refuses to re-insert a recorded row whose primary-key value is null", async () => {
    const { table, run } = await deletedRow();

    const undo = await rollbackAltered(run, (action) => {
      action.rollbackData = { ...action.rollbackData, rows: [{ id: null, name: "deleted" }] };
    });

    expect(undo).toMatchObject({ action: "reinsert_rows", success: false, output: { error: "A recorded row has no value for primary-key column id." } });
    expect(await db.rows(table)).toEqual([]);
  });
});

describe("the Postgres undo writes only what it must", () => {
  it("writes nothing for a recorded row that differs from the row now only in a generated column", async () => {
    const table = await db.createTable("accounts", "id int primary key, name text not null, shout text generated always as (upper(name)) stored");
    await db.admin.query(`INSERT INTO "${table}" (id, name) VALUES (1, 'same')`);
    const run = await edit(client(), { table, update: { name: "same" }, where: { id: 1 } });

    const undo = await rollbackAltered(run, (action) => {
      (action.rollbackData?.rows as Array<Record<string, unknown>>)[0] = { id: 1, name: "same", shout: "FORGED" };
    });

    expect(undo).toMatchObject({ action: "restore_rows", success: true, output: { rows: [{ id: 1 }] } });
    expect(await db.rows(table)).toEqual([{ id: 1, name: "same", shout: "SAME" }]);
  });

  it("refuses to restore a recorded column whose name is not a plain identifier, calling it a column", async () => {
    const table = await db.createTable("accounts", `id int primary key, name text not null, "nick name" text`);
    await db.admin.query(`INSERT INTO "${table}" VALUES (1, 'before', NULL)`);
    const run = await edit(client(), { table, update: { name: "after" }, where: { id: 1 } });

    const undo = await rollbackAltered(run, (action) => {
      (action.rollbackData?.rows as Array<Record<string, unknown>>)[0] = { id: 1, name: "before", "nick name": "forged" };
    });

    expect(undo).toMatchObject({ action: "restore_rows", success: false });
    expect(undo?.output.error).toMatch(/^Invalid column "nick name": /);
    expect(await db.rows(table)).toEqual([{ id: 1, name: "after", "nick name": null }]);
  });
});

describe("the Postgres undo refuses rows the table can no longer hold as recorded", () => {
  it("refuses to re-insert a deleted row whose column was dropped since the run, naming the column", async () => {
    const table = await db.createTable("accounts", "id int primary key, name text not null, nickname text");
    await db.admin.query(`INSERT INTO "${table}" VALUES (3, 'deleted', 'd')`);
    const enact = client();
    const run = await edit(enact, { table, where: { id: 3 } });
    await db.admin.query(`ALTER TABLE "${table}" DROP COLUMN nickname`);

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]).toMatchObject({ action: "reinsert_rows", success: false, output: { error: "Column nickname of the recorded row no longer exists." } });
    expect(await db.rows(table)).toEqual([]);
  });

  it("refuses to re-insert a deleted row with a column whose name is not a plain identifier, calling it a column", async () => {
    const table = await db.createTable("accounts", `id int primary key, "nick name" text`);
    await db.admin.query(`INSERT INTO "${table}" VALUES (3, 'd')`);
    const enact = client();
    const run = await edit(enact, { table, where: { id: 3 } });

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]).toMatchObject({ action: "reinsert_rows", success: false });
    expect(receipt.actionsTaken[0]?.output.error).toMatch(/^Invalid column "nick name": /);
    expect(await db.rows(table)).toEqual([]);
  });

  it("restores none of an update's rows when putting one of them back fails", async () => {
    const table = await db.createTable("accounts", "id int primary key, team int not null, name text not null");
    await db.admin.query(`INSERT INTO "${table}" VALUES (1, 7, 'a'), (2, 7, 'bb')`);
    const enact = client();
    const run = await edit(enact, { table, update: { name: "ok" }, where: { team: 7 } });
    // Added after the run, unchecked for the rows already there: only putting 'bb' back breaks it.
    await db.admin.query(`ALTER TABLE "${table}" ADD CONSTRAINT short_name CHECK (length(name) < 2) NOT VALID`);

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_rows", success: false });
    expect(await db.rows(table, "id")).toEqual([
      { id: 1, team: 7, name: "ok" },
      { id: 2, team: 7, name: "ok" },
    ]);
  });
});
