import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnactClient, ReceiptWriteError, StoreUnavailableError, defineWorkflow, verifySignature, type ActionResult } from "enact-sdk";
import { PostgresReceiptStore } from "enact-sdk/connectors/postgres";
import { auditPostgresStore, postgresTables } from "../../src/journal/postgres-source.js";
import { TEST_SECRET } from "../support/context.js";
import { countingWorkflow } from "../support/counting-workflow.js";
import { startCuttingProxy } from "../support/cutting-proxy.js";
import { getTestDatabase, releaseTestDatabase, terminateBackends, unusedLoopbackPort, type TestDatabase } from "../support/database.js";
import { dropStoreTablesSql } from "../../src/stores/postgres-tables.js";

/*
 * A Postgres receipt store whose connections the server drops: idle, in the middle of a run, in
 * the middle of the receipt's own INSERT. The server really drops them (pg_terminate_backend), so
 * these tests need the real server in DATABASE_URL; the embedded PGlite is one process with no
 * backends to terminate, and they are skipped there.
 */
const onServer = (process.env.DATABASE_URL ?? "") !== "";

let db: TestDatabase;
const prefixes: string[] = [];
const stores: PostgresReceiptStore[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
// An 'error' event nobody listens to is thrown from the socket's callback: it lands here.
const crashes: unknown[] = [];
const onCrash = (error: unknown): void => void crashes.push(error);

beforeAll(async () => {
  db = await getTestDatabase();
  process.on("uncaughtException", onCrash);
});

afterAll(async () => {
  process.off("uncaughtException", onCrash);
  await Promise.all(stores.map((store) => store.close()));
  for (const prefix of prefixes) {
    await db.admin.query(dropStoreTablesSql(prefix));
    await db.admin.query(`DROP FUNCTION IF EXISTS "${prefix}drop_once"() CASCADE`);
    await db.admin.query(`DROP SEQUENCE IF EXISTS "${prefix}drops"`);
  }
  for (const cleanup of cleanups) await cleanup();
  await releaseTestDatabase();
});

/** `connectionString` with an application_name that names this store's backends on the server. */
function named(connectionString: string, applicationName: string): string {
  const url = new URL(connectionString);
  url.searchParams.set("application_name", applicationName);
  return url.toString();
}

/** A store on fresh tables, with a pool of its own whose backends are named `applicationName`. */
async function freshStore(options: { schema?: string; connectionString?: string } = {}) {
  const prefix = `${db.uniqueName("enact")}_`;
  const applicationName = db.uniqueName("enact_store");
  prefixes.push(prefix);
  const store = new PostgresReceiptStore({
    connectionString: named(options.connectionString ?? db.connectionString, applicationName),
    tablePrefix: prefix,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
  });
  stores.push(store);
  return { store, prefix, applicationName };
}

function terminate(applicationName: string): Promise<number> {
  return terminateBackends(db.admin, applicationName);
}

/**
 * Makes the next `event` statement on `table` lose its connection in mid-statement, once: a
 * trigger terminates its own backend, as a failover would. The sequence is not transactional, so
 * the retried statement passes.
 */
async function dropConnectionOnce(prefix: string, table: string, event: "INSERT" | "UPDATE", when = "true"): Promise<void> {
  await db.admin.query(`CREATE SEQUENCE "${prefix}drops"`);
  await db.admin.query(`
    CREATE FUNCTION "${prefix}drop_once"() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('"${prefix}drops"') = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
      RETURN NEW;
    END $$`);
  await db.admin.query(`CREATE TRIGGER drop_once BEFORE ${event} ON "${prefix}${table}" FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION "${prefix}drop_once"()`);
}

const request = { workflow: "send_invoice", actorEmail: "billing-agent@co.com", payload: { to: "jane@acme.com", amount: 120 } };

function client(store: PostgresReceiptStore, workflow = countingWorkflow().workflow) {
  return new EnactClient({ secret: TEST_SECRET, receiptStore: store, workflows: [workflow], idempotencyWaitMs: 0 });
}

function audit(prefix: string, schema?: string) {
  return auditPostgresStore(db.admin, postgresTables({ tablePrefix: prefix, schema }), TEST_SECRET);
}

describe.skipIf(!onServer)("PostgresReceiptStore when the server drops its connections (needs DATABASE_URL: PGlite cannot terminate backends)", () => {
  it("survives the server terminating its idle connections, and the next run succeeds", async () => {
    const { store, applicationName } = await freshStore();
    const enact = client(store);
    await enact.run({ ...request, idempotencyKey: "before" });

    expect(await terminate(applicationName)).toBeGreaterThan(0);
    const [result, receipt] = await enact.run({ ...request, idempotencyKey: "after" });

    expect(crashes).toEqual([]);
    expect(result.success).toBe(true);
    expect(await store.load(receipt.runId)).toEqual(receipt);
    expect((await store.getClaim("after"))?.state).toBe("completed");
  });

  it("stores the receipt of a run whose connections were terminated while its workflow ran", async () => {
    const { store, prefix, applicationName } = await freshStore();
    let executions = 0;
    const workflow = defineWorkflow("send_invoice", async (): Promise<ActionResult[]> => {
      executions += 1;
      // Between the claim and the receipt: the store's connections die while it waits.
      expect(await terminate(applicationName)).toBeGreaterThan(0);
      return [{ action: "send_invoice", system: "billing", success: true, output: {} }];
    });
    const enact = client(store, workflow);

    const [result, receipt] = await enact.run({ ...request, idempotencyKey: "mid-run" });
    const [replayed] = await enact.run({ ...request, idempotencyKey: "mid-run" });

    expect(crashes).toEqual([]);
    expect(result.success).toBe(true);
    expect(replayed.replayed).toBe(true);
    expect(executions).toBe(1);
    expect((await store.getClaim("mid-run"))?.state).toBe("completed");
    expect(verifySignature(await store.load(receipt.runId), TEST_SECRET)).toBe(true);
    expect(await audit(prefix)).toMatchObject({ ok: true, counts: { valid: 1 }, journal: { entries: 1, problems: [] } });
  });

  it("retries a receipt INSERT whose connection dropped, storing and journaling the receipt once", async () => {
    const { store, prefix } = await freshStore();
    await store.migrate();
    await dropConnectionOnce(prefix, "receipts", "INSERT");
    const { workflow, counter } = countingWorkflow();

    const [result, receipt] = await client(store, workflow).run({ ...request, idempotencyKey: "insert-dropped" });

    expect(result.success).toBe(true);
    expect(counter.executions).toBe(1);
    expect(await store.load(receipt.runId)).toEqual(receipt);
    expect((await store.getClaim("insert-dropped"))?.state).toBe("completed");
    expect(await audit(prefix)).toMatchObject({ ok: true, counts: { receipts: 1, valid: 1 }, journal: { entries: 1, problems: [] } });
  });

  it("retries the claim's move to completed when its connection dropped, so the key is not left executing", async () => {
    const { store, prefix } = await freshStore();
    await store.migrate();
    await dropConnectionOnce(prefix, "idempotency_keys", "UPDATE", "NEW.state = 'completed'");
    const { workflow, counter } = countingWorkflow();

    const [result] = await client(store, workflow).run({ ...request, idempotencyKey: "update-dropped" });

    expect(result.success).toBe(true);
    expect(counter.executions).toBe(1);
    expect((await store.getClaim("update-dropped"))?.state).toBe("completed");
  });

  it("refuses runs before their workflow while the server keeps refusing connections, and runs again once it is back", { timeout: 60_000 }, async () => {
    // A role of the test's own whose connections can be refused without touching anyone else's.
    const role = db.uniqueName("enact_role");
    await db.admin.query(`CREATE ROLE "${role}" LOGIN`);
    cleanups.push(() => db.admin.query(`DROP ROLE IF EXISTS "${role}"`));
    await db.admin.query(`CREATE SCHEMA "${role}" AUTHORIZATION "${role}"`);
    cleanups.unshift(() => db.admin.query(`DROP SCHEMA IF EXISTS "${role}" CASCADE`));
    const url = new URL(db.connectionString);
    url.username = role;
    const { store, prefix, applicationName } = await freshStore({ schema: role, connectionString: url.toString() });
    const { workflow, counter } = countingWorkflow();
    const enact = client(store, workflow);
    await enact.run(request);

    await db.admin.query(`ALTER ROLE "${role}" CONNECTION LIMIT 0`);
    await terminate(applicationName);
    // The store cannot know yet: this run executes, and its receipt cannot be stored.
    await expect(enact.run(request)).rejects.toBeInstanceOf(ReceiptWriteError);
    // Now it knows: the next run is refused before its workflow.
    await expect(enact.run(request)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(counter.executions).toBe(2);

    await db.admin.query(`ALTER ROLE "${role}" CONNECTION LIMIT -1`);
    const [result] = await enact.run(request);
    expect(result.success).toBe(true);
    expect(counter.executions).toBe(3);
    expect(crashes).toEqual([]);
    expect(await audit(prefix, role)).toMatchObject({ ok: true, counts: { valid: 2 } });
  });
});

describe("PostgresReceiptStore when a statement took effect but its answer was lost", () => {
  async function storeBehindProxy() {
    const proxy = await startCuttingProxy(db.connectionString);
    cleanups.push(() => proxy.close());
    const { store, prefix } = await freshStore({ connectionString: proxy.connectionString });
    await store.migrate();
    return { proxy, store, prefix };
  }

  it("counts a receipt whose statement committed but whose answer was lost as stored, journaled once, when the retry finds it", async () => {
    const { proxy, store, prefix } = await storeBehindProxy();
    const { workflow, counter } = countingWorkflow();
    // The receipt and its journal entry are one row, its writer's head rides along: one autocommit statement.
    proxy.cutAnswerTo("receipt, writer, seq, entry)");

    const accepted = proxy.accepted;
    const [result, receipt] = await client(store, workflow).run({ ...request, idempotencyKey: "commit-lost" });

    // The answer was cut (the statement's text matched): the retry needed a new connection.
    expect(proxy.accepted).toBeGreaterThan(accepted);
    expect(result.success).toBe(true);
    expect(counter.executions).toBe(1);
    expect(await store.load(receipt.runId)).toEqual(receipt);
    expect((await store.getClaim("commit-lost"))?.state).toBe("completed");
    expect(await audit(prefix)).toMatchObject({ ok: true, counts: { receipts: 1, valid: 1 }, journal: { entries: 1, problems: [] } });
  });

  it.skipIf(!onServer)("chains after a batch that committed though every retry failed, once the database is back", { timeout: 60_000 }, async () => {
    // A role of the test's own whose new connections can be refused.
    const role = db.uniqueName("enact_role");
    await db.admin.query(`CREATE ROLE "${role}" LOGIN`);
    cleanups.push(() => db.admin.query(`DROP ROLE IF EXISTS "${role}"`));
    await db.admin.query(`CREATE SCHEMA "${role}" AUTHORIZATION "${role}"`);
    cleanups.unshift(() => db.admin.query(`DROP SCHEMA IF EXISTS "${role}" CASCADE`));
    const url = new URL(db.connectionString);
    url.username = role;
    const proxy = await startCuttingProxy(url.toString());
    cleanups.push(() => proxy.close());
    const { store, prefix } = await freshStore({ schema: role, connectionString: proxy.connectionString });
    const enact = client(store);
    await store.migrate();
    // The statement commits, its answer is lost, and no new connection is let in for the retries.
    await db.admin.query(`ALTER ROLE "${role}" CONNECTION LIMIT 0`);
    proxy.cutAnswerTo("receipt, writer, seq, entry)");
    await expect(enact.run(request)).rejects.toBeInstanceOf(ReceiptWriteError);

    await db.admin.query(`ALTER ROLE "${role}" CONNECTION LIMIT -1`);
    const [result] = await enact.run(request);

    expect(result.success).toBe(true);
    expect(await audit(prefix, role)).toMatchObject({ ok: true, counts: { valid: 2 }, journal: { entries: 2, problems: [] } });
  });

  it("runs a keyed request whose claim INSERT took effect though its answer was lost, once", async () => {
    const { proxy, store } = await storeBehindProxy();
    const { workflow, counter } = countingWorkflow();
    proxy.cutAnswerTo("ON CONFLICT (key_sha256) DO NOTHING");
    const enact = client(store, workflow);

    const [result, receipt] = await enact.run({ ...request, idempotencyKey: "claim-lost" });
    const [replayed] = await enact.run({ ...request, idempotencyKey: "claim-lost" });

    expect(result.success).toBe(true);
    expect(replayed.replayed).toBe(true);
    expect(counter.executions).toBe(1);
    expect(await store.getClaim("claim-lost")).toMatchObject({ runId: receipt.runId, state: "completed" });
  });
});

describe("PostgresReceiptStore.assertWritable", () => {
  it("refuses a run before its workflow when the database's port is closed", async () => {
    const port = await unusedLoopbackPort();
    const store = new PostgresReceiptStore({ connectionString: `postgres://postgres@127.0.0.1:${port}/test`, tablePrefix: "unreachable_" });
    stores.push(store);
    const { workflow, counter } = countingWorkflow();

    const run = client(store, workflow).run(request);

    await expect(run).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(run).rejects.toThrow(/ECONNREFUSED/);
    expect(counter.executions).toBe(0);
  });

  it("makes no round trip while the last operation succeeded", async () => {
    const pool = new pg.Pool({ connectionString: db.connectionString, max: 2 });
    pool.on("error", () => undefined);
    cleanups.push(() => pool.end());
    const prefix = `${db.uniqueName("enact")}_`;
    prefixes.push(prefix);
    const store = new PostgresReceiptStore({ pool, tablePrefix: prefix });
    await client(store).run(request);
    let checkouts = 0;
    pool.on("acquire", () => (checkouts += 1));

    await store.assertWritable();

    expect(checkouts).toBe(0);
  });
});
