import { describe, expect, it } from "vitest";
import type { WorkflowContext } from "enact-sdk";
import { noDeleteWithoutWhere } from "enact-sdk/policies";
import { containsStatement, tokenize } from "../../src/policies/sql-scan.js";

function ctx(payload: Record<string, unknown>): WorkflowContext {
  return { workflow: "custom_workflow", actorEmail: "agent@example.com", payload, systems: {} };
}

function texts(sql: string): string[] {
  return tokenize(sql).map((token) => token.text);
}

describe("-- comments end where Postgres ends them", () => {
  it("ends a -- comment at a carriage return, as Postgres does", () => {
    expect(texts("SELECT 1 -- note\rDELETE FROM users")).toEqual(["SELECT", "1", "DELETE", "FROM", "users"]);
  });

  it("finds a DELETE that follows a -- comment ended by a lone carriage return", () => {
    expect(containsStatement("SELECT 1 -- note\rDELETE FROM users", "DELETE")).toBe(true);
  });

  it("blocks a delete hidden after a -- comment ended by a carriage return", async () => {
    const result = await noDeleteWithoutWhere(ctx({ sql: "SELECT 1 -- note\rDELETE FROM users" }));
    expect(result.passed).toBe(false);
  });
});
