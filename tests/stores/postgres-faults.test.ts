import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnactClient, definePolicy, defineWorkflow } from "enact-sdk";
import { PostgresReceiptStore } from "enact-sdk/connectors/postgres";
import { describeAcrossProcesses } from "../idempotency/processes.js";
import { CLI_SECRET, runCli } from "../support/cli.js";
import { TEST_SECRET } from "../support/context.js";
import { pgBouncerUnavailable, startPgBouncer, type PgBouncer } from "../support/pgbouncer.js";
import { expectStoreConsistent, freshPrefix } from "../support/postgres-faults.js";
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres.js";

/*
 * The Postgres store under what fleets go through (issue 22), here a connection pooler in
 * transaction mode. Each block runs its own PostgreSQL server and PgBouncer, never the shared
 * server. Connections ended by the server and restarts mid-run are in postgres-restart-faults.test.ts.
 */

const noBouncer = privatePostgresUnavailable() ?? pgBouncerUnavailable();

describe.skipIf(noBouncer !== undefined)(`The fault tests' own servers${noBouncer ? ` (skipped: ${noBouncer})` : ""}`, () => {
  it("restarts the private PostgreSQL on the same address and ends every session on demand", async () => {
    const server = await startPrivatePostgres();
    try {
      const session = new pg.Client({ connectionString: server.connectionString });
      // A terminated connection reports more than one error; each must be heard or it crashes the run.
      const ended = new Promise<Error>((resolve) => session.on("error", resolve));
      await session.connect();
      expect(await server.terminateAll()).toBe(1);
      expect((await ended).message).toMatch(/terminating connection/);
      await server.restart("immediate");
      const after = new pg.Client({ connectionString: server.connectionString });
      await after.connect();
      expect((await after.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
      await after.end();
    } finally {
      await server.stop();
    }
  });

  it("pools in transaction mode: two open client connections share one server connection", async () => {
    const server = await startPrivatePostgres();
    const bouncer = await startPgBouncer({ upstream: server.connectionString, poolSize: 1 });
    const clients = [0, 1].map(() => new pg.Client({ connectionString: bouncer.connectionString }));
    try {
      for (const client of clients) await client.connect();
      // In session mode the second client would wait for the first to disconnect.
      const pids = [];
      for (const client of clients) pids.push((await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid);
      expect(pids[1]).toBe(pids[0]);
    } finally {
      for (const client of clients) await client.end();
      await bouncer.stop();
      await server.stop();
    }
  });
});

describe.skipIf(noBouncer !== undefined)(`PostgresReceiptStore through PgBouncer in transaction mode${noBouncer ? ` (skipped: ${noBouncer})` : ""}`, () => {
  let server: PrivatePostgres;
  let bouncer: PgBouncer;
  const stores: PostgresReceiptStore[] = [];
  const scratches: string[] = [];
  beforeAll(async () => {
    server = await startPrivatePostgres();
    bouncer = await startPgBouncer({ upstream: server.connectionString, poolSize: 4 });
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    for (const scratch of scratches) await rm(scratch, { recursive: true, force: true });
    await bouncer?.stop();
    await server?.stop();
  });

  function storeFor(prefix: string, secret = TEST_SECRET): PostgresReceiptStore {
    const store = new PostgresReceiptStore({ connectionString: bouncer.connectionString, tablePrefix: prefix, secret });
    stores.push(store);
    return store;
  }

  const policies = ["has_amount", "known_agent", "small_amount"].map((name) => definePolicy(name, () => ({ policy: name, passed: true, reason: "ok" })));
  const workflow = defineWorkflow("record_invoice", async () => [{ action: "record_invoice", system: "billing", success: true, output: {} }]);

  it("stores concurrent runs whose receipts and journal verify", async () => {
    const prefix = freshPrefix();
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: storeFor(prefix), policies, workflows: [workflow] });
    const runs = await Promise.all(Array.from({ length: 24 }, () => enact.run({ workflow: "record_invoice", actorEmail: "agent@co.com" })));
    expect(runs.every(([result]) => result.success)).toBe(true);
    const report = await expectStoreConsistent(bouncer.connectionString, prefix, runs.map(([, receipt]) => ({ event: "stored", runId: receipt.runId, replayed: false, success: true })));
    expect(report.counts.valid).toBe(24);
  });

  it("creates its tables once when many stores start at the same time through the pooler", async () => {
    const prefix = freshPrefix();
    const racers = Array.from({ length: 6 }, () => storeFor(prefix));
    await Promise.all(racers.map((store) => store.migrate()));
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: racers[0], policies, workflows: [workflow] });
    const [, stored] = await enact.run({ workflow: "record_invoice", actorEmail: "agent@co.com" });
    expect(await racers[5]?.load(stored.runId)).toEqual(stored);
  });

  it("replays a keyed run through the pooler instead of running it again", async () => {
    const prefix = freshPrefix();
    let executions = 0;
    const counted = defineWorkflow("record_invoice", async () => {
      executions += 1;
      return [{ action: "record_invoice", system: "billing", success: true, output: {} }];
    });
    const enact = new EnactClient({ secret: TEST_SECRET, receiptStore: storeFor(prefix), policies, workflows: [counted] });
    const request = { workflow: "record_invoice", actorEmail: "agent@co.com", payload: { amount: 1 }, idempotencyKey: "invoice-7" };
    const [first, firstReceipt] = await enact.run(request);
    const [second, secondReceipt] = await enact.run(request);
    expect([first.replayed === true, second.replayed]).toEqual([false, true]);
    expect(secondReceipt.runId).toBe(firstReceipt.runId);
    expect(executions).toBe(1);
  });

  it("is verified by `enact-sdk verify --database-url` through the pooler", async () => {
    const prefix = freshPrefix();
    const enact = new EnactClient({ secret: CLI_SECRET, receiptStore: storeFor(prefix, CLI_SECRET), policies, workflows: [workflow] });
    for (let i = 0; i < 3; i++) await enact.run({ workflow: "record_invoice", actorEmail: "agent@co.com" });
    const result = await runCli(["verify", "--database-url", bouncer.connectionString, "--table-prefix", prefix]);
    expect(result.stdout).toContain("Receipts: 3 valid, 0 invalid, 0 missing, 0 unreadable (3 in all)");
    expect(result.code).toBe(0);
  });

  describeAcrossProcesses("the Postgres store through PgBouncer", async () => {
    const prefix = freshPrefix();
    const scratch = await mkdtemp(join(tmpdir(), "enact-pgbouncer-procs-"));
    scratches.push(scratch);
    return {
      childStore: { kind: "postgres", connectionString: bouncer.connectionString, tablePrefix: prefix },
      store: storeFor(prefix),
      scratch,
    };
  });
});
