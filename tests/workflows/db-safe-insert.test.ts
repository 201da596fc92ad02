import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EnactClient, receiptPath, verifySignature, type Receipt } from "enact-sdk";
import { PostgresConnector } from "enact-sdk/connectors/postgres";
import { blockDdl, protectTables } from "enact-sdk/policies";
import { dbSafeInsert } from "enact-sdk/workflows";
import { getTestDatabase, releaseTestDatabase, unusedLoopbackPort, type TestDatabase } from "../support/database.js";
import { TEST_SECRET } from "../support/context.js";

let db: TestDatabase;
let postgres: PostgresConnector;
let receiptDir: string;
let enact: EnactClient;

beforeAll(async () => {
  db = await getTestDatabase();
  postgres = new PostgresConnector({ connectionString: db.connectionString });
});

afterAll(async () => {
  await postgres?.close();
  await releaseTestDatabase();
});

beforeEach(async () => {
  receiptDir = await mkdtemp(join(tmpdir(), "enact-db-safe-insert-"));
  enact = new EnactClient({
    secret: TEST_SECRET,
    receiptDir,
    systems: { postgres },
    policies: [blockDdl],
    workflows: [dbSafeInsert],
  });
});

async function leadsTable(): Promise<string> {
  return db.createTable("leads", "id serial primary key, email text not null, name text, created_at timestamptz not null default now()");
}

async function readReceipt(receipt: Receipt): Promise<unknown> {
  return JSON.parse(await readFile(receiptPath(receiptDir, receipt.runId), "utf8"));
}

