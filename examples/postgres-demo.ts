/**
 * The db_safe_insert demo: a real Postgres (embedded PGlite, nothing to install), an agent
 * inserting a lead, the same request again detected as a duplicate, and a request for a
 * protected table blocked before any SQL runs. Every run leaves a signed receipt.
 */
import pg from "pg";
import { EnactClient, type Receipt } from "enact-sdk";
import { PostgresConnector, startEmbeddedPostgres } from "enact-sdk/connectors/postgres";
import { blockDdl, noDeleteWithoutWhere, protectTables } from "enact-sdk/policies";
import { dbSafeInsert } from "enact-sdk/workflows";

/** What the demo needs from its caller. */
export interface PostgresDemoOptions {
  /** The receipt signing secret. */
  secret: string;
  /** Where receipts are written. */
  receiptDir: string;
  /** Where each line of the narration goes (e.g. console.log). */
  log: (line: string) => void;
}

/**
 * Runs the demo against an embedded Postgres that it starts and stops itself.
 *
 * @example
 * await postgresDemo({ secret: DEMO_SECRET, receiptDir: "receipts", log: console.log });
 */
export async function postgresDemo({ secret, receiptDir, log }: PostgresDemoOptions): Promise<void> {
  log("Starting an embedded Postgres (PGlite) on a free loopback port…");
  const embedded = await startEmbeddedPostgres();
  const postgres = new PostgresConnector({
    connectionString: embedded.connectionString,
    allowedActions: ["insert_row", "select_rows"],
  });
  try {
    // Schema setup is the developer's job, not the agent's: it uses a plain pg client, and the
    // connector (which has no DDL action) could not do it anyway.
    const setup = new pg.Client({ connectionString: embedded.connectionString });
    await setup.connect();
    await setup.query(`
      CREATE TABLE leads (id serial PRIMARY KEY, email text NOT NULL, company text, created_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE payments (id serial PRIMARY KEY, amount numeric NOT NULL);`);
    await setup.end();
    log("Created tables leads and payments.");

    const enact = new EnactClient({
      secret,
      receiptDir,
      systems: { postgres },
      policies: [protectTables(["payments"]), blockDdl, noDeleteWithoutWhere],
      workflows: [dbSafeInsert],
    });
    const lead = { table: "leads", data: { email: "jane@acme.com", company: "Acme" }, uniqueKey: "email" };

    log("");
    log("=== db_safe_insert: a new lead → PASS ===");
    const [first, firstReceipt] = await enact.run({ workflow: "db_safe_insert", actorEmail: "agent@company.com", payload: lead });
    describe(log, firstReceipt, first.success);

    log("");
    log("=== The same lead again → duplicate detected, nothing inserted ===");
    const [again, againReceipt] = await enact.run({ workflow: "db_safe_insert", actorEmail: "agent@company.com", payload: lead });
    describe(log, againReceipt, again.success);

    log("");
    log("=== An insert into a protected table → BLOCK, no SQL runs ===");
    const [blocked, blockedReceipt] = await enact.run({
      workflow: "db_safe_insert",
      actorEmail: "agent@company.com",
      payload: { table: "payments", data: { amount: "1000000" } },
    });
    describe(log, blockedReceipt, blocked.success);

    const count = await postgres.selectRows({ table: "leads" });
    log("");
    log(`Rows in leads: ${(count.output.rows as unknown[]).length}`);
  } finally {
    await postgres.close();
    await embedded.stop();
    log("Embedded Postgres stopped.");
  }
}

function describe(log: (line: string) => void, receipt: Receipt, success: boolean): void {
  log(`  decision:  ${receipt.decision}   success: ${success}`);
  for (const result of receipt.policyResults) {
    log(`    ${result.passed ? "PASS" : "FAIL"}  ${result.policy}: ${result.reason}`);
  }
  for (const action of receipt.actionsTaken) {
    const state = !action.success ? `FAILED: ${String(action.output.error)}` : action.alreadyDone === true ? "already done (row exists)" : "done";
    log(`  action:    ${action.system}.${action.action} → ${state}`);
    log(`  row:       ${JSON.stringify(action.output)}`);
  }
  if (receipt.actionsTaken.length === 0) log("  action:    (none)");
  log(`  receipt:   ${receipt.runId}.json  signature ${receipt.signature.slice(0, 16)}…`);
}
