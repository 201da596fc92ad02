import { createHash, randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresReceiptStore } from "enact-sdk/connectors/postgres";
import { dropStoreTables } from "../../src/stores/postgres-tables.js";
import { TEST_SECRET } from "../support/context.js";
import { getTestDatabase, releaseTestDatabase } from "../support/database.js";

// The approvals, kill switch and thermal-cutout tables of a PostgresReceiptStore (PostgresControl).

const prefixes: string[] = [];
const schemas: string[] = [];
const stores: PostgresReceiptStore[] = [];
afterAll(async () => {
  const db = await getTestDatabase();
  await Promise.all(stores.map((store) => store.close()));
  for (const prefix of prefixes) await dropStoreTables(db.admin, prefix);
  for (const schema of schemas) await db.admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await releaseTestDatabase();
});

async function freshStore(options: { schema?: string } = {}): Promise<{ store: PostgresReceiptStore; prefix: string }> {
  const db = await getTestDatabase();
  const prefix = `${db.uniqueName("control")}_`;
  prefixes.push(prefix);
  const store = new PostgresReceiptStore({ connectionString: db.connectionString, tablePrefix: prefix, secret: TEST_SECRET, ...options });
  stores.push(store);
  return { store, prefix };
}

async function tableExists(qualified: string): Promise<boolean> {
  const db = await getTestDatabase();
  const { rows } = await db.admin.query<{ name: string | null }>("SELECT to_regclass($1)::text AS name", [qualified]);
  return rows[0]?.name !== null;
}

describe("approval records", () => {
  it("refuses an approval id that is not a lowercase UUID, with a TypeError naming it, and writes nothing", async () => {
    const { store, prefix } = await freshStore();
    // PostgreSQL would take the uppercase form (uuid input is case-blind), and the record could then never be read back by its id.
    const upper = randomUUID().toUpperCase();
    await expect(store.putApprovalStage(upper, "request", "{}")).rejects.toThrow(
      new TypeError(`An approval id must be a lowercase UUID, got ${JSON.stringify(upper)}`),
    );
    await expect(store.putApprovalStage("approval-1", "request", "{}")).rejects.toThrow(new TypeError('An approval id must be a lowercase UUID, got "approval-1"'));
    expect(await tableExists(`"${prefix}approvals"`)).toBe(false);
  });
});

describe("thermal-cutout counters", () => {
  it("are kept in <prefix>cutout, one row per key by its SHA-256, holding the state as JSON", async () => {
    const { store, prefix } = await freshStore();
    const state = { times: [1_000, 2_000], blockedUntil: 0 };
    expect(await store.updateCutout("refund:agent@co.com", () => [state, "admitted"])).toBe("admitted");
    const db = await getTestDatabase();
    const { rows } = await db.admin.query<{ key_sha256: string; state: string }>(`SELECT key_sha256, state FROM "${prefix}cutout"`);
    expect(rows).toEqual([{ key_sha256: createHash("sha256").update("refund:agent@co.com").digest("hex"), state: JSON.stringify(state) }]);
  });
});

describe("creating the control tables", () => {
  it("is tried again by the next write after it failed", async () => {
    const db = await getTestDatabase();
    const schema = db.uniqueName("control");
    schemas.push(schema);
    const { store } = await freshStore({ schema });
    // The schema does not exist yet: creating the tables fails (3F000, invalid schema name).
    await expect(store.setHalt(JSON.stringify({ halted: true, reason: "first" }))).rejects.toMatchObject({ code: "3F000" });
    await db.admin.query(`CREATE SCHEMA "${schema}"`);
    const halt = JSON.stringify({ halted: true, reason: "second" });
    await store.setHalt(halt);
    expect(await store.getHalt()).toBe(halt);
  });
});
