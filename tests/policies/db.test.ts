import { describe, expect, it } from "vitest";
import { ConfigurationError, type WorkflowContext } from "enact-sdk";
import { blockDdl, noDeleteWithoutWhere, noUpdateWithoutWhere, protectTables } from "enact-sdk/policies";

function ctx(payload: Record<string, unknown>, workflow = "custom_workflow"): WorkflowContext {
  return { workflow, actorEmail: "agent@example.com", payload, systems: {} };
}

describe("noDeleteWithoutWhere", () => {
  it("is named dont_delete_without_where", async () => {
    expect(noDeleteWithoutWhere.name).toBe("dont_delete_without_where");
    expect((await noDeleteWithoutWhere(ctx({}))).policy).toBe("dont_delete_without_where");
  });

  it("passes a run that does not delete", async () => {
    const result = await noDeleteWithoutWhere(ctx({ table: "leads", data: { email: "a@b.c" } }, "db_safe_insert"));
    expect(result).toMatchObject({ passed: true, reason: "Not a delete: nothing to check." });
  });

  it.each([
    ["action delete_row without where", ctx({ action: "delete_row", table: "t" })],
    ["action delete_row with an empty where", ctx({ action: "delete_row", table: "t", where: {} })],
    ["a delete workflow without where", ctx({ table: "t" }, "db_safe_delete")],
    ["a delete workflow with where null", ctx({ table: "t", where: null }, "delete-stale-sessions")],
  ])("blocks %s", async (_, context) => {
    const result = await noDeleteWithoutWhere(context);
    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/delete_row without a where would delete every row/);
  });

  it("passes a delete with a where", async () => {
    expect(await noDeleteWithoutWhere(ctx({ action: "delete_row", table: "t", where: { id: 7 } }))).toMatchObject({
      passed: true,
      reason: "where has 1 condition(s).",
    });
  });

  it.each([
    ["a string", "1=1"],
    ["an array", [["id", 1]]],
    ["a number", 1],
    ["an object with an undefined value", { id: undefined }],
  ])("blocks any run whose where is %s", async (_, where) => {
    const result = await noDeleteWithoutWhere(ctx({ table: "t", where }, "db_safe_insert"));
    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/^Blocked: payload\.where/);
  });

  it.each([
    "DELETE FROM users",
    "delete from users;",
    "DELETE FROM users -- WHERE id = 1",
    "DELETE FROM users /* WHERE id = 1 */",
    "DELETE FROM users RETURNING 'WHERE'",
    "DELETE FROM t WHERE id = 1; DELETE FROM users",
    "WITH gone AS (DELETE FROM users RETURNING *) SELECT * FROM gone WHERE true",
    "SELECT E'it\\'s'; DELETE FROM users",
    "TRUNCATE users",
    'DELETE FROM "WHERE"',
  ])("blocks the SQL %j", async (sql) => {
    const result = await noDeleteWithoutWhere(ctx({ sql }));
    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/(DELETE|TRUNCATE) without a WHERE clause would delete every row/);
  });

  it.each([
    "DELETE FROM users WHERE id = 1",
    "DELETE FROM users WHERE id IN (SELECT user_id FROM bans)",
    "SELECT 'DELETE FROM users'",
    "SELECT $$DELETE FROM users$$",
  ])("passes the SQL %j", async (sql) => {
    expect((await noDeleteWithoutWhere(ctx({ statement: sql }))).passed).toBe(true);
  });

  it.each([
    ["a non-string sql", { sql: 42 }],
    ["an unterminated string", { sql: "DELETE FROM t WHERE name = 'x" }],
    ["an unterminated comment", { sql: "DELETE FROM t /* WHERE id = 1" }],
    ["a non-string action", { action: ["delete_row"] }],
  ])("blocks %s", async (_, payload) => {
    const result = await noDeleteWithoutWhere(ctx(payload));
    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/^Blocked: /);
  });
});

describe("noUpdateWithoutWhere", () => {
  it("is named dont_update_without_where", () => {
    expect(noUpdateWithoutWhere.name).toBe("dont_update_without_where");
  });

  it("blocks update_row without a where", async () => {
    const result = await noUpdateWithoutWhere(ctx({ action: "update_row", table: "t", data: { a: 1 }, where: {} }));
    expect(result).toMatchObject({ passed: false, policy: "dont_update_without_where" });
    expect(result.reason).toMatch(/update_row without a where would update every row/);
  });

  it("blocks a workflow named for updates without a where", async () => {
    expect((await noUpdateWithoutWhere(ctx({ table: "t", data: { a: 1 } }, "bulk_update"))).passed).toBe(false);
  });

  it("passes an update with a where, and a run that does not update", async () => {
    expect((await noUpdateWithoutWhere(ctx({ action: "update_row", where: { id: 1 } }))).passed).toBe(true);
    expect((await noUpdateWithoutWhere(ctx({ table: "t", data: { a: 1 } }, "db_safe_insert"))).passed).toBe(true);
  });

  it.each(["UPDATE users SET admin = true", "update only users as u set admin = true -- where id = 1", "WITH x AS (UPDATE users SET a = 1 RETURNING id) SELECT 1 WHERE true"])(
    "blocks the SQL %j",
    async (sql) => {
      const result = await noUpdateWithoutWhere(ctx({ sql }));
      expect(result.passed).toBe(false);
      expect(result.reason).toMatch(/UPDATE without a WHERE clause would update every row/);
    },
  );

  it.each([
    "UPDATE users SET admin = false WHERE id = 1",
    "INSERT INTO t (id, a) VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET a = excluded.a",
    "SELECT * FROM t FOR UPDATE",
    "CREATE TABLE c (p int REFERENCES p(id) ON UPDATE SET NULL)",
    "GRANT UPDATE ON t TO agent",
  ])("passes the SQL %j", async (sql) => {
    expect((await noUpdateWithoutWhere(ctx({ sql }))).passed).toBe(true);
  });
});

