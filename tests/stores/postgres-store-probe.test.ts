import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildReceipt, ReceiptExistsError, signReceipt, StoreUnavailableError, type Receipt } from "enact-sdk";
import { PostgresReceiptStore, StoreDamagedError } from "enact-sdk/connectors/postgres";
import { TEST_SECRET } from "../support/context.js";
import { getTestDatabase, releaseTestDatabase, unusedLoopbackPort, type TestDatabase } from "../support/database.js";
import { dropStoreTablesSql } from "../../src/stores/postgres-tables.js";
import { startLoopbackProxy } from "../support/loopback-proxy.js";

/*
 * When PostgresReceiptStore.assertWritable() asks the database whether a receipt could be written
 * now, and what it says when it cannot (mutation testing found each unpinned; docs/mutation.md):
 * no round trip while the tables are known and the last operation succeeded; after an operation
 * that could not reach the database, a probe; a probe's refusal says why.
 *
 * The store retries an operation whose connection failed for about 4 s before giving up; the
 * pauses between tries are not what these tests are about, so they take no time here.
 */
vi.mock("node:timers/promises", async (importOriginal) => ({
  ...(await importOriginal<typeof import("node:timers/promises")>()),
  setTimeout: () => Promise.resolve(),
}));

let db: TestDatabase;
const prefixes: string[] = [];
const stores: PostgresReceiptStore[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  db = await getTestDatabase();
});

afterAll(async () => {
  for (const store of stores) await store.close().catch(() => undefined);
  for (const cleanup of cleanups) await cleanup();
  for (const prefix of prefixes) await db.admin.query(dropStoreTablesSql(prefix));
  await releaseTestDatabase();
});

/**
 * A loopback TCP proxy in front of the test database that can be shut: its open connections are
 * dropped and new ones are dropped as they arrive, as while the server restarts, until opened again.
 */
interface Gate {
  readonly connectionString: string;
  shut(): void;
  open(): void;
}

async function startGate(): Promise<Gate> {
  let shut = false;
  const proxy = await startLoopbackProxy(db.connectionString, () => (shut ? undefined : {}));
  cleanups.push(() => proxy.close());
  return {
    connectionString: proxy.connectionString,
    shut() {
      shut = true;
      proxy.dropAll();
    },
    open() {
      shut = false;
    },
  };
}

function freshStore(options: { connectionString?: string; pool?: pg.Pool; schema?: string } = {}): { store: PostgresReceiptStore; prefix: string } {
  const prefix = `${db.uniqueName("enact")}_`;
  prefixes.push(prefix);
  const { pool, ...rest } = options;
  const store = new PostgresReceiptStore({
    ...(pool === undefined ? { connectionString: db.connectionString } : { pool }),
    ...rest,
    tablePrefix: prefix,
    secret: TEST_SECRET,
    sealIntervalMs: Number.POSITIVE_INFINITY,
  });
  stores.push(store);
  return { store, prefix };
}

function receipt(): Receipt {
  return signReceipt(buildReceipt({ workflow: "send_invoice", actorEmail: "agent@co.com", payload: { amount: 1 }, policyResults: [], decision: "PASS" }), TEST_SECRET);
}

/** The StoreUnavailableError text around `detail`. */
function unavailable(detail: string): string {
  return new StoreUnavailableError(detail).message;
}

const UNKNOWN_RUN = "00000000-0000-4000-8000-000000000000";

