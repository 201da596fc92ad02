import type { EnactClient } from "enact-sdk";
import { PostgresConnector } from "enact-sdk/connectors/postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edit, editingClient } from "../support/postgres-edits.js";
import { getTestDatabase, releaseTestDatabase, type TestDatabase } from "../support/database.js";

/*
 * The Postgres undo finds rows again by primary key only: keys of every shape (text, jsonb,
 * two columns, an identity column) must match the rows the run touched, and nothing else.
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

describe("rollback by primary key", () => {
  it("restores an update of a table keyed by a text column", async () => {
    const table = await db.createTable("accounts", "handle text primary key, name text not null");
    await db.admin.query(`INSERT INTO "${table}" VALUES ('ada', 'before'), ('bob', 'other')`);
    const enact = client();
    const run = await edit(enact, { table, update: { name: "after" }, where: { handle: "ada" } });

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_rows", success: true, output: { rows: [{ handle: "ada" }] } });
    expect(await db.rows(table, "handle")).toEqual([
      { handle: "ada", name: "before" },
      { handle: "bob", name: "other" },
    ]);
  });

  it("re-inserts a deleted row keyed by a jsonb list", async () => {
    const table = await db.createTable("accounts", "key jsonb primary key, name text not null");
    await db.admin.query(`INSERT INTO "${table}" VALUES ('[1, 2]', 'deleted by the run')`);
    const enact = client();
    const run = await edit(enact, { table, where: { name: "deleted by the run" } });

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]).toMatchObject({ action: "reinsert_rows", success: true, output: { rows: [{ key: [1, 2] }], rowCount: 1 } });
    expect(await db.rows(table)).toEqual([{ key: [1, 2], name: "deleted by the run" }]);
  });

  it("restores an update of a table with a two-column primary key, only the rows it changed", async () => {
    const table = await db.createTable("accounts", "org int, id int, name text not null, primary key (org, id)");
    await db.admin.query(`INSERT INTO "${table}" VALUES (1, 1, 'before'), (1, 2, 'other'), (2, 1, 'other')`);
    const enact = client();
    const run = await edit(enact, { table, update: { name: "after" }, where: { org: 1, id: 1 } });

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_rows", success: true, output: { rows: [{ org: 1, id: 1 }] } });
    expect(await db.rows(table, "org, id")).toEqual([
      { org: 1, id: 1, name: "before" },
      { org: 1, id: 2, name: "other" },
      { org: 2, id: 1, name: "other" },
    ]);
  });

  it("reports an update that changed the key of only some of its rows as not undoable, and changes nothing", async () => {
    const table = await db.createTable("accounts", "org int, id int, name text not null, primary key (org, id)");
    await db.admin.query(`INSERT INTO "${table}" VALUES (1, 1, 'moved'), (2, 2, 'moved')`);
    const enact = client();
    // (1, 1) keeps its key; (2, 2) becomes (1, 2).
    const run = await edit(enact, { table, update: { org: 1 }, where: { name: "moved" } });
    const after = await db.rows(table, "org, id");

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]).toMatchObject({ action: "not_undoable", success: false, output: { table } });
    expect(receipt.actionsTaken[0]?.output.error).toMatch(/changed primary-key values/);
    expect(await db.rows(table, "org, id")).toEqual(after);
  });

  it("restores an update of a table keyed by an identity column generated always, writing only the changed columns", async () => {
    const table = await db.createTable("accounts", "id int generated always as identity primary key, name text not null");
    await db.admin.query(`INSERT INTO "${table}" (name) VALUES ('before')`);
    const enact = client();
    const run = await edit(enact, { table, update: { name: "after" }, where: { name: "before" } });

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.actionsTaken[0]?.output.error).toBeUndefined();
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "restore_rows", success: true });
    expect(await db.rows(table)).toEqual([{ id: 1, name: "before" }]);
  });
});