describe("dbSafeInsert", () => {
  it("inserts the row and records it in a signed receipt", async () => {
    const table = await leadsTable();
    const [result, receipt] = await enact.run({
      workflow: "db_safe_insert",
      actorEmail: "agent@company.com",
      payload: { table, data: { email: "jane@acme.com", name: "Jane" } },
    });
    expect(result.success).toBe(true);
    expect(result.output.insert_row).toMatchObject({ id: 1, email: "jane@acme.com", name: "Jane" });
    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken).toEqual([
      expect.objectContaining({ action: "insert_row", system: "postgres", success: true, rollbackData: { table, primaryKey: ["id"], rows: [{ id: 1 }] } }),
    ]);
    expect(await db.rows(table)).toEqual([expect.objectContaining({ id: 1, email: "jane@acme.com", name: "Jane" })]);
    expect(verifySignature(await readReceipt(receipt), TEST_SECRET)).toBe(true);
  });

  it("reports an existing row with the same unique key as already done, and inserts nothing", async () => {
    const table = await leadsTable();
    const payload = { table, data: { email: "jane@acme.com", name: "Jane" }, uniqueKey: "email" };
    await enact.run({ workflow: "db_safe_insert", actorEmail: "agent@company.com", payload });
    const [result, receipt] = await enact.run({
      workflow: "db_safe_insert",
      actorEmail: "agent@company.com",
      payload: { ...payload, data: { email: "jane@acme.com", name: "Jane Again" } },
    });
    expect(result.success).toBe(true);
    expect(receipt.actionsTaken).toEqual([
      expect.objectContaining({ action: "insert_row", success: true, alreadyDone: true, output: expect.objectContaining({ id: 1, name: "Jane" }) }),
    ]);
    expect(receipt.actionsTaken[0]?.rollbackData).toBeUndefined();
    expect(await db.rows(table)).toHaveLength(1);
  });

  it("inserts exactly one row for 50 concurrent runs with the same unique key", async () => {
    const table = await leadsTable();
    const runs = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        enact.run({
          workflow: "db_safe_insert",
          actorEmail: `agent-${index}@company.com`,
          payload: { table, data: { email: "race@acme.com", name: `run ${index}` }, uniqueKey: "email" },
        }),
      ),
    );
    expect(await db.rows(table)).toHaveLength(1);
    expect((await readdir(receiptDir)).filter((name) => name.endsWith(".json"))).toHaveLength(50); // not journal/
    expect(runs.every(([result]) => result.success)).toBe(true);
    const actions = runs.map(([, receipt]) => receipt.actionsTaken[0]);
    expect(actions.filter((action) => action?.alreadyDone === undefined)).toHaveLength(1);
    expect(actions.filter((action) => action?.alreadyDone === true)).toHaveLength(49);
    const [inserted] = await db.rows(table);
    expect(new Set(actions.map((action) => action?.output.id))).toEqual(new Set([inserted?.id]));
  });

  it("reports a unique violation it cannot attribute to an existing row as a failure", async () => {
    const table = await leadsTable();
    await db.admin.query(`CREATE UNIQUE INDEX ON "${table}" (lower(email))`);
    await db.admin.query(`INSERT INTO "${table}" (email) VALUES ('jane@acme.com')`);
    const [result, receipt] = await enact.run({
      workflow: "db_safe_insert",
      actorEmail: "agent@company.com",
      payload: { table, data: { email: "JANE@acme.com" }, uniqueKey: "email" },
    });
    expect(result.success).toBe(false);
    expect(receipt.actionsTaken[0]).toMatchObject({ success: false, output: { code: "23505" } });
    expect(await db.rows(table)).toHaveLength(1);
  });

  it.each([
    [{ data: { email: "a@b.c" } }, /table/],
    [{ table: "leads", data: {} }, /data must have at least one column/],
    [{ table: "leads", data: { email: "a@b.c" }, uniqueKey: "id" }, /uniqueKey 'id' must name a column of data/],
    [{ table: "leads", data: { email: null }, uniqueKey: "email" }, /non-null value/],
  ])("blocks the invalid payload %j", async (payload, reason) => {
    const [result, receipt] = await enact.run({ workflow: "db_safe_insert", actorEmail: "agent@company.com", payload });
    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults[0]?.reason).toMatch(reason);
    expect(receipt.actionsTaken).toEqual([]);
  });

  it("blocks a payload with a key its schema does not know (sql), recording it, before touching the table", async () => {
    const table = await leadsTable();
    const [result, receipt] = await enact.run({
      workflow: "db_safe_insert",
      actorEmail: "agent@company.com",
      payload: { table, data: { email: "jane@acme.com" }, sql: "DROP TABLE users" },
    });
    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.payload).toMatchObject({ sql: "DROP TABLE users" });
    expect(receipt.policyResults).toEqual([{ policy: "payload_schema", passed: false, reason: expect.stringMatching(/^Unrecognized key\(s\) in payload: sql\./) }]);
    expect(receipt.policyResults).not.toContainEqual(expect.objectContaining({ reason: "No SQL in payload." }));
    expect(await db.rows(table)).toEqual([]);
  });

  it("is blocked by protectTables before touching the table", async () => {
    const payments = await db.createTable("payments", "id serial primary key, amount numeric");
    const guarded = new EnactClient({
      secret: TEST_SECRET,
      receiptDir,
      systems: { postgres },
      policies: [protectTables([payments])],
      workflows: [dbSafeInsert],
    });
    const [result, receipt] = await guarded.run({
      workflow: "db_safe_insert",
      actorEmail: "agent@company.com",
      payload: { table: `public.${payments}`, data: { amount: "1000000" } },
    });
    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("BLOCK");
    expect(receipt.policyResults).toContainEqual(expect.objectContaining({ policy: "protect_tables", passed: false }));
    expect(receipt.actionsTaken).toEqual([]);
    expect(await db.rows(payments)).toEqual([]);
  });

  it("fails cleanly against a hostile table name, with a signed receipt", async () => {
    const table = await leadsTable();
    const [result, receipt] = await enact.run({
      workflow: "db_safe_insert",
      actorEmail: "agent@company.com",
      payload: { table: `${table}; DROP TABLE ${table}`, data: { email: "x@y.z" } },
    });
    expect(result.success).toBe(false);
    expect(receipt.actionsTaken[0]).toMatchObject({ success: false, output: { code: "ENACT_INVALID_INPUT" } });
    expect(await db.rows(table)).toEqual([]);
    expect(verifySignature(await readReceipt(receipt), TEST_SECRET)).toBe(true);
  });

  it("fails cleanly with a receipt against a stopped server, without the password", async () => {
    const password = "s3cret-db-password";
    const down = new PostgresConnector({ connectionString: `postgres://app:${password}@127.0.0.1:${await unusedLoopbackPort()}/app` });
    const client = new EnactClient({ secret: TEST_SECRET, receiptDir, systems: { postgres: down }, workflows: [dbSafeInsert] });
    const [result, receipt] = await client.run({
      workflow: "db_safe_insert",
      actorEmail: "agent@company.com",
      payload: { table: "leads", data: { email: "a@b.c" }, uniqueKey: "email" },
    });
    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("PASS");
    expect(receipt.actionsTaken).toEqual([expect.objectContaining({ action: "insert_row", success: false, output: expect.objectContaining({ code: "ECONNREFUSED" }) })]);
    const stored = await readFile(receiptPath(receiptDir, receipt.runId), "utf8");
    expect(stored).not.toContain(password);
    expect(verifySignature(JSON.parse(stored), TEST_SECRET)).toBe(true);
    await down.close();
  });

  it("signs a receipt holding timestamptz, numeric and bigint values that verifies after reading it back", async () => {
    const table = await db.createTable("typed", "id bigserial primary key, at timestamptz default now(), amount numeric, big bigint, doc jsonb");
    const [result, receipt] = await enact.run({
      workflow: "db_safe_insert",
      actorEmail: "agent@company.com",
      payload: { table, data: { amount: "1234567890.000000001", big: "9007199254740993", doc: { a: [1, 2] } } },
    });
    expect(result.success).toBe(true);
    expect(receipt.actionsTaken[0]?.output).toMatchObject({
      id: "1",
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/),
      amount: "1234567890.000000001",
      big: "9007199254740993",
      doc: { a: [1, 2] },
    });
    const stored = (await readReceipt(receipt)) as Receipt;
    expect(verifySignature(stored, TEST_SECRET)).toBe(true);
    expect(stored).toEqual(receipt);
  });

  it("fails the run with a receipt when no postgres system is registered", async () => {
    const bare = new EnactClient({ secret: TEST_SECRET, receiptDir, workflows: [dbSafeInsert] });
    const [result, receipt] = await bare.run({ workflow: "db_safe_insert", actorEmail: "agent@company.com", payload: { table: "t", data: { a: 1 } } });
    expect(result.success).toBe(false);
    expect(receipt.error).toMatch(/System 'postgres' is not registered/);
  });
});


