import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EnactClient } from "enact-sdk";
import { countingWorkflow } from "../support/counting-workflow.js";
import { PostgresReceiptStore } from "enact-sdk/connectors/postgres";
import { TEST_SECRET } from "../support/context.js";
import { getTestDatabase, releaseTestDatabase } from "../support/database.js";
import { describeAcrossProcesses } from "./processes.js";
import { describeApprovals } from "./shared.js";
import { dropStoreTables } from "../../src/stores/postgres-tables.js";

const prefixes: string[] = [];
const stores: PostgresReceiptStore[] = [];

afterAll(async () => {
  const db = await getTestDatabase();
  await Promise.all(stores.map((store) => store.close()));
  for (const prefix of prefixes) {
    await dropStoreTables(db.admin, prefix);
  }
  await releaseTestDatabase();
});

async function freshStore(): Promise<{ store: PostgresReceiptStore; prefix: string; connectionString: string }> {
  const db = await getTestDatabase();
  const prefix = `${db.uniqueName("enact")}_`;
  prefixes.push(prefix);
  const store = new PostgresReceiptStore({ connectionString: db.connectionString, tablePrefix: prefix, secret: TEST_SECRET });
  stores.push(store);
  return { store, prefix, connectionString: db.connectionString };
}

describeApprovals("the Postgres store", async () => (await freshStore()).store);

// PGlite's socket server (the embedded Postgres used without DATABASE_URL) keeps a transaction's
// messages together but not an autocommit statement's: several processes at once mix them.
const EMBEDDED_SKIP = (process.env.DATABASE_URL ?? "") === "" ? "needs DATABASE_URL: the embedded Postgres serves one process at a time" : undefined;

describeAcrossProcesses("the Postgres store", async () => {
  const { store, prefix, connectionString } = await freshStore();
  return {
    childStore: { kind: "postgres", connectionString, tablePrefix: prefix },
    store,
    scratch: await mkdtemp(join(tmpdir(), "enact-pg-approval-procs-")),
  };
}, EMBEDDED_SKIP);

describe("the Postgres store's control tables", () => {
  it("are not created by runs that only read the kill switch (reads of missing tables are empty)", async () => {
    const { store, prefix } = await freshStore();
    const { workflow } = countingWorkflow();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow] });
    expect((await enact.run({ workflow: "send_invoice", actorEmail: "a@co.com", payload: {} }))[1].decision).toBe("PASS");
    expect(await enact.haltStatus()).toEqual({ halted: false });
    expect(await enact.pendingApprovals()).toEqual([]);
    const db = await getTestDatabase();
    const { rows } = await db.admin.query<{ name: string | null }>("SELECT to_regclass($1)::text AS name", [`"${prefix}control"`]);
    expect(rows[0]?.name).toBeNull();
  });
});
