import { describe, expect, it } from "vitest";
import { containsStatement, unfilteredStatements } from "../../src/policies/sql-scan.js";

describe("containsStatement", () => {
  it("finds a DELETE FROM", () => {
    expect(containsStatement("DELETE FROM t", "DELETE")).toBe(true);
  });

  it("finds a DELETE FROM in a later statement", () => {
    expect(containsStatement("SELECT 1; delete from t", "DELETE")).toBe(true);
  });

  it("counts a TRUNCATE as a delete", () => {
    expect(containsStatement("TRUNCATE t", "DELETE")).toBe(true);
  });

  it("does not count a SELECT ... FROM as a delete", () => {
    expect(containsStatement("SELECT a FROM t", "DELETE")).toBe(false);
  });

  it("does not count the DELETE privilege in a GRANT as a delete", () => {
    expect(containsStatement("GRANT DELETE ON t TO u", "DELETE")).toBe(false);
  });

  it("ignores a quoted identifier spelled TRUNCATE", () => {
    expect(containsStatement('SELECT * FROM "TRUNCATE"', "DELETE")).toBe(false);
  });

  it("does not count an UPDATE ... SET as a delete", () => {
    expect(containsStatement("UPDATE t SET a = 1", "DELETE")).toBe(false);
  });

  it("finds an UPDATE ... SET", () => {
    expect(containsStatement("UPDATE t SET a = 1", "UPDATE")).toBe(true);
  });

  it("finds an UPDATE whose alias is a quoted FROM", () => {
    expect(containsStatement('UPDATE t AS "FROM" SET a = 1', "UPDATE")).toBe(true);
  });

  it("does not count a SELECT as an update", () => {
    expect(containsStatement("SELECT 1", "UPDATE")).toBe(false);
  });

  it("does not count a DELETE as an update", () => {
    expect(containsStatement("DELETE FROM t", "UPDATE")).toBe(false);
  });

  it("does not count an ALTER ... SET as an update", () => {
    expect(containsStatement("ALTER TABLE t ALTER COLUMN c SET DEFAULT 0", "UPDATE")).toBe(false);
  });

  it("does not count ON CONFLICT DO UPDATE SET as an update statement", () => {
    expect(containsStatement("INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 1", "UPDATE")).toBe(false);
  });

  it("does not count a column named update as an update when a SET comes only after its FROM", () => {
    expect(containsStatement("SELECT update FROM history set", "UPDATE")).toBe(false);
  });

  it("does not count a table named update as an update when a SET comes only after its WHERE", () => {
    expect(containsStatement("DELETE FROM update WHERE set = 1", "UPDATE")).toBe(false);
  });
});

describe("unfilteredStatements", () => {
  it("reports a DELETE without WHERE with its first four words as the excerpt", () => {
    expect(unfilteredStatements("DELETE FROM t USING u, v", "DELETE")).toEqual([{ kind: "DELETE", excerpt: "DELETE FROM t USING" }]);
  });

  it("shows a quoted identifier in the excerpt with its quotes", () => {
    expect(unfilteredStatements('DELETE FROM "Orders"', "DELETE")).toEqual([{ kind: "DELETE", excerpt: 'DELETE FROM "Orders"' }]);
  });

  it("reports every TRUNCATE when looking for deletes", () => {
    expect(unfilteredStatements("TRUNCATE t", "DELETE")).toEqual([{ kind: "TRUNCATE", excerpt: "TRUNCATE t" }]);
  });

  it("does not report a TRUNCATE when looking for updates", () => {
    expect(unfilteredStatements("TRUNCATE t", "UPDATE")).toEqual([]);
  });

  it("does not report a DELETE when looking for updates", () => {
    expect(unfilteredStatements("DELETE FROM t", "UPDATE")).toEqual([]);
  });

  it("does not report an UPDATE when looking for deletes", () => {
    expect(unfilteredStatements("UPDATE t SET a = 1", "DELETE")).toEqual([]);
  });

  it("reports an UPDATE ... SET without WHERE", () => {
    expect(unfilteredStatements("UPDATE t SET a = 1", "UPDATE")).toEqual([{ kind: "UPDATE", excerpt: "UPDATE t SET a" }]);
  });

  it("does not report the DELETE privilege in a GRANT", () => {
    expect(unfilteredStatements("GRANT DELETE ON t TO u", "DELETE")).toEqual([]);
  });

  it("ignores a quoted identifier spelled TRUNCATE", () => {
    expect(unfilteredStatements('SELECT * FROM "TRUNCATE"', "DELETE")).toEqual([]);
  });

  it("does not count a WHERE that is only inside a subquery", () => {
    expect(unfilteredStatements("DELETE FROM t USING (SELECT id FROM u WHERE u.x = 1) s", "DELETE")).toEqual([
      { kind: "DELETE", excerpt: "DELETE FROM t USING" },
    ]);
  });

  it("counts a WHERE that comes after a closed subquery", () => {
    expect(unfilteredStatements("DELETE FROM t USING (SELECT 1) s WHERE t.id = s.id", "DELETE")).toEqual([]);
  });

  it("counts a WHERE that comes after nested parentheses", () => {
    expect(unfilteredStatements("DELETE FROM t USING (SELECT (1)) s WHERE t.id = s.id", "DELETE")).toEqual([]);
  });

  it("ends a statement at a semicolon, so a WHERE in the next statement does not count", () => {
    expect(unfilteredStatements("DELETE FROM t; SELECT * FROM u WHERE x", "DELETE")).toEqual([
      { kind: "DELETE", excerpt: "DELETE FROM t ;" },
    ]);
  });

  it("does not end a statement at a semicolon inside parentheses", () => {
    expect(unfilteredStatements("DELETE FROM t USING (SELECT 1; SELECT 2) s WHERE t.id = s.id", "DELETE")).toEqual([]);
  });

  it("ends a statement in a CTE at the parenthesis that closes it, so WHERE in the outer query does not count", () => {
    const sql = "WITH d AS (DELETE FROM t RETURNING id) SELECT * FROM d WHERE id IN (SELECT id FROM u WHERE u.ok)";
    expect(unfilteredStatements(sql, "DELETE")).toEqual([{ kind: "DELETE", excerpt: "DELETE FROM t RETURNING" }]);
  });
});