describe("PostgresReceiptStore.assertWritable makes no round trip", () => {
  it("once the store has created its tables", async () => {
    const { store } = freshStore();
    await store.migrate();

    expect(store.assertWritable()).toBeUndefined();
  });

  it("after a probe that found the database", async () => {
    const { store } = freshStore();
    await store.assertWritable();

    expect(store.assertWritable()).toBeUndefined();
  });

  it("after a read that succeeded", async () => {
    const { store } = freshStore();
    await store.migrate();
    await store.load(UNKNOWN_RUN);

    expect(store.assertWritable()).toBeUndefined();
  });

  it("after a statement the database refused (it answered)", async () => {
    const { store } = freshStore();
    await store.migrate();
    await expect(store.updateClaim("invoice-7", "not-a-uuid", "completed")).rejects.toThrow(/uuid/);

    expect(store.assertWritable()).toBeUndefined();
  });

  it("after a probe the database refused (it answered), once the tables were created", async () => {
    const schema = db.uniqueName("enact_schema");
    cleanups.push(() => db.admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    const { store } = freshStore({ schema });
    await expect(store.assertWritable()).rejects.toThrow(`schema "${schema}" does not exist`);
    await db.admin.query(`CREATE SCHEMA "${schema}"`);
    await store.migrate();

    expect(store.assertWritable()).toBeUndefined();
  });

  it("after a receipt refused as a second one for its run (the database answered)", async () => {
    const { store } = freshStore();
    const written = receipt();
    await store.write(written);
    await expect(store.write(written)).rejects.toBeInstanceOf(ReceiptExistsError);

    expect(store.assertWritable()).toBeUndefined();
  });
});

describe("PostgresReceiptStore.assertWritable probes", () => {
  it("a store that has not created its tables by creating them, with one connection and no further question", async () => {
    const given = new pg.Pool({ connectionString: db.connectionString, max: 2 });
    given.on("error", () => undefined);
    cleanups.push(() => given.end());
    const { store, prefix } = freshStore({ pool: given });
    let checkouts = 0;
    given.on("acquire", () => (checkouts += 1));

    await store.assertWritable();

    expect(checkouts).toBe(1);
    expect((await db.admin.query(`SELECT count(*)::int AS n FROM "${prefix}receipts"`)).rows).toEqual([{ n: 0 }]);
  });

  it("after a read that could not reach the database, and refuses while it stays unreachable", async () => {
    const gate = await startGate();
    const { store } = freshStore({ connectionString: gate.connectionString });
    await store.migrate();
    gate.shut();
    await expect(store.load(UNKNOWN_RUN)).rejects.toThrow(/Connection terminated/);

    await expect(store.assertWritable()).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it("after a write that could not reach the database, and refuses while it stays unreachable", async () => {
    const gate = await startGate();
    const { store } = freshStore({ connectionString: gate.connectionString });
    await store.write(receipt());
    gate.shut();
    await expect(store.write(receipt())).rejects.toThrow(/Connection terminated/);

    await expect(store.assertWritable()).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it("again after a probe that could not reach the database, even once the tables were created", async () => {
    const gate = await startGate();
    const { store } = freshStore({ connectionString: gate.connectionString });
    gate.shut();
    await expect(store.assertWritable()).rejects.toBeInstanceOf(StoreUnavailableError);
    gate.open();
    await store.migrate();
    gate.shut();

    await expect(store.assertWritable()).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it("and stops once the database answers again", async () => {
    const gate = await startGate();
    const { store } = freshStore({ connectionString: gate.connectionString });
    await store.migrate();
    gate.shut();
    await expect(store.load(UNKNOWN_RUN)).rejects.toThrow(/Connection terminated/);
    gate.open();

    await store.assertWritable();

    expect(store.assertWritable()).toBeUndefined();
  });
});

describe("PostgresReceiptStore.assertWritable's refusal", () => {
  it("says the database did not answer, with the driver's error and its code", async () => {
    const port = await unusedLoopbackPort();
    const { store } = freshStore({ connectionString: `postgres://postgres@127.0.0.1:${port}/test` });

    const refusal = await store.assertWritable()?.then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(refusal).toBeInstanceOf(StoreUnavailableError);
    expect((refusal as Error).message).toBe(unavailable(`the database did not answer: connect ECONNREFUSED 127.0.0.1:${port} (ECONNREFUSED)`));
    expect((refusal as Error).cause).toMatchObject({ code: "ECONNREFUSED" });
  });

  it("says what the database refused, with its SQLSTATE", async () => {
    const { store } = freshStore({ schema: "enact_no_such_schema" });

    await expect(store.assertWritable()).rejects.toThrow(unavailable('schema "enact_no_such_schema" does not exist (3F000)'));
  });

  it("says the store is damaged, without Enact's own error code", async () => {
    const { store: first, prefix } = freshStore();
    await first.migrate();
    await db.admin.query(`ALTER TABLE "${prefix}receipts" ALTER COLUMN receipt TYPE jsonb USING receipt::jsonb`);
    const damaged = new PostgresReceiptStore({ connectionString: db.connectionString, tablePrefix: prefix });
    stores.push(damaged);

    await expect(damaged.assertWritable()).rejects.toThrow(unavailable(new StoreDamagedError(`table "${prefix}receipts"`, "its column receipt is jsonb, not text").message));
  });
});

describe("PostgresReceiptStore.close", () => {
  it("does not try to seal when the store's last operation could not reach the database", async () => {
    const gate = await startGate();
    const { store, prefix } = freshStore({ connectionString: gate.connectionString });
    await store.write(receipt());
    gate.shut();
    await expect(store.load(UNKNOWN_RUN)).rejects.toThrow(/Connection terminated/);
    gate.open();

    await store.close();

    expect((await db.admin.query(`SELECT count(*)::int AS n FROM "${prefix}journal_seals"`)).rows).toEqual([{ n: 0 }]);
  });
});