/**
 * Runs db_safe_insert once per value, all at once: each run has a connector (so a connection) of
 * its own, and a policy holds every run until all have been checked, so their workflows race.
 */
async function raceInserts(table: string, column: string, values: readonly unknown[]): Promise<Receipt[]> {
  let arrived = 0;
  let release!: () => void;
  const everyoneThere = new Promise<void>((resolve) => (release = resolve));
  const barrier = async () => {
    arrived += 1;
    if (arrived === values.length) release();
    await everyoneThere;
    return { policy: "barrier", passed: true, reason: "every racer is ready" };
  };
  const connectors = values.map(() => new PostgresConnector({ connectionString: db.connectionString, poolConfig: { max: 1 } }));
  try {
    const runs = await Promise.all(
      values.map((value, index) =>
        new EnactClient({ secret: TEST_SECRET, receiptDir, systems: { postgres: connectors[index] }, policies: [barrier], workflows: [dbSafeInsert] }).run({
          workflow: "db_safe_insert",
          actorEmail: `racer-${index}@company.com`,
          payload: { table, data: { [column]: value }, uniqueKey: column },
        }),
      ),
    );
    return runs.map(([, receipt]) => receipt);
  } finally {
    await Promise.all(connectors.map((connector) => connector.close()));
  }
}

/** Every run succeeded, exactly one inserted, the others found its row. */
function expectOneInsert(receipts: readonly Receipt[]): void {
  const actions = receipts.map((receipt) => receipt.actionsTaken[0]);
  expect(actions.every((action) => action?.success === true)).toBe(true);
  expect(actions.filter((action) => action?.alreadyDone !== true)).toHaveLength(1);
}

describe("dbSafeInsert racing on values the database holds equal", () => {
  it("inserts one row when 1, '1', '01', ' 1', '+1' and '1 ' race into an int column", async () => {
    const table = await db.createTable("ints", "id serial primary key, n int");
    const receipts = await raceInserts(table, "n", [1, "1", "01", " 1", "+1", "1 ", "001", 1]);
    expect(await db.rows(table)).toHaveLength(1);
    expectOneInsert(receipts);
  });

  it("inserts one row when case variants race into a citext column", async () => {
    const { rows: installed } = await db.admin.query("SELECT 1 FROM pg_extension WHERE extname = 'citext'");
    await db.admin.query("CREATE EXTENSION IF NOT EXISTS citext");
    const table = await db.createTable("emails", "id serial primary key, email citext");
    try {
      const receipts = await raceInserts(table, "email", ["Jane@Acme.com", "jane@acme.com", "JANE@ACME.COM", "jAnE@aCmE.cOm", "jane@ACME.com", "JANE@acme.COM"]);
      expect(await db.rows(table)).toHaveLength(1);
      expectOneInsert(receipts);
    } finally {
      await db.admin.query(`DROP TABLE IF EXISTS "${table}"`);
      // Only if this test installed it, and not while anything else on the shared server uses it.
      if (installed.length === 0) await db.admin.query("DROP EXTENSION IF EXISTS citext").catch(() => undefined);
    }
  });

  it("inserts one row when one jsonb document spelled with other key orders and spacing races", async () => {
    const table = await db.createTable("docs", "id serial primary key, doc jsonb");
    const receipts = await raceInserts(table, "doc", [
      { a: 1, b: [1, 2], c: { x: true, y: null } },
      { c: { y: null, x: true }, b: [1, 2], a: 1 },
      { b: [1, 2], a: 1, c: { x: true, y: null } },
      '{"c": {"x": true, "y": null}, "a": 1, "b": [1, 2]}',
      '{ "a" : 1.0, "b" : [1, 2], "c" : { "y" : null, "x" : true } }',
      { a: 1, c: { x: true, y: null }, b: [1, 2] },
    ]);
    expect(await db.rows(table)).toHaveLength(1);
    expectOneInsert(receipts);
  });

  it("inserts one row when equal values of a type without a hash function race (box: equal areas are =)", async () => {
    const table = await db.createTable("boxes", "id serial primary key, b box");
    const receipts = await raceInserts(table, "b", ["(0,0),(1,1)", "(5,5),(6,6)", "(1,1),(0,0)", "(2,2),(3,3)", "(0,0),(0.5,2)", "(9,9),(10,10)"]);
    expect(await db.rows(table)).toHaveLength(1);
    expectOneInsert(receipts);
  });
});
