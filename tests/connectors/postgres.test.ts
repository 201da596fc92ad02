import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ConfigurationError, PermissionError } from "enact-sdk";
import { POSTGRES_ACTIONS, PostgresConnector } from "enact-sdk/connectors/postgres";
import { startCuttingProxy } from "../support/cutting-proxy.js";
import { getTestDatabase, releaseTestDatabase, terminateBackends, unusedLoopbackPort, type TestDatabase } from "../support/database.js";

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
    const unreachable = new PostgresConnector({ connectionString: `postgres://u@127.0.0.1:${await unusedLoopbackPort()}/x` });
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

  it("returns float NaN and ±Infinity as their names in an otherwise plain row", async () => {
    const table = await db.createTable("floats", "id int primary key, label text, ratio float8, flag boolean");
    await db.admin.query(`INSERT INTO "${table}" VALUES (1, 'nan', 'NaN', true), (2, 'inf', 'Infinity', false), (3, 'minus', '-Infinity', NULL), (4, 'one', 1.5, NULL)`);
    const result = await postgres.selectRows({ table });
    expect(result.output.rows).toEqual([
      { id: 1, label: "nan", ratio: "NaN", flag: true },
      { id: 2, label: "inf", ratio: "Infinity", flag: false },
      { id: 3, label: "minus", ratio: "-Infinity", flag: null },
      { id: 4, label: "one", ratio: 1.5, flag: null },
    ]);
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

describe("PostgresConnector with hostile names", () => {
  const hostile = [
    "users; DROP TABLE x",
    '"a""b"',
    "x' OR '1'='1",
    "a".repeat(64),
    "é".repeat(32), // 64 bytes: Postgres would truncate it to another name
    "users\u202e",
    "us\u200bers",
    "users\u0000",
    "users--",
    "public.users.extra",
    ".users",
    "",
    " users",
  ];

  /** A victim table and a neighbour, and a check that both are exactly as they were. */
  async function victims(): Promise<{ table: string; names: (name: string) => string; unchanged: () => Promise<void> }> {
    const table = await peopleTable();
    const neighbour = await peopleTable();
    const before = [await db.rows(table, "id"), await db.rows(neighbour, "id")];
    return {
      table,
      // Aim every hostile name at the neighbour, as an attacker would.
      names: (name) => name.replace("users", table).replace(/\bx\b/, neighbour),
      unchanged: async () => {
        expect([await db.rows(table, "id"), await db.rows(neighbour, "id")]).toEqual(before);
      },
    };
  }

  it.each(hostile)("refuses the table name %j without running SQL", async (name) => {
    const { names, unchanged } = await victims();
    const table = names(name);
    for (const result of [
      await postgres.insertRow({ table, data: { email: "h@x.io" } }),
      await postgres.insertRowIfAbsent({ table, data: { email: "h@x.io" }, uniqueKey: "email" }),
      await postgres.updateRow({ table, data: { name: "h" }, where: { id: 1 } }),
      await postgres.selectRows({ table }),
      await postgres.deleteRow({ table, where: { id: 1 } }),
    ]) {
      expect(result).toMatchObject({ success: false, output: { code: "ENACT_INVALID_INPUT" } });
      expect(result.output.error).toMatch(/^Invalid table name/);
    }
    await unchanged();
  });

  it.each(hostile.filter((name) => !name.includes(".")))("refuses the column name %j in data, where and uniqueKey", async (name) => {
    const { table, names, unchanged } = await victims();
    const column = names(name);
    for (const result of [
      await postgres.insertRow({ table, data: { email: "h@x.io", [column]: 1 } }),
      await postgres.insertRowIfAbsent({ table, data: { email: "h@x.io" }, uniqueKey: column }),
      await postgres.updateRow({ table, data: { [column]: 1 }, where: { id: 1 } }),
      await postgres.updateRow({ table, data: { name: "h" }, where: { [column]: 1 } }),
      await postgres.selectRows({ table, where: { [column]: 1 } }),
      await postgres.deleteRow({ table, where: { [column]: 1 } }),
    ]) {
      expect(result).toMatchObject({ success: false, output: { code: "ENACT_INVALID_INPUT" } });
      expect(result.output.error).toMatch(/^Invalid (column name|uniqueKey)/);
    }
    await unchanged();
  });

  it("refuses a hostile variant of a name it has just used, every time", async () => {
    const { table, unchanged } = await victims();
    expect((await postgres.selectRows({ table, where: { email: "a@x.io" } })).success).toBe(true);
    for (const variant of [`${table}--`, `${table}; DROP TABLE x`, `${table}\u0000`, `public.${table}.x`]) {
      for (let attempt = 0; attempt < 2; attempt += 1) {
        expect((await postgres.selectRows({ table: variant })).output).toMatchObject({ code: "ENACT_INVALID_INPUT" });
        expect((await postgres.selectRows({ table, where: { [`email${variant.slice(table.length)}`]: 1 } })).output).toMatchObject({
          code: "ENACT_INVALID_INPUT",
        });
      }
    }
    await unchanged();
  });

  it("accepts unicode letters, reserved words and 63-byte names, quoted exactly", async () => {
    const unicode = `données_ü_${db.uniqueName("t")}`;
    const long = db.uniqueName("l").padEnd(63, "x");
    for (const name of [unicode, long]) {
      await db.admin.query(`CREATE TABLE "${name}" (id serial primary key, "user" text, "Order" int)`);
      try {
        const inserted = await postgres.insertRow({ table: name, data: { user: "ü", Order: 1 } });
        expect(inserted.output).toEqual({ id: 1, user: "ü", Order: 1 });
        expect((await db.admin.query(`SELECT "user", "Order" FROM "${name}"`)).rows).toEqual([{ user: "ü", Order: 1 }]);
      } finally {
        await db.admin.query(`DROP TABLE IF EXISTS "${name}"`);
      }
    }
  });

  it.each([
    "'); DROP TABLE x; --",
    "x' OR '1'='1",
    '"a""b"',
    "$1",
    "\\",
    "Robert'); DELETE FROM users WHERE ('1'='1",
  ])("stores the hostile value %j verbatim and matches it literally", async (value) => {
    const { table, unchanged, names } = await victims();
    const hostileValue = names(value);
    const inserted = await postgres.insertRow({ table, data: { email: hostileValue, name: hostileValue } });
    expect(inserted.output).toMatchObject({ id: 4, email: hostileValue, name: hostileValue });
    expect((await postgres.selectRows({ table, where: { name: hostileValue } })).output.rows).toHaveLength(1);
    const deleted = await postgres.deleteRow({ table, where: { email: hostileValue } });
    expect(deleted.output).toMatchObject({ rowCount: 1 });
    expect(await postgres.updateRow({ table, data: { name: hostileValue }, where: { email: hostileValue } })).toMatchObject({
      output: { rowCount: 0 },
    });
    await unchanged();
  });

  it("treats an object value as data, not as an operator", async () => {
    const { table, unchanged } = await victims();
    const result = await postgres.deleteRow({ table, where: { email: { $ne: "nobody" } } });
    expect(result.output).toEqual({ rows: [], rowCount: 0 });
    await unchanged();
  });

  it("reports a NUL byte in a value as a database error", async () => {
    const { table, unchanged } = await victims();
    const result = await postgres.insertRow({ table, data: { email: "nul\u0000@x.io" } });
    expect(result.success).toBe(false);
    expect(typeof result.output.code).toBe("string");
    await unchanged();
  });
});

describe("PostgresConnector pool", () => {
  it("reuses a few connections across many calls and closes them all on close()", async () => {
    const table = await peopleTable();
    const ended: Array<Promise<void>> = [];
    let constructed = 0;
    class TrackedClient extends pg.Client {
      constructor(config?: pg.ClientConfig) {
        super(config);
        constructed += 1;
        ended.push(new Promise<void>((resolve) => this.once("end", () => resolve())));
      }
    }
    const tracked = new PostgresConnector({ connectionString: db.connectionString, poolConfig: { max: 3, Client: TrackedClient } });
    for (let call = 0; call < 30; call += 1) await tracked.selectRows({ table, limit: 1 });
    await Promise.all(Array.from({ length: 30 }, () => tracked.selectRows({ table, limit: 1 })));
    expect(constructed).toBeGreaterThan(0);
    expect(constructed).toBeLessThanOrEqual(3);
    await tracked.close();
    // Each client emits 'end' once its socket has closed, just after the pool reports it ended:
    // wait for those events (a client left open hangs the test into its timeout and fails it).
    await Promise.all(ended);
    expect(await tracked.selectRows({ table })).toMatchObject({ success: false, output: { error: expect.stringMatching(/closed/) } });
    await tracked.close();
  });

  it("keeps its connection when the server rejects a statement", async () => {
    const table = await peopleTable();
    let constructed = 0;
    class CountedClient extends pg.Client {
      constructor(config?: pg.ClientConfig) {
        super(config);
        constructed += 1;
      }
    }
    const single = new PostgresConnector({ connectionString: db.connectionString, poolConfig: { max: 1, Client: CountedClient } });
    expect((await single.insertRow({ table, data: { email: "a@x.io" } })).output).toMatchObject({ code: "23505" });
    expect((await single.selectRows({ table: `${table}_missing` })).output).toMatchObject({ code: "42P01" });
    expect((await single.selectRows({ table, where: { nope: 1 } })).output).toMatchObject({ code: "42703" });
    expect((await single.insertRow({ table, data: { email: "d@x.io" } })).success).toBe(true);
    expect((await single.selectRows({ table })).success).toBe(true);
    expect(constructed).toBe(1);
    await single.close();
  });

  it("uses a pool passed in without growing it, and leaves it open on close()", async () => {
    const table = await peopleTable();
    const pool = new pg.Pool({ connectionString: db.connectionString, max: 2 });
    pool.on("error", () => undefined);
    const shared = new PostgresConnector({ pool });
    await Promise.all(Array.from({ length: 40 }, (_, index) => shared.updateRow({ table, data: { age: index }, where: { id: 1 } })));
    expect(pool.totalCount).toBeLessThanOrEqual(2);
    expect(pool.idleCount).toBe(pool.totalCount);
    await shared.close();
    expect(pool.ended).toBe(false);
    expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    await pool.end();
  });
});

describe("PostgresConnector failures", () => {
  it("reports a stopped server as a failed result naming the error, never the password", async () => {
    const password = "hunter2-very-secret";
    const down = new PostgresConnector({ connectionString: `postgres://enact:${password}@127.0.0.1:${await unusedLoopbackPort()}/app` });
    const result = await down.insertRow({ table: "people", data: { email: "a@x.io" } });
    expect(result).toMatchObject({ success: false, output: { code: "ECONNREFUSED" } });
    expect(result.output.error).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(result)).not.toContain(password);
    await down.close();
  });

  it.each(["insertRow", "selectRows", "updateRow"] as const)(
    "reports a connection lost during %s as a failed result, then works on a new connection",
    async (method) => {
      const table = await peopleTable();
      const proxy = await startCuttingProxy(db.connectionString);
      const flaky = new PostgresConnector({ connectionString: proxy.connectionString, poolConfig: { max: 1 } });
      const call = () =>
        method === "insertRow"
          ? flaky.insertRow({ table, data: { email: `${db.uniqueName("e")}@x.io` } })
          : method === "selectRows"
            ? flaky.selectRows({ table, where: { id: 1 } })
            : flaky.updateRow({ table, data: { name: "Zed" }, where: { id: 1 } });
      expect((await call()).success).toBe(true);
      proxy.cutOnNextMessage();
      const lost = await call();
      expect(lost).toMatchObject({ success: false, output: { error: expect.stringMatching(/Connection terminated|ECONNRESET/) } });
      expect(await call()).toMatchObject({ success: true });
      expect(proxy.accepted).toBe(2);
      await flaky.close();
      await proxy.close();
    },
  );

  it.skipIf((process.env.DATABASE_URL ?? "") === "")(
    "survives the server terminating its idle connections, then works on new ones (needs DATABASE_URL: PGlite cannot terminate backends)",
    async () => {
      const table = await peopleTable();
      const applicationName = db.uniqueName("enact_connector");
      const crashes: unknown[] = [];
      const onCrash = (error: unknown): void => void crashes.push(error);
      process.on("uncaughtException", onCrash);
      const connector = new PostgresConnector({ connectionString: db.connectionString, poolConfig: { max: 3, application_name: applicationName } });
      try {
        await Promise.all([1, 2, 3].map((id) => connector.selectRows({ table, where: { id } })));
        expect(await terminateBackends(db.admin, applicationName)).toBeGreaterThan(0);
        expect(await connector.selectRows({ table, where: { id: 1 } })).toMatchObject({ success: true });
        expect(crashes).toEqual([]);
      } finally {
        process.off("uncaughtException", onCrash);
        await connector.close();
      }
    },
  );

  it("scrubs the DSN password from any message that echoes it", async () => {
    const password = db.uniqueName("pw");
    const url = new URL(db.connectionString);
    url.password = password;
    const echoing = new PostgresConnector({ connectionString: url.toString() });
    // The missing table's name is the password, so the server's message contains it.
    const result = await echoing.selectRows({ table: password });
    expect(result.output).toMatchObject({ code: "42P01", error: 'relation "[REDACTED]" does not exist' });
    expect(JSON.stringify(result)).not.toContain(password);
    await echoing.close();
  });
});
