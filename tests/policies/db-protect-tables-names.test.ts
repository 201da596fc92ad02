import { describe, expect, it } from "vitest";
import { ConfigurationError, type WorkflowContext } from "enact-sdk";
import { protectTables } from "enact-sdk/policies";

function ctx(payload: Record<string, unknown>): WorkflowContext {
  return { workflow: "custom_workflow", actorEmail: "agent@example.com", payload, systems: {} };
}

const TABLE_LIST_ERROR = 'protectTables needs an array of table names, e.g. protectTables(["users", "payments"]).';

describe("protectTables() construction", () => {
  it("accepts a list of table names", () => {
    expect(protectTables(["users", "payments"]).name).toBe("protect_tables");
  });

  it("refuses a list holding a non-string with a ConfigurationError that shows the expected shape", () => {
    expect(() => protectTables(["users", 5] as unknown as string[])).toThrow(new ConfigurationError(TABLE_LIST_ERROR));
  });

  it("refuses a list holding a blank table name", () => {
    expect(() => protectTables(["users", "   "])).toThrow(new ConfigurationError(TABLE_LIST_ERROR));
  });
});

describe("protectTables() name matching", () => {
  it("trims spaces around a configured table name", async () => {
    const result = await protectTables([" users "])(ctx({ table: "users" }));

    expect(result).toMatchObject({ passed: false, reason: "Table 'users' is protected (protected:  users )." });
  });

  it("reads a doubled quote inside a quoted table name as one quote", async () => {
    const result = await protectTables(['a"b'])(ctx({ table: '"a""b"' }));

    expect(result).toMatchObject({ passed: false, reason: `Table '"a""b"' is protected (protected: a"b).` });
  });

  it("keeps a quote inside a quoted table name, so \"a\"\"b\" is not the table ab", async () => {
    const result = await protectTables(["ab"])(ctx({ table: '"a""b"' }));

    expect(result).toMatchObject({ passed: true, reason: "No protected table targeted (protected: ab)." });
  });

  it("finds a protected name with a regex metacharacter ($) in SQL", async () => {
    const result = await protectTables(["a$b"])(ctx({ sql: "SELECT * FROM a$b" }));

    expect(result).toMatchObject({ passed: false, reason: "SQL touches protected table 'a$b' (protected: a$b)." });
  });
});
