import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildReceipt, CorruptReceiptError, signReceipt, type Receipt } from "enact-sdk";
import { PostgresReceiptStore, StoreDamagedError } from "enact-sdk/connectors/postgres";
import { TEST_SECRET } from "../support/context.js";
import { getTestDatabase, releaseTestDatabase, type TestDatabase } from "../support/database.js";
import { dropStoreTablesSql } from "../../src/stores/postgres-tables.js";

/*
 * What PostgresReceiptStore reads back and how: run ids it will not look up, the policy-set
 * filter, claims, rows it cannot trust, and filter columns that Postgres text cannot hold as given
 * (mutation testing found each unpinned; docs/mutation.md).
 */

let db: TestDatabase;
const prefixes: string[] = [];
const pools: pg.Pool[] = [];
const stores: PostgresReceiptStore[] = [];

beforeAll(async () => {
  db = await getTestDatabase();
});

afterAll(async () => {
  for (const store of stores) await store.close();
  for (const pool of pools) await pool.end();
  for (const prefix of prefixes) await db.admin.query(dropStoreTablesSql(prefix));
  await releaseTestDatabase();
});

function freshStore(options: { pool?: pg.Pool } = {}): { store: PostgresReceiptStore; prefix: string } {
  const prefix = `${db.uniqueName("enact")}_`;
  prefixes.push(prefix);
  const store = new PostgresReceiptStore({ ...(options.pool === undefined ? { connectionString: db.connectionString } : { pool: options.pool }), tablePrefix: prefix, secret: TEST_SECRET });
  stores.push(store);
  return { store, prefix };
}

function receipt(overrides: { workflow?: string; actorEmail?: string; policySetDigest?: string } = {}): Receipt {
  const built = buildReceipt({ workflow: overrides.workflow ?? "send_invoice", actorEmail: overrides.actorEmail ?? "agent@co.com", payload: {}, policyResults: [], decision: "PASS" });
  return signReceipt(overrides.policySetDigest === undefined ? built : { ...built, policySet: { version: "v1", digest: overrides.policySetDigest } }, TEST_SECRET);
}

describe("PostgresReceiptStore.load", () => {
  it("answers undefined, without asking the database, for a run id with more than a UUID around it", async () => {
    const { store } = freshStore();
    const stored = receipt();
    await store.write(stored);

    // Postgres itself would refuse these as uuids: the store must not hand them over.
    expect(await store.load(`x${stored.runId}`)).toBeUndefined();
    expect(await store.load(`${stored.runId}x`)).toBeUndefined();
    expect(await store.load(`${stored.runId}\n`)).toBeUndefined();
    expect(await store.load(stored.runId)).toEqual(stored);
  });

  it("refuses a row whose receipt column no longer holds text, naming the table", async () => {
    const { store, prefix } = freshStore();
    const stored = receipt();
    await store.write(stored);
    // Changed under a store that already checked its tables: it finds out row by row.
    await db.admin.query(`ALTER TABLE "${prefix}receipts" ALTER COLUMN receipt TYPE jsonb USING receipt::jsonb`);

    const load = store.load(stored.runId);

    await expect(load).rejects.toBeInstanceOf(StoreDamagedError);
    await expect(load).rejects.toThrow(new StoreDamagedError(`table "${prefix}receipts"`, "its column receipt is not text").message);
    await expect(load).rejects.toThrow(`The receipt store table "${prefix}receipts" is damaged: its column receipt is not text.`);
  });

  it("refuses a row whose receipt is not JSON, naming the run", async () => {
    const { store, prefix } = freshStore();
    const stored = receipt();
    await store.write(stored);
    await db.admin.query(`UPDATE "${prefix}receipts" SET receipt = left(receipt, 20) WHERE run_id = $1`, [stored.runId]);

    const load = store.load(stored.runId);

    await expect(load).rejects.toBeInstanceOf(CorruptReceiptError);
    await expect(load).rejects.toThrow(`The stored receipt postgres:${stored.runId} is not valid JSON`);
  });
});

describe("PostgresReceiptStore.list", () => {
  const A = "a".repeat(64);
  const B = "b".repeat(64);

  it("filters by the policy-set digest the receipts were signed with", async () => {
    const { store } = freshStore();
    const [underA, underB, without, alsoUnderA] = [receipt({ policySetDigest: A }), receipt({ policySetDigest: B }), receipt(), receipt({ policySetDigest: A })];
    for (const r of [underA, underB, without, alsoUnderA]) await store.write(r);

    const ids = async (digest: string) => new Set((await store.list({ policySetDigest: digest })).map((r) => r.runId));

    expect(await ids(A)).toEqual(new Set([underA.runId, alsoUnderA.runId]));
    expect(await ids(B)).toEqual(new Set([underB.runId]));
    expect(await ids("c".repeat(64))).toEqual(new Set());
  });

  it("without a policy-set digest, lists receipts with and without one", async () => {
    const { store } = freshStore();
    const [underA, without] = [receipt({ policySetDigest: A }), receipt()];
    for (const r of [underA, without]) await store.write(r);

    expect(new Set((await store.list({})).map((r) => r.runId))).toEqual(new Set([underA.runId, without.runId]));
    expect(new Set((await store.list()).map((r) => r.runId))).toEqual(new Set([underA.runId, without.runId]));
  });

  it("keeps a workflow or actor holding U+0000 (which Postgres text cannot) as U+FFFD, and finds it by the name given", async () => {
    const { store, prefix } = freshStore();
    const odd = receipt({ workflow: "send\u0000invoice", actorEmail: "agent\u0000@co.com" });
    const plain = receipt();
    await store.write(odd);
    await store.write(plain);

    expect((await store.list({ workflow: "send\u0000invoice" })).map((r) => r.runId)).toEqual([odd.runId]);
    expect((await store.list({ actorEmail: "agent\u0000@co.com" })).map((r) => r.runId)).toEqual([odd.runId]);
    expect((await store.list({ workflow: "send_invoice" })).map((r) => r.runId)).toEqual([plain.runId]);
    const { rows } = await db.admin.query(`SELECT workflow, actor_email FROM "${prefix}receipts" WHERE run_id = $1`, [odd.runId]);
    expect(rows).toEqual([{ workflow: "send\uFFFDinvoice", actor_email: "agent\uFFFD@co.com" }]);
    // The receipt itself is the exact text that was signed.
    expect(await store.load(odd.runId)).toEqual(odd);
  });
});

describe("PostgresReceiptStore.claim", () => {
  it("claims a free key with one statement", async () => {
    const given = new pg.Pool({ connectionString: db.connectionString, max: 2 });
    given.on("error", () => undefined);
    pools.push(given);
    const { store } = freshStore({ pool: given });
    await store.migrate();
    let checkouts = 0;
    given.on("acquire", () => (checkouts += 1));
    const now = new Date().toISOString();
    const claim = { key: "invoice-7", fingerprint: "f", runId: "00000000-0000-4000-8000-000000000007", state: "claimed" as const, owner: "o", workflow: "w", actorEmail: "a@co.com", payload: {}, claimedAt: now, updatedAt: now };

    expect(await store.claim(claim)).toBeUndefined();

    expect(checkouts).toBe(1);
    expect((await store.getClaim("invoice-7"))?.runId).toBe(claim.runId);
  });
});
