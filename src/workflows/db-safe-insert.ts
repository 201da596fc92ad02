import { z } from "zod/v4";
import type { ActionResult } from "../models.js";
import { requireSystem } from "../system.js";
import { defineWorkflow } from "../workflow.js";

/** The payload of `db_safe_insert`. */
export const DbSafeInsertPayload = z
  .object({
    /** `table` or `schema.table`. */
    table: z.string().min(1),
    /** The row to insert, column → value. */
    data: z.record(z.string(), z.unknown()).refine((data) => Object.keys(data).length > 0, "data must have at least one column"),
    /** A column of `data` whose value identifies the row: insert only if no row has that value. */
    uniqueKey: z.string().min(1).optional(),
  })
  .superRefine((payload, ctx) => {
    if (payload.uniqueKey === undefined) return;
    const value = Object.hasOwn(payload.data, payload.uniqueKey) ? payload.data[payload.uniqueKey] : undefined;
    if (value === undefined || value === null) {
      ctx.addIssue({
        code: "custom",
        path: ["uniqueKey"],
        message: `uniqueKey '${payload.uniqueKey}' must name a column of data with a non-null value`,
      });
    }
  });
export type DbSafeInsertPayload = z.infer<typeof DbSafeInsertPayload>;

/**
 * `db_safe_insert`: inserts `payload.data` into `payload.table` through the `postgres` system.
 * With `uniqueKey`, it inserts only when no row has the same value in that column, and the check
 * and the insert cannot race (see `PostgresConnector.insertRowIfAbsent`): of any number of
 * concurrent runs with one key, exactly one inserts; the others succeed with `alreadyDone: true`
 * and the existing row as output.
 *
 * @example
 * const enact = new EnactClient({ systems: { postgres }, workflows: [dbSafeInsert], secret, receiptDir });
 * await enact.run({
 *   workflow: "db_safe_insert",
 *   actorEmail: "agent@company.com",
 *   payload: { table: "leads", data: { email: "jane@example.com", name: "Jane" }, uniqueKey: "email" },
 * });
 */
export const dbSafeInsert = defineWorkflow(
  "db_safe_insert",
  async (ctx): Promise<ActionResult[]> => {
    // Loaded on use, so importing enact-sdk/workflows never needs `pg`.
    const { PostgresConnector } = await import("../connectors/postgres.js");
    const postgres = requireSystem(ctx, "postgres", PostgresConnector);
    const { table, data, uniqueKey } = ctx.payload;
    const result =
      uniqueKey === undefined
        ? await postgres.insertRow({ table, data })
        : await postgres.insertRowIfAbsent({ table, data, uniqueKey });
    return [result];
  },
  { payload: DbSafeInsertPayload },
);
