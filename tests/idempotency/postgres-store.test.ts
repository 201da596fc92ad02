import { afterAll, describe, expect, it } from "vitest";
import { buildReceipt, canonicalJson, EnactClient, signReceipt, StoreUnavailableError, verifySignature, type Receipt } from "enact-sdk";
import { countingWorkflow } from "../support/counting-workflow.js";
import { PostgresReceiptStore, StoreDamagedError } from "enact-sdk/connectors/postgres";
import { TEST_SECRET } from "../support/context.js";
import { getTestDatabase, releaseTestDatabase } from "../support/database.js";
import { describeIdempotency } from "./shared.js";
import { describeAcrossProcesses } from "./processes.js";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dropStoreTablesSql } from "../../src/stores/postgres-tables.js";

const prefixes: string[] = [];
const stores: PostgresReceiptStore[] = [];

/** A store on fresh tables, dropped after the file. */
async function freshStore(): Promise<{ store: PostgresReceiptStore; prefix: string; connectionString: string }> {
  const db = await getTestDatabase();
  const prefix = `${db.uniqueName("enact")}_`;
  prefixes.push(prefix);
  const store = new PostgresReceiptStore({ connectionString: db.connectionString, tablePrefix: prefix, secret: TEST_SECRET });
  stores.push(store);
  return { store, prefix, connectionString: db.connectionString };
}

afterAll(async () => {
  const db = await getTestDatabase();
  await Promise.all(stores.map((store) => store.close()));
  for (const prefix of prefixes) {
    await db.admin.query(dropStoreTablesSql(prefix));
  }
  await releaseTestDatabase();
});

describeIdempotency("the Postgres store", async () => (await freshStore()).store);

// PGlite's socket server (the embedded Postgres used without DATABASE_URL) keeps a transaction's
// messages together but not an autocommit statement's: several processes at once mix them.
const EMBEDDED_SKIP = (process.env.DATABASE_URL ?? "") === "" ? "needs DATABASE_URL: the embedded Postgres serves one process at a time" : undefined;

describeAcrossProcesses("the Postgres store", async () => {
  const { store, prefix, connectionString } = await freshStore();
  return {
    childStore: { kind: "postgres", connectionString, tablePrefix: prefix },
    store,
    scratch: await mkdtemp(join(tmpdir(), "enact-pg-procs-")),
  };
}, EMBEDDED_SKIP);

