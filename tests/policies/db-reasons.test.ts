import { describe, expect, it } from "vitest";
import type { WorkflowContext } from "enact-sdk";
import { blockDdl, noDeleteWithoutWhere, noUpdateWithoutWhere, protectTables } from "enact-sdk/policies";

function ctx(payload: Record<string, unknown>, workflow = "custom_workflow"): WorkflowContext {
  return { workflow, actorEmail: "agent@example.com", payload, systems: {} };
}

describe("noDeleteWithoutWhere reasons", () => {
  it("says every DELETE in the SQL has a WHERE clause when the SQL deletes with one", async () => {
    expect(await noDeleteWithoutWhere(ctx({ sql: "DELETE FROM sessions WHERE id = 1" }))).toEqual({
      policy: "dont_delete_without_where",
      passed: true,
      reason: "Every DELETE in the SQL has a WHERE clause.",
    });
  });
});

describe("noUpdateWithoutWhere reasons", () => {
  it("says every UPDATE in the SQL has a WHERE clause when the SQL updates with one", async () => {
    expect(await noUpdateWithoutWhere(ctx({ statement: "UPDATE users SET a = 1 WHERE id = 1" }))).toEqual({
      policy: "dont_update_without_where",
      passed: true,
      reason: "Every UPDATE in the SQL has a WHERE clause.",
    });
  });

  it("says 'Not an update' for a run that does not update", async () => {
    expect(await noUpdateWithoutWhere(ctx({ table: "t", data: { a: 1 } }, "db_safe_insert"))).toEqual({
      policy: "dont_update_without_where",
      passed: true,
      reason: "Not an update: nothing to check.",
    });
  });
});

describe("protectTables() reasons", () => {
  it("names the protected tables when the payload's table is another one", async () => {
    const policy = protectTables(["users", "payments"]);

    expect(await policy(ctx({ table: "orders" }))).toEqual({
      policy: "protect_tables",
      passed: true,
      reason: "No protected table targeted (protected: users, payments).",
    });
  });

  it("names the protected tables when the SQL touches none of them", async () => {
    const policy = protectTables(["users"]);

    expect(await policy(ctx({ sql: "SELECT 1" }))).toEqual({
      policy: "protect_tables",
      passed: true,
      reason: "No protected table targeted (protected: users).",
    });
  });

  it("blocks a table that is null, saying it got null", async () => {
    const policy = protectTables(["users"]);

    expect(await policy(ctx({ table: null }))).toEqual({
      policy: "protect_tables",
      passed: false,
      reason: "Blocked: payload.table must be a string, got null.",
    });
  });
});

describe("blockDdl reasons", () => {
  it("blocks SQL that is a number, saying it got a number", async () => {
    expect(await blockDdl(ctx({ sql: 42 }))).toEqual({
      policy: "block_ddl",
      passed: false,
      reason: "Blocked: payload.sql must be a string, got number.",
    });
  });
});
