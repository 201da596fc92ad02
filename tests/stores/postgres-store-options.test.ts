import Module from "node:module";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigurationError, MissingPeerDependencyError } from "enact-sdk";
import { PostgresReceiptStore } from "enact-sdk/connectors/postgres";

/*
 * What PostgresReceiptStore refuses when it is created, before it ever connects: names that are
 * not plain SQL names, a seal interval that is not a positive number, no database to reach, and
 * no `pg` to reach it with (mutation testing found each unpinned; docs/mutation.md). No store here
 * connects: a pool only connects on its first query.
 */

// Nothing listens there; no test sends it a query.
const NOWHERE = "postgres://postgres@127.0.0.1:9/none";

const stores: PostgresReceiptStore[] = [];

function open(options: ConstructorParameters<typeof PostgresReceiptStore>[0]): PostgresReceiptStore {
  const store = new PostgresReceiptStore(options);
  stores.push(store);
  return store;
}

afterEach(async () => {
  vi.unstubAllEnvs();
  for (const store of stores.splice(0)) await store.close();
});

/** The error `create` throws (it must throw). */
function thrownBy(create: () => unknown): unknown {
  try {
    create();
  } catch (error) {
    return error;
  }
  throw new Error("expected it to throw");
}

describe("PostgresReceiptStore's options", () => {
  const NAMES = "tablePrefix and schema must be plain SQL names (letters, digits, _).";

  it("refuses a table prefix that is not a plain SQL name, with a ConfigurationError", () => {
    const error = thrownBy(() => open({ connectionString: NOWHERE, tablePrefix: 'x"; DROP TABLE y; --' }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(NAMES);
  });

  it("refuses a schema that is not a plain SQL name, with a ConfigurationError", () => {
    const error = thrownBy(() => open({ connectionString: NOWHERE, tablePrefix: "enact_", schema: "public; DROP TABLE y" }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(NAMES);
  });

  it("refuses a sealIntervalMs of zero, below zero or NaN, saying what it got", () => {
    for (const sealIntervalMs of [0, -1, Number.NaN]) {
      const error = thrownBy(() => open({ connectionString: NOWHERE, sealIntervalMs }));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toBe(`sealIntervalMs must be a positive number of milliseconds (or Infinity), got ${String(sealIntervalMs)}.`);
    }
  });

  it("accepts a sealIntervalMs of any positive number of milliseconds, or Infinity", () => {
    for (const sealIntervalMs of [1, 0.5, 60_000, Number.POSITIVE_INFINITY]) {
      expect(open({ connectionString: NOWHERE, sealIntervalMs })).toBeInstanceOf(PostgresReceiptStore);
    }
  });

  it("without a pool or connection string, reads DATABASE_URL", () => {
    vi.stubEnv("DATABASE_URL", NOWHERE);
    expect(open({})).toBeInstanceOf(PostgresReceiptStore);
  });

  it("needs a connection string when it is given no pool and DATABASE_URL is unset", () => {
    vi.stubEnv("DATABASE_URL", undefined);
    const error = thrownBy(() => open({}));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe("PostgresReceiptStore needs a connectionString, DATABASE_URL, or a pool.");
  });

  it("takes an empty connection string or DATABASE_URL for none", () => {
    vi.stubEnv("DATABASE_URL", NOWHERE);
    expect(thrownBy(() => open({ connectionString: "" }))).toBeInstanceOf(ConfigurationError);
    vi.stubEnv("DATABASE_URL", "");
    expect(thrownBy(() => open({}))).toBeInstanceOf(ConfigurationError);
  });

  it("says which package to install when pg is not installed", () => {
    // As if `pg` were missing from node_modules: Node's loader does not find it.
    const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
    const load = loader._load;
    const spy = vi.spyOn(loader, "_load").mockImplementation(function (this: unknown, request: string, ...rest: unknown[]) {
      if (request !== "pg") return load.call(this, request, ...rest);
      throw Object.assign(new Error("Cannot find module 'pg'"), { code: "MODULE_NOT_FOUND" });
    });
    try {
      const error = thrownBy(() => open({ connectionString: NOWHERE }));
      expect(error).toBeInstanceOf(MissingPeerDependencyError);
      expect((error as Error).message).toBe("enact-sdk/connectors/postgres needs the 'pg' package. Install it with: npm install pg");
    } finally {
      spy.mockRestore();
    }
  });
});