describe("PostgresReceiptStore", () => {
  function receipt(overrides: { workflow?: string; actorEmail?: string; decision?: "PASS" | "BLOCK"; timestamp?: string }): Receipt {
    const built = buildReceipt({
      workflow: overrides.workflow ?? "db_safe_insert",
      actorEmail: overrides.actorEmail ?? "agent@co.com",
      payload: { note: "café \u0000 😀", big: 2n ** 64n, when: new Date(0) },
      policyResults: [{ policy: "p", passed: true, reason: "ok" }],
      decision: overrides.decision ?? "PASS",
    });
    return signReceipt({ ...built, timestamp: overrides.timestamp ?? built.timestamp }, TEST_SECRET);
  }

  it("returns a written receipt that still verifies", async () => {
    const { store } = await freshStore();
    const written = receipt({});
    await store.write(written);
    const loaded = await store.load(written.runId);
    expect(loaded).toEqual(written);
    expect(verifySignature(loaded, TEST_SECRET)).toBe(true);
  });

  it("refuses to overwrite a stored receipt", async () => {
    const { store } = await freshStore();
    const written = receipt({});
    await store.write(written);
    await expect(store.write({ ...written, decision: "BLOCK" })).rejects.toThrow(/already exists/);
    expect((await store.load(written.runId))?.decision).toBe("PASS");
  });

  it("answers undefined for an unknown or malformed run id", async () => {
    const { store } = await freshStore();
    expect(await store.load("00000000-0000-4000-8000-000000000000")).toBeUndefined();
    expect(await store.load("'; DROP TABLE x; --")).toBeUndefined();
  });

  it("filters by workflow, actor, decision and time range, oldest first", async () => {
    const { store } = await freshStore();
    const a = receipt({ workflow: "w1", actorEmail: "a@co.com", decision: "PASS", timestamp: "2026-01-01T00:00:00.000Z" });
    const b = receipt({ workflow: "w1", actorEmail: "b@co.com", decision: "BLOCK", timestamp: "2026-01-02T00:00:00.000Z" });
    const c = receipt({ workflow: "w2", actorEmail: "a@co.com", decision: "PASS", timestamp: "2026-01-03T00:00:00.000Z" });
    for (const r of [c, a, b]) await store.write(r);
    const ids = async (filter: Parameters<PostgresReceiptStore["list"]>[0]) => (await store.list(filter)).map((r) => r.runId);
    expect(await ids({})).toEqual([a.runId, b.runId, c.runId]);
    expect(await ids({ workflow: "w1" })).toEqual([a.runId, b.runId]);
    expect(await ids({ actorEmail: "a@co.com" })).toEqual([a.runId, c.runId]);
    expect(await ids({ decision: "BLOCK" })).toEqual([b.runId]);
    expect(await ids({ since: new Date("2026-01-02T00:00:00Z") })).toEqual([b.runId, c.runId]);
    expect(await ids({ until: new Date("2026-01-02T00:00:00Z") })).toEqual([a.runId]);
    expect(await ids({ workflow: "w1'; DROP TABLE x; --" })).toEqual([]);
  });

  it("creates its tables once even when many clients start at the same time", async () => {
    const { connectionString, prefix } = await freshStore();
    const racers = Array.from({ length: 5 }, () => new PostgresReceiptStore({ connectionString, tablePrefix: prefix, secret: TEST_SECRET }));
    stores.push(...racers);
    await Promise.all(racers.map((store) => store.migrate()));
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: racers[0], workflows: [async function noop() { return []; }] });
    const [, stored] = await enact.run({ workflow: "noop", actorEmail: "a@co.com" });
    expect(await racers[4]?.load(stored.runId)).toEqual(stored);
  });

  it("keeps a client's receipt as its RFC 8785 text, the signed bytes with the signature slotted in", async () => {
    const db = await getTestDatabase();
    const { store, prefix } = await freshStore();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [async function noop() { return []; }] });
    const [, stored] = await enact.run({ workflow: "noop", actorEmail: "a@co.com", payload: { z: "café \u0000 😀", a: [1, { y: 2, b: 3 }] } });
    const { rows } = await db.admin.query<{ receipt: string }>(`SELECT receipt FROM "${prefix}receipts" WHERE run_id = $1`, [stored.runId]);
    expect(rows[0]?.receipt).toBe(canonicalJson(stored));
    expect(verifySignature(JSON.parse(rows[0]?.receipt ?? "null"), TEST_SECRET)).toBe(true);
  });

  it("refuses a receipt column altered to jsonb, which no longer returns the signed text", async () => {
    const db = await getTestDatabase();
    const { store, prefix, connectionString } = await freshStore();
    const [, stored] = await new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [async function noop() { return []; }] }).run({
      workflow: "noop",
      actorEmail: "a@co.com",
    });
    await db.admin.query(`ALTER TABLE "${prefix}receipts" ALTER COLUMN receipt TYPE jsonb USING receipt::jsonb`);
    const reopened = new PostgresReceiptStore({ connectionString, tablePrefix: prefix, secret: TEST_SECRET });
    stores.push(reopened);

    await expect(store.load(stored.runId)).rejects.toBeInstanceOf(StoreDamagedError);
    await expect(reopened.load(stored.runId)).rejects.toThrow(`table "${prefix}receipts" is damaged: its column receipt is jsonb, not text`);
  });

  it("refuses runs on a damaged store before their workflow executes", async () => {
    const db = await getTestDatabase();
    const { store, prefix, connectionString } = await freshStore();
    await store.migrate();
    await db.admin.query(`ALTER TABLE "${prefix}receipts" ALTER COLUMN receipt TYPE jsonb USING receipt::jsonb`);
    const damaged = new PostgresReceiptStore({ connectionString, tablePrefix: prefix });
    stores.push(damaged);
    const { workflow, counter } = countingWorkflow();

    const run = new EnactClient({ secret: TEST_SECRET, receiptStore: damaged, workflows: [workflow] }).run({ workflow: "send_invoice", actorEmail: "a@co.com" });

    await expect(run).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(run).rejects.toThrow(/damaged: its column receipt is jsonb/);
    expect(counter.executions).toBe(0);
  });

  it("refuses a table prefix that is not a plain SQL name", () => {
    expect(() => new PostgresReceiptStore({ connectionString: "postgres://x", tablePrefix: 'x"; DROP TABLE y; --' })).toThrow(/plain SQL names/);
  });
});