describe("protectTables()", () => {
  const policy = protectTables(["users", "billing.invoices"]);

  it("is named protect_tables", () => {
    expect(policy.name).toBe("protect_tables");
  });

  it.each(["users", "USERS", "public.users", '"users"', '"public"."Users"', "invoices", "billing.invoices", "x; DELETE FROM users"])(
    "blocks the table %j",
    async (table) => {
      const result = await policy(ctx({ table }));
      expect(result).toMatchObject({ policy: "protect_tables", passed: false });
      expect(result.reason).toMatch(/is protected \(protected: users, billing\.invoices\)/);
    },
  );

  it.each(["users_archive", "orders", "public.invoices", "superusers"])("passes the table %j", async (table) => {
    expect((await policy(ctx({ table }))).passed).toBe(true);
  });

  it("blocks SQL that mentions a protected table", async () => {
    const result = await policy(ctx({ sql: "DELETE FROM public.Users WHERE id = 1" }));
    expect(result).toMatchObject({ passed: false, reason: "SQL touches protected table 'users' (protected: users, billing.invoices)." });
  });

  it("passes SQL about other tables", async () => {
    expect((await policy(ctx({ sql: "SELECT * FROM users_archive" }))).passed).toBe(true);
  });

  it("passes a run without a table", async () => {
    expect(await policy(ctx({ repo: "org/app" }))).toMatchObject({ passed: true, reason: "No table in payload." });
  });

  it("blocks a table that is not a string", async () => {
    const result = await policy(ctx({ table: ["users"] }));
    expect(result).toMatchObject({ passed: false, reason: "Blocked: payload.table must be a string, got an array." });
  });

  it("rejects a list that is not table names", () => {
    expect(() => protectTables(["users", ""])).toThrow(ConfigurationError);
    expect(() => protectTables("users" as never)).toThrow(ConfigurationError);
  });
});

describe("blockDdl", () => {
  it("is named block_ddl", () => {
    expect(blockDdl.name).toBe("block_ddl");
  });

  it.each([
    ["DROP TABLE users", "DROP"],
    ["drop table users", "DROP"],
    ["SELECT 1;DROP TABLE x", "DROP"],
    ["TRUNCATE payments", "TRUNCATE"],
    ["ALTER TABLE users ADD COLUMN admin boolean", "ALTER"],
    ["CREATE INDEX i ON t (a)", "CREATE"],
    ["GRANT ALL ON users TO agent", "GRANT"],
    ["REVOKE SELECT ON users FROM app", "REVOKE"],
    ["SELECT run('x'); EXECUTE 'DROP TABLE x'", "DROP"],
    ["COMMENT  ON TABLE t IS 'x'", "COMMENT ON"],
  ])("blocks %j", async (sql, keyword) => {
    const result = await blockDdl(ctx({ sql }));
    expect(result).toMatchObject({ policy: "block_ddl", passed: false });
    expect(result.reason).toBe(`DDL blocked: '${keyword}' changes the schema or permissions.`);
  });

  it.each(["DO $$ BEGIN PERFORM 1; END $$", "/* harmless */ do $x$ begin null; end $x$", "SELECT 1; DO LANGUAGE plpgsql 'BEGIN END'"])(
    "blocks the DO block %j",
    async (statement) => {
      expect(await blockDdl(ctx({ statement }))).toMatchObject({ passed: false, reason: "DDL blocked: a DO block can run any statement." });
    },
  );

  it.each([
    "SELECT created_at, dropped FROM t",
    "INSERT INTO t (id) VALUES (1) ON CONFLICT DO NOTHING",
    "UPDATE t SET altered = true WHERE id = 1",
  ])("passes %j", async (sql) => {
    expect(await blockDdl(ctx({ sql }))).toMatchObject({ passed: true, reason: "No DDL in the SQL." });
  });

  it("passes a run without SQL", async () => {
    expect(await blockDdl(ctx({ table: "t", data: { a: 1 } }))).toMatchObject({ passed: true, reason: "No SQL in payload." });
  });

  it("blocks SQL that is not a string", async () => {
    expect(await blockDdl(ctx({ sql: ["DROP TABLE x"] }))).toMatchObject({
      passed: false,
      reason: "Blocked: payload.sql must be a string, got an array.",
    });
  });
});
