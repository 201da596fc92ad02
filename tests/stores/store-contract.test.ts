import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { FileReceiptStore, MemoryReceiptStore } from "enact-sdk";
import { PostgresReceiptStore } from "enact-sdk/connectors/postgres";
import { describeStoreContract } from "enact-sdk/testing";
import { dropStoreTables } from "../../src/stores/postgres-tables.js";
import { getTestDatabase, releaseTestDatabase } from "../support/database.js";
import type { ContractStoreArgument } from "../support/contract-store.js";

// Every store the package ships passes the contract a user's own store is held to.
const CHILD_STORE = new URL("../support/contract-store.ts", import.meta.url);
const TSX = ["--import", "tsx"] as const;

const prefixes: string[] = [];
afterAll(async () => {
  const db = await getTestDatabase();
  for (const prefix of prefixes) await dropStoreTables(db.admin, prefix);
  await releaseTestDatabase();
});

async function freshDirectory(): Promise<string> {
  return mkdtemp(join(tmpdir(), "enact-contract-"));
}

async function freshTables(): Promise<ContractStoreArgument & { kind: "postgres" }> {
  const db = await getTestDatabase();
  const tablePrefix = `${db.uniqueName("contract")}_`;
  prefixes.push(tablePrefix);
  return { kind: "postgres", connectionString: db.connectionString, tablePrefix };
}

describeStoreContract({ describe, it, skip: it.skip }, {
  name: "MemoryReceiptStore",
  makeStore: () => new MemoryReceiptStore(),
  crossProcess: { skip: "a memory store lives in one process" },
});

describeStoreContract({ describe, it, skip: it.skip }, {
  name: "FileReceiptStore",
  makeStore: async () => new FileReceiptStore(await freshDirectory()),
  crossProcess: { module: CHILD_STORE, execArgv: TSX, argument: async (): Promise<ContractStoreArgument> => ({ kind: "file", directory: await freshDirectory() }) },
});

// PGlite's socket server (the embedded Postgres used without DATABASE_URL) serves one process at a
// time (see tests/idempotency/postgres-store.test.ts); the cross-process race needs the real server.
const embedded = (process.env.DATABASE_URL ?? "") === "";
describeStoreContract({ describe, it, skip: it.skip }, {
  name: "PostgresReceiptStore",
  makeStore: async () => {
    const { connectionString, tablePrefix } = await freshTables();
    return new PostgresReceiptStore({ connectionString, tablePrefix });
  },
  crossProcess: embedded ? { skip: "needs DATABASE_URL: the embedded Postgres serves one process at a time" } : { module: CHILD_STORE, execArgv: TSX, argument: freshTables },
});
