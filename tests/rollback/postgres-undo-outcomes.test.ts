import type { EnactClient } from "enact-sdk";
import { PostgresConnector } from "enact-sdk/connectors/postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edit, editingClient } from "../support/postgres-edits.js";
import { getTestDatabase, releaseTestDatabase, type TestDatabase } from "../support/database.js";

/*
 * What the Postgres undo reports and leaves behind: rows changed or deleted since the run are
 * named in a refusal that changes nothing; rows already back as they were give an "already done"
 * result; a normal undo says which rows it put back.
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

function client(): EnactClient {
  return editingClient(postgres);
}

describe("rollback of an insert_row", () => {
  it("deletes the inserted row and names it, without calling it already done", async () => {
    const table = await db.createTable("accounts", "id int primary key, name text not null");
    const enact = client();
    const run = await edit(enact, { table, insert: { id: 1, name: "new" } });

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "delete_inserted_rows", success: true, output: { table, rows: [{ id: 1 }], rowCount: 1 } });
    expect(receipt.actionsTaken[0]?.alreadyDone).toBeUndefined();
    expect(await db.rows(table, "id")).toEqual([]);
  });

  it("reports a row deleted since the run as already done", async () => {
    const table = await db.createTable("accounts", "id int primary key, name text not null");
    const enact = client();
    const run = await edit(enact, { table, insert: { id: 1, name: "new" } });
    await db.admin.query(`DELETE FROM "${table}"`);

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]).toMatchObject({ action: "delete_inserted_rows", success: true, alreadyDone: true, output: { rows: [], rowCount: 0 } });
  });

  it("leaves a row changed since the run in place, and names it in the refusal", async () => {
    const table = await db.createTable("accounts", "id int primary key, name text not null");
    const enact = client();
    const run = await edit(enact, { table, insert: { id: 1, name: "new" } });
    await db.admin.query(`UPDATE "${table}" SET name = 'edited'`);

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PARTIAL");
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "delete_inserted_rows", success: false, output: { leftAlone: true, rows: [{ id: 1 }] } });
    expect(receipt.actionsTaken[0]?.output.error).toBe(`1 row(s) of ${table} were changed after the run ({"id":1}), so nothing was changed`);
    expect(await db.rows(table, "id")).toEqual([{ id: 1, name: "edited" }]);
  });
});

describe("rollback of an update_row", () => {
  it("puts back the previous values and names the rows it restored", async () => {
    const table = await db.createTable("accounts", "id int primary key, name text not null");
    await db.admin.query(`INSERT INTO "${table}" VALUES (1, 'before'), (2, 'before'), (3, 'other')`);
    const enact = client();
    const run = await edit(enact, { table, update: { name: "after" }, where: { name: "before" } });

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_rows", success: true, output: { table, rows: [{ id: 1 }, { id: 2 }], rowCount: 2 } });
    expect(receipt.actionsTaken[0]?.alreadyDone).toBeUndefined();
    expect(await db.rows(table, "id")).toEqual([
      { id: 1, name: "before" },
      { id: 2, name: "before" },
      { id: 3, name: "other" },
    ]);
  });

  it("reports rows already back to their previous values as already done", async () => {
    const table = await db.createTable("accounts", "id int primary key, name text not null");
    await db.admin.query(`INSERT INTO "${table}" VALUES (1, 'before')`);
    const enact = client();
    const run = await edit(enact, { table, update: { name: "after" }, where: { id: 1 } });
    await db.admin.query(`UPDATE "${table}" SET name = 'before'`);

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_rows", success: true, alreadyDone: true, output: { rows: [], rowCount: 0 } });
  });

  it("refuses when a row was deleted since the run, and restores none of the others", async () => {
    const table = await db.createTable("accounts", "id int primary key, name text not null");
    await db.admin.query(`INSERT INTO "${table}" VALUES (1, 'before'), (2, 'before')`);
    const enact = client();
    const run = await edit(enact, { table, update: { name: "after" }, where: { name: "before" } });
    await db.admin.query(`DELETE FROM "${table}" WHERE id = 2`);

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PARTIAL");
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_rows", success: false, output: { leftAlone: true, rows: [{ id: 2 }] } });
    expect(receipt.actionsTaken[0]?.output.error).toBe(`1 row(s) of ${table} were deleted after the run ({"id":2}), so nothing was changed`);
    expect(await db.rows(table, "id")).toEqual([{ id: 1, name: "after" }]);
  });

  it("refuses when rows were changed since the run, names each, and restores none of the others", async () => {
    const table = await db.createTable("accounts", "id int primary key, name text not null");
    await db.admin.query(`INSERT INTO "${table}" VALUES (1, 'before'), (2, 'before'), (3, 'before')`);
    const enact = client();
    const run = await edit(enact, { table, update: { name: "after" }, where: { name: "before" } });
    await db.admin.query(`UPDATE "${table}" SET name = 'edited' WHERE id > 1`);

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_rows", success: false, output: { leftAlone: true, rows: [{ id: 2 }, { id: 3 }] } });
    expect(receipt.actionsTaken[0]?.output.error).toBe(`2 row(s) of ${table} were changed after the run ({"id":2}, {"id":3}), so nothing was changed`);
    expect(await db.rows(table, "id")).toEqual([
      { id: 1, name: "after" },
      { id: 2, name: "edited" },
      { id: 3, name: "edited" },
    ]);
  });

  it("writes back only the columns the update changed, so a generated column is left to Postgres", async () => {
    const table = await db.createTable("accounts", "id int primary key, name text not null, shout text generated always as (upper(name)) stored");
    await db.admin.query(`INSERT INTO "${table}" (id, name) VALUES (1, 'before')`);
    const enact = client();
    const run = await edit(enact, { table, update: { name: "after" }, where: { id: 1 } });

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]?.output.error).toBeUndefined();
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_rows", success: true });
    expect(await db.rows(table, "id")).toEqual([{ id: 1, name: "before", shout: "BEFORE" }]);
  });

  it("restores a jsonb column that was SQL NULL to SQL NULL, not to the JSON value null", async () => {
    const table = await db.createTable("accounts", "id int primary key, doc jsonb");
    await db.admin.query(`INSERT INTO "${table}" VALUES (1, NULL)`);
    const enact = client();
    const run = await edit(enact, { table, update: { doc: { a: 1 } }, where: { id: 1 } });

    await enact.rollback(run.runId);

    const nulls = await db.admin.query(`SELECT count(*)::int AS n FROM "${table}" WHERE doc IS NULL`);
    expect(nulls.rows[0]).toEqual({ n: 1 });
  });

  it("restores a json column holding a list", async () => {
    const table = await db.createTable("accounts", "id int primary key, doc json");
    await db.admin.query(`INSERT INTO "${table}" VALUES (1, '[1, 2]')`);
    const enact = client();
    const run = await edit(enact, { table, update: { doc: { a: 1 } }, where: { id: 1 } });

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_rows", success: true });
    const docs = await db.admin.query(`SELECT doc::text AS doc FROM "${table}"`);
    expect(docs.rows[0]).toEqual({ doc: "[1,2]" });
  });
});

describe("rollback of a delete_row", () => {
  it("inserts the deleted row again and names it, without calling it already done", async () => {
    const table = await db.createTable("accounts", "id int primary key, name text not null");
    await db.admin.query(`INSERT INTO "${table}" VALUES (3, 'deleted by the run')`);
    const enact = client();
    const run = await edit(enact, { table, where: { id: 3 } });

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]).toMatchObject({ action: "reinsert_rows", success: true, output: { table, rows: [{ id: 3 }], rowCount: 1 } });
    expect(receipt.actionsTaken[0]?.alreadyDone).toBeUndefined();
    expect(await db.rows(table, "id")).toEqual([{ id: 3, name: "deleted by the run" }]);
  });

  it("reports a row already back as it was as already done, and inserts nothing", async () => {
    const table = await db.createTable("accounts", "id int primary key, name text not null");
    await db.admin.query(`INSERT INTO "${table}" VALUES (3, 'deleted by the run')`);
    const enact = client();
    const run = await edit(enact, { table, where: { id: 3 } });
    await db.admin.query(`INSERT INTO "${table}" VALUES (3, 'deleted by the run')`);

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]).toMatchObject({ action: "reinsert_rows", success: true, alreadyDone: true, output: { rows: [], rowCount: 0 } });
    expect(await db.rows(table, "id")).toEqual([{ id: 3, name: "deleted by the run" }]);
  });
});
