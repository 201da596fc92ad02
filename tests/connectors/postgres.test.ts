import { createServer } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ConfigurationError, PermissionError } from "enact-sdk";
import { POSTGRES_ACTIONS, PostgresConnector } from "enact-sdk/connectors/postgres";
import { getTestDatabase, releaseTestDatabase, type TestDatabase } from "../support/database.js";

let db: TestDatabase;
let postgres: PostgresConnector;

beforeAll(async () => {
  db = await getTestDatabase();
  postgres = new PostgresConnector({ connectionString: db.connectionString });
});

afterAll(async () => {
  await postgres?.close();
  await releaseTestDatabase();
});

async function peopleTable(): Promise<string> {
  const table = await db.createTable("people", "id serial primary key, email text unique not null, name text, age int");
  await db.admin.query(`INSERT INTO "${table}" (email, name, age) VALUES ('a@x.io', 'Ann', 30), ('b@x.io', 'Bob', 40), ('c@x.io', 'Cy', NULL)`);
  return table;
}

/** A loopback port nothing listens on: a database server that has stopped. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("PostgresConnector allowlist", () => {
  it("allows every action by default", () => {
    expect(postgres.allowedActions).toEqual([...POSTGRES_ACTIONS]);
  });

  it("allows no action with an empty allowlist, throwing PermissionError before any I/O", async () => {
    const table = await peopleTable();
    const none = new PostgresConnector({ connectionString: db.connectionString, allowedActions: [] });
    await expect(none.insertRow({ table, data: { email: "z@x.io" } })).rejects.toThrow(PermissionError);
    await expect(none.insertRowIfAbsent({ table, data: { email: "z@x.io" }, uniqueKey: "email" })).rejects.toThrow(/not in allowlist/);
    await expect(none.updateRow({ table, data: { name: "Z" }, where: { id: 1 } })).rejects.toThrow(/not in allowlist/);
    await expect(none.selectRows({ table })).rejects.toThrow(/not in allowlist/);
    await expect(none.deleteRow({ table, where: { id: 1 } })).rejects.toThrow(/not in allowlist/);
    await none.close();
    expect(await db.rows(table)).toHaveLength(3);
  });

  it("refuses an action outside a custom allowlist and runs the ones inside it", async () => {
    const table = await peopleTable();
    const readOnly = new PostgresConnector({ connectionString: db.connectionString, allowedActions: ["select_rows"] });
    await expect(readOnly.deleteRow({ table, where: { id: 1 } })).rejects.toThrow(
      "Action 'delete_row' not in allowlist of postgres connector (allowed: select_rows)",
    );
    expect((await readOnly.selectRows({ table })).success).toBe(true);
    await readOnly.close();
  });

  it("rejects an unknown action name in the allowlist", () => {
    expect(() => new PostgresConnector({ connectionString: db.connectionString, allowedActions: ["drop_table"] })).toThrow(
      ConfigurationError,
    );
  });
});

describe("PostgresConnector configuration", () => {
  it("needs a connection string, DATABASE_URL or a pool", () => {
    vi.stubEnv("DATABASE_URL", "");
    try {
      expect(() => new PostgresConnector()).toThrow(/pass connectionString, set DATABASE_URL, or pass a pg Pool/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("takes DATABASE_URL by default", async () => {
    vi.stubEnv("DATABASE_URL", db.connectionString);
    const fromEnv = new PostgresConnector();
    vi.unstubAllEnvs();
    const table = await peopleTable();
    expect((await fromEnv.selectRows({ table })).success).toBe(true);
    await fromEnv.close();
  });

  it("refuses both a connection string and a pool", () => {
    const pool = new pg.Pool({ connectionString: db.connectionString });
    expect(() => new PostgresConnector({ connectionString: db.connectionString, pool })).toThrow(ConfigurationError);
    void pool.end();
  });
});

describe("PostgresConnector.insertRow()", () => {
  it("inserts the row and returns it with the primary key for rollback", async () => {
    const table = await peopleTable();
    const result = await postgres.insertRow({ table, data: { email: "d@x.io", name: "Di", age: 22 } });
    expect(result).toMatchObject({ action: "insert_row", system: "postgres", success: true });
    expect(result.output).toEqual({ id: 4, email: "d@x.io", name: "Di", age: 22 });
    expect(result.rollbackData).toEqual({ table, primaryKey: ["id"], rows: [{ id: 4 }] });
    expect((await db.rows(table)).at(-1)).toEqual({ id: 4, email: "d@x.io", name: "Di", age: 22 });
  });

  it("accepts schema.table", async () => {
    const table = await peopleTable();
    const result = await postgres.insertRow({ table: `public.${table}`, data: { email: "s@x.io" } });
    expect(result.success).toBe(true);
    expect(await db.rows(table)).toHaveLength(4);
  });

  it("records the whole row for rollback when the table has no primary key", async () => {
    const table = await db.createTable("nokey", "label text, n int");
    const result = await postgres.insertRow({ table, data: { label: "x", n: 1 } });
    expect(result.rollbackData).toEqual({ table, primaryKey: [], rows: [{ label: "x", n: 1 }] });
  });

  it("records a composite primary key in key order", async () => {
    const table = await db.createTable("composite", "b int, a int, v text, primary key (a, b)");
    const result = await postgres.insertRow({ table, data: { a: 1, b: 2, v: "x" } });
    expect(result.rollbackData).toEqual({ table, primaryKey: ["a", "b"], rows: [{ a: 1, b: 2 }] });
  });

  it("reports a unique violation with its SQLSTATE and leaves the table unchanged", async () => {
    const table = await peopleTable();
    const result = await postgres.insertRow({ table, data: { email: "a@x.io", name: "Again" } });
    expect(result.success).toBe(false);
    expect(result.output.code).toBe("23505");
    expect(result.output.error).toMatch(/duplicate key value violates unique constraint/);
    expect(await db.rows(table)).toHaveLength(3);
  });

  it("reports a missing table with its SQLSTATE", async () => {
    const result = await postgres.insertRow({ table: db.uniqueName("missing"), data: { a: 1 } });
    expect(result).toMatchObject({ success: false, output: { code: "42P01" } });
    expect(result.output.error).toMatch(/does not exist/);
  });

  it("refuses empty data without connecting", async () => {
    const unreachable = new PostgresConnector({ connectionString: `postgres://u@127.0.0.1:${await closedPort()}/x` });
    const result = await unreachable.insertRow({ table: "people", data: {} });
    expect(result).toMatchObject({ success: false, output: { error: "data is empty: nothing to write.", code: "ENACT_INVALID_INPUT" } });
    await unreachable.close();
  });

  it("refuses an undefined value instead of silently writing NULL", async () => {
    const table = await peopleTable();
    const result = await postgres.insertRow({ table, data: { email: "u@x.io", name: undefined } });
    expect(result.success).toBe(false);
    expect(result.output.error).toMatch(/data\.name: undefined cannot be stored/);
    expect(await db.rows(table)).toHaveLength(3);
  });

  it("returns timestamps, numeric, bigint, bytea and json as exact JSON values", async () => {
    const table = await db.createTable(
      "typed",
      "id bigserial primary key, at timestamptz, local timestamp, day date, amount numeric, big bigint, raw bytea, doc jsonb, ratio float8",
    );
    const result = await postgres.insertRow({
      table,
      data: {
        at: "2026-01-02T03:04:05.123456Z",
        local: "2026-01-02 03:04:05.5",
        day: "2026-01-02",
        amount: "12345678901234567890.123456789",
        big: "9223372036854775807",
        raw: Buffer.from("hello"),
        doc: { nested: [1, "two", null] },
        ratio: "NaN",
      },
    });
    expect(result.success).toBe(true);
    expect(result.output).toEqual({
      id: "1",
      at: "2026-01-02T03:04:05.123456Z",
      local: "2026-01-02T03:04:05.5",
      day: "2026-01-02",
      amount: "12345678901234567890.123456789",
      big: "9223372036854775807",
      raw: Buffer.from("hello").toString("base64"),
      doc: { nested: [1, "two", null] },
      ratio: "NaN",
    });
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});

describe("PostgresConnector.updateRow()", () => {
  it("updates the matching rows, returns them, and keeps their previous values for rollback", async () => {
    const table = await peopleTable();
    const result = await postgres.updateRow({ table, data: { name: "Ann B", age: 31 }, where: { email: "a@x.io" } });
    expect(result.success).toBe(true);
    expect(result.output).toEqual({ rows: [{ id: 1, email: "a@x.io", name: "Ann B", age: 31 }], rowCount: 1 });
    expect(result.rollbackData).toEqual({ table, primaryKey: ["id"], rows: [{ id: 1, email: "a@x.io", name: "Ann", age: 30 }] });
    expect(await db.rows(table, "id")).toEqual([
      { id: 1, email: "a@x.io", name: "Ann B", age: 31 },
      { id: 2, email: "b@x.io", name: "Bob", age: 40 },
      { id: 3, email: "c@x.io", name: "Cy", age: null },
    ]);
  });

  it("matches NULL with IS NULL", async () => {
    const table = await peopleTable();
    const result = await postgres.updateRow({ table, data: { age: 50 }, where: { age: null } });
    expect(result.output).toMatchObject({ rowCount: 1, rows: [{ id: 3, age: 50 }] });
  });

  it("succeeds with rowCount 0 when nothing matches", async () => {
    const table = await peopleTable();
    const result = await postgres.updateRow({ table, data: { age: 1 }, where: { id: 999 } });
    expect(result).toMatchObject({ success: true, output: { rows: [], rowCount: 0 }, rollbackData: { rows: [] } });
  });

  it.each([
    ["an empty where", {}],
    ["a missing where", undefined],
  ])("refuses %s and changes nothing", async (_, where) => {
    const table = await peopleTable();
    const before = await db.rows(table, "id");
    const result = await postgres.updateRow({ table, data: { name: "Everyone" }, where: where as never });
    expect(result).toMatchObject({ success: false, output: { code: "ENACT_INVALID_INPUT" } });
    expect(result.output.error).toMatch(/update_row needs a non-empty where/);
    expect(await db.rows(table, "id")).toEqual(before);
  });

  it("reports a type error from the database and rolls back", async () => {
    const table = await peopleTable();
    const before = await db.rows(table, "id");
    const result = await postgres.updateRow({ table, data: { age: "not a number" }, where: { id: 1 } });
    expect(result).toMatchObject({ success: false, output: { code: "22P02" } });
    expect(await db.rows(table, "id")).toEqual(before);
  });
});

describe("PostgresConnector.selectRows()", () => {
  it("returns the rows matching where", async () => {
    const table = await peopleTable();
    const result = await postgres.selectRows({ table, where: { name: "Bob" } });
    expect(result).toMatchObject({ action: "select_rows", success: true, output: { rows: [{ id: 2, email: "b@x.io" }] } });
  });

  it("returns at most limit rows", async () => {
    const table = await peopleTable();
    const result = await postgres.selectRows({ table, limit: 2 });
    expect(result.output.rows).toHaveLength(2);
  });

  it.each([0, -1, 1.5, 10_001, "10", Number.NaN])("refuses limit %s", async (limit) => {
    const table = await peopleTable();
    const result = await postgres.selectRows({ table, limit: limit as number });
    expect(result).toMatchObject({ success: false, output: { code: "ENACT_INVALID_INPUT" } });
    expect(result.output.error).toMatch(/Invalid limit .*expected an integer from 1 to 10000/);
  });

  it("accepts limit 10,000", async () => {
    const table = await peopleTable();
    expect((await postgres.selectRows({ table, limit: 10_000 })).output.rows).toHaveLength(3);
  });

  it("reports a missing column with its SQLSTATE", async () => {
    const table = await peopleTable();
    expect(await postgres.selectRows({ table, where: { nope: 1 } })).toMatchObject({ success: false, output: { code: "42703" } });
  });
});

describe("PostgresConnector.deleteRow()", () => {
  it("deletes the matching rows and keeps them whole for rollback", async () => {
    const table = await peopleTable();
    const result = await postgres.deleteRow({ table, where: { email: "b@x.io" } });
    expect(result.output).toEqual({ rows: [{ id: 2, email: "b@x.io", name: "Bob", age: 40 }], rowCount: 1 });
    expect(result.rollbackData).toEqual({ table, primaryKey: ["id"], rows: [{ id: 2, email: "b@x.io", name: "Bob", age: 40 }] });
    expect((await db.rows(table, "id")).map((row) => row.id)).toEqual([1, 3]);
  });

  it.each([
    ["an empty where", {}],
    ["a missing where", undefined],
    ["a where that is an array", [["id", 1]]],
  ])("refuses %s and deletes nothing", async (_, where) => {
    const table = await peopleTable();
    const result = await postgres.deleteRow({ table, where: where as never });
    expect(result).toMatchObject({ success: false, output: { code: "ENACT_INVALID_INPUT" } });
    expect(await db.rows(table)).toHaveLength(3);
  });

  it("reports a foreign key violation and deletes nothing", async () => {
    const parent = await peopleTable();
    const child = await db.createTable("child", `id serial primary key, person int references "${parent}"(id)`);
    await db.admin.query(`INSERT INTO "${child}" (person) VALUES (1)`);
    const result = await postgres.deleteRow({ table: parent, where: { id: 1 } });
    expect(result).toMatchObject({ success: false, output: { code: "23503" } });
    expect(await db.rows(parent)).toHaveLength(3);
  });
});
