import { describe, expect, it } from "vitest";
import type { WorkflowContext } from "enact-sdk";
import { noDeleteWithoutWhere } from "enact-sdk/policies";
import { containsStatement, tokenize, unfilteredStatements } from "../../src/policies/sql-scan.js";

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
});

describe("identifiers are read with Postgres's identifier characters", () => {
  it("reads a non-ASCII symbol followed by letters as one word", () => {
    expect(texts("DELETE FROM t ✓where")).toEqual(["DELETE", "FROM", "t", "✓where"]);
  });

  it("reads a no-break space as part of a word, not as whitespace", () => {
    expect(texts("t x\u00a0where")).toEqual(["t", "x\u00a0where"]);
  });

  it("does not take an alias ending in WHERE after a non-ASCII symbol as a WHERE clause", () => {
    expect(unfilteredStatements("DELETE FROM t ✓WHERE", "DELETE")).toEqual([{ kind: "DELETE", excerpt: "DELETE FROM t ✓WHERE" }]);
  });

  it("does not take an alias joined to WHERE by a no-break space as a WHERE clause", () => {
    expect(unfilteredStatements("DELETE FROM t x\u00a0WHERE", "DELETE")).toEqual([{ kind: "DELETE", excerpt: "DELETE FROM t x\u00a0WHERE" }]);
  });

  it("skips a body dollar-quoted with a non-ASCII tag", () => {
    expect(texts("SELECT $✓$ WHERE $✓$ x")).toEqual(["SELECT", "x"]);
  });

  it("does not take a WHERE inside a body with a non-ASCII tag as a WHERE clause", () => {
    expect(unfilteredStatements("DELETE FROM t RETURNING $✓$ WHERE $✓$", "DELETE")).toEqual([
      { kind: "DELETE", excerpt: "DELETE FROM t RETURNING" },
    ]);
  });

  // The SQL of this test and the next deleted every row of a table on PostgreSQL 15 (checked by hand).
  it("blocks an unfiltered delete whose alias hides a WHERE behind a no-break space", async () => {
    const result = await noDeleteWithoutWhere(ctx({ sql: "DELETE FROM users u\u00a0WHERE" }));
    expect(result.passed).toBe(false);
  });

  it("blocks a delete hidden after a -- comment ended by a carriage return", async () => {
    const result = await noDeleteWithoutWhere(ctx({ sql: "SELECT 1; -- note\rDELETE FROM users" }));
    expect(result.passed).toBe(false);
  });
});

describe("whitespace is what Postgres takes for whitespace", () => {
  it("separates words at a vertical tab and keeps a capital V inside a word", () => {
    expect(texts("DELETE\vFROM VERSIONS")).toEqual(["DELETE", "FROM", "VERSIONS"]);
  });
});
