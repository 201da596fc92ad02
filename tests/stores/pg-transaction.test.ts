import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresReceiptStore } from "enact-sdk/connectors/postgres";
import { dropStoreTables } from "../../src/stores/postgres-tables.js";
import { TEST_SECRET } from "../support/context.js";
import { getTestDatabase, releaseTestDatabase } from "../support/database.js";
import { startRefusingProxy } from "../support/refusing-proxy.js";

// The Postgres store's transactions (migrate, sealing, thermal-cutout updates) on a pool of one
// connection, so that whatever a transaction leaves on its connection meets the next statement.

const prefixes: string[] = [];
afterAll(async () => {
  const db = await getTestDatabase();
  for (const prefix of prefixes) await dropStoreTables(db.admin, prefix);
  await releaseTestDatabase();
});

const STATE = { times: [1_000], blockedUntil: 0 };
const HALT = JSON.stringify({ halted: true, reason: "after the failed update" });

async function storeOnOneConnection(connectionString: string): Promise<{ store: PostgresReceiptStore; pool: pg.Pool; prefix: string }> {
  const db = await getTestDatabase();
  const prefix = `${db.uniqueName("txn")}_`;
  prefixes.push(prefix);
  const pool = new pg.Pool({ connectionString, max: 1 });
  pool.on("error", () => undefined);
  return { store: new PostgresReceiptStore({ pool, tablePrefix: prefix, secret: TEST_SECRET }), pool, prefix };
}

/** What another connection sees once the store's pool has ended: the halt record and the cutout rows, committed. */
async function committed(prefix: string): Promise<{ halt: string[]; cutoutRows: number }> {
  const db = await getTestDatabase();
  const halt = (await db.admin.query<{ record: string }>(`SELECT record FROM "${prefix}control" WHERE name = 'halt'`)).rows.map((row) => row.record);
  const cutout = await db.admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${prefix}cutout"`);
  return { halt, cutoutRows: cutout.rows[0]?.n ?? -1 };
}

function failingUpdate(): never {
  throw new Error("update failed");
}

describe("a Postgres store transaction that fails", () => {
  it("is rolled back: nothing of it is kept, and the connection's next write commits on its own", async () => {
    const db = await getTestDatabase();
    const { store, pool, prefix } = await storeOnOneConnection(db.connectionString);
    await expect(store.updateCutout("refund:agent@co.com", failingUpdate)).rejects.toThrow("update failed");
    await store.setHalt(HALT);
    await store.close();
    // Ending the pool ends the connection: a transaction still open on it is lost with it.
    await pool.end();
    expect(await committed(prefix)).toEqual({ halt: [HALT], cutoutRows: 0 });
  });

  it("when its ROLLBACK fails too, gives up that connection: the next write runs on a new one and commits", async () => {
    const db = await getTestDatabase();
    const proxy = await startRefusingProxy(db.connectionString);
    try {
      const { store, pool, prefix } = await storeOnOneConnection(proxy.connectionString);
      // The ROLLBACK never reaches the server: the connection's session is still in the failed transaction.
      proxy.refuseNext("ROLLBACK", "rollback refused");
      // The caller learns why the transaction failed, not why its rollback did.
      await expect(store.updateCutout("refund:agent@co.com", failingUpdate)).rejects.toThrow("update failed");
      await store.setHalt(HALT);
      await store.close();
      await pool.end();
      expect(await committed(prefix)).toEqual({ halt: [HALT], cutoutRows: 0 });
    } finally {
      await proxy.close();
    }
  });
});

describe("a Postgres store transaction", () => {
  it("leaves no 'error' listener behind on the pooled connection (none piles up, one per transaction)", async () => {
    const db = await getTestDatabase();
    const { store, pool } = await storeOnOneConnection(db.connectionString);
    const listeners = async (): Promise<number> => {
      const client = await pool.connect();
      try {
        return client.listenerCount("error");
      } finally {
        client.release();
      }
    };
    try {
      await store.updateCutout("refund:agent@co.com", () => [STATE, undefined]);
      const before = await listeners();
      for (let i = 0; i < 3; i++) await store.updateCutout("refund:agent@co.com", () => [STATE, undefined]);
      await expect(store.updateCutout("refund:agent@co.com", failingUpdate)).rejects.toThrow("update failed");
      expect(await listeners()).toBe(before);
    } finally {
      await store.close();
      await pool.end();
    }
  });
});
