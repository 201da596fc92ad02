import { randomUUID } from "node:crypto";
import pg from "pg";
import { PostgresReceiptStore } from "../../src/connectors/postgres.js";
import { defineWorkflow, EnactClient, type Receipt } from "../../src/index.js";
import { PAYLOAD, policies, SECRET } from "../fixtures.js";

/**
 * What section 6 times, in the bench's process and in each of its worker processes alike: a run
 * through `EnactClient` on a `PostgresReceiptStore`, and its baseline, one autocommit INSERT of
 * the same receipt's JSON text into a table like the store's receipts table.
 */
export interface StoreTables {
  connectionString: string;
  /** The baseline's table: the store's receipts table (same indexes) without the journal's columns. */
  bareTable: string;
  /** The store's tablePrefix. */
  storePrefix: string;
  /** The stored text of one of the store's receipts, what every bare INSERT writes. */
  receiptText: string;
}

export interface StoreSubjects {
  /** One bare autocommit INSERT of the receipt text (a fresh run id each time). */
  bare: () => Promise<void>;
  /** One run: 3 policies, a one-action workflow, its receipt and journal entry stored. */
  store: () => Promise<void>;
  /**
   * The store's part of a run alone: `write()` of a receipt and its journal entry, no decision and
   * no signing (the receipt of the setup run under a fresh run id: the store does not verify).
   */
  write: () => Promise<void>;
  close(): Promise<void>;
}

/** The workflow: one action, reported but not performed, so the run's cost is enact's and the store's. */
export const recordInvoice = defineWorkflow("record_invoice", async () => [
  { action: "record_invoice", system: "billing", success: true, output: { invoice: "INV-1001", amount: 12_000 } },
]);

export function storeClient(store: PostgresReceiptStore): EnactClient {
  return new EnactClient({ secret: SECRET, receiptStore: store, policies: policies(3), workflows: [recordInvoice] });
}

export function openSubjects(tables: StoreTables): StoreSubjects {
  // The store's own pool is pg's default size (10); the baseline gets the same.
  const pool = new pg.Pool({ connectionString: tables.connectionString, max: 10 });
  pool.on("error", () => undefined);
  const store = new PostgresReceiptStore({ connectionString: tables.connectionString, tablePrefix: tables.storePrefix });
  const enact = storeClient(store);
  const receipt = JSON.parse(tables.receiptText) as Receipt;
  const insert = `INSERT INTO "${tables.bareTable}" (run_id, workflow, actor_email, decision, created_at, idempotency_key_sha256, receipt)
    VALUES ($1, $2, $3, $4, $5, $6, $7)`;
  return {
    async bare() {
      await pool.query(insert, [randomUUID(), receipt.workflow, receipt.actorEmail, receipt.decision, receipt.timestamp, null, tables.receiptText]);
    },
    async store() {
      const [result] = await enact.run({ workflow: "record_invoice", actorEmail: "agent@company.com", payload: PAYLOAD });
      if (!result.success) throw new Error("benchmark run did not pass");
    },
    async write() {
      const copy = { ...receipt, runId: randomUUID() };
      await store.write(copy, JSON.stringify(copy));
    },
    async close() {
      await store.close();
      await pool.end();
    },
  };
}
