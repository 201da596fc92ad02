import type { EnactClient } from "enact-sdk";
import { PostgresConnector } from "enact-sdk/connectors/postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edit, editingClient } from "../support/postgres-edits.js";
import { getTestDatabase, releaseTestDatabase, type TestDatabase } from "../support/database.js";

/*
 * The Postgres undo's refusals when rows moved on after the run (issue 27: these checks survived
 * being removed). Each must leave the table exactly as it found it and say why.
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

describe("rollback of a delete_row", () => {
  it("leaves a deleted row's key alone when another row holds it now, and gives PARTIAL", async () => {
    const table = await db.createTable("accounts", "id int primary key, name text not null");
    await db.admin.query(`INSERT INTO "${table}" VALUES (3, 'deleted by the run')`);
    const enact = client();
    const run = await edit(enact, { table, where: { id: 3 } });
    await db.admin.query(`INSERT INTO "${table}" VALUES (3, 'a newcomer')`);

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PARTIAL");
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "reinsert_rows", success: false, output: { leftAlone: true, rows: [{ id: 3 }] } });
    expect(receipt.actionsTaken[0]?.output.error).toMatch(/taken by other rows since the run/);
    expect(await db.rows(table, "id")).toEqual([{ id: 3, name: "a newcomer" }]);
  });
});

describe("rollback of an update_row", () => {
  it("reports an update that changed a row's primary key as not undoable, and changes nothing", async () => {
    const table = await db.createTable("accounts", "id int primary key, name text not null");
    await db.admin.query(`INSERT INTO "${table}" VALUES (1, 'renumbered'), (2, 'untouched')`);
    const enact = client();
    const run = await edit(enact, { table, update: { id: 10 }, where: { id: 1 } });
    const after = await db.rows(table, "id");

    const [, receipt] = await enact.rollback(run.runId);

    expect(receipt.decision).toBe("PARTIAL");
    expect(receipt.actionsTaken[0]).toMatchObject({ action: "not_undoable", success: false, output: { table } });
    expect(receipt.actionsTaken[0]?.output.error).toMatch(/changed primary-key values/);
    expect(await db.rows(table, "id")).toEqual(after);
  });
});
