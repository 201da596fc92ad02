import { defineWorkflow, EnactClient, MemoryReceiptStore, type Receipt, requireSystem } from "enact-sdk";
import { PostgresConnector } from "enact-sdk/connectors/postgres";
import { expect } from "vitest";
import { TEST_SECRET } from "./context.js";

/**
 * What the Postgres undo tests roll back: one `insert_row`, `update_row` or `delete_row` on
 * `payload.table`, as the payload says (`insert`: the row; `update` + `where`; else `where` deleted).
 */
export const editRows = defineWorkflow("edit_rows", async (ctx) => {
  const pg = requireSystem(ctx, "postgres", PostgresConnector);
  const table = String(ctx.payload.table);
  const where = ctx.payload.where as Record<string, unknown>;
  if (ctx.payload.insert !== undefined) return [await pg.insertRow({ table, data: ctx.payload.insert as Record<string, unknown> })];
  if (ctx.payload.update !== undefined) return [await pg.updateRow({ table, data: ctx.payload.update as Record<string, unknown>, where })];
  return [await pg.deleteRow({ table, where })];
});

/** A client that runs `editRows` on `postgres` and may roll its runs back. */
export function editingClient(postgres: PostgresConnector, store = new MemoryReceiptStore()): EnactClient {
  return new EnactClient({ systems: { postgres }, workflows: [editRows], secret: TEST_SECRET, receiptStore: store, rollbackEnabled: true });
}

/** Runs `editRows` with `payload`; the run must succeed. */
export async function edit(enact: EnactClient, payload: Record<string, unknown>): Promise<Receipt> {
  const [result, receipt] = await enact.run({ workflow: "edit_rows", actorEmail: "agent@acme.dev", payload });
  expect(result.success).toBe(true);
  return receipt;
}
