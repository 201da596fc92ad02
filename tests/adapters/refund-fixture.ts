import { z } from "zod";
import { defineWorkflow, EnactClient, MemoryReceiptStore, type ActionResult } from "enact-sdk";
import { neverAllow, requireApproval } from "enact-sdk/policies";
import { TEST_SECRET } from "../support/context.js";

/**
 * A refund desk behind Enact: refunds over 1000 are never allowed, over 500 need a person's
 * approval (lead@acme.test approves). `executed` lists every refund the workflow actually made.
 */
export function refundDesk(): { enact: EnactClient; store: MemoryReceiptStore; executed: string[] } {
  const executed: string[] = [];
  const store = new MemoryReceiptStore();
  const refund = defineWorkflow(
    "issue_refund",
    async (ctx): Promise<ActionResult[]> => {
      executed.push(ctx.payload.orderId);
      return [
        { action: "refund", system: "payments", success: true, output: { orderId: ctx.payload.orderId, amount: ctx.payload.amount } },
        { action: "notify", system: "email", success: true, output: { to: "customer" } },
        { action: "notify", system: "email", success: true, output: { to: "accounting" } },
      ];
    },
    {
      payload: z.object({ orderId: z.string(), amount: z.number().positive(), note: z.string().optional() }),
      description: "Refund an order, then tell the customer and accounting.",
    },
  );
  const enact = new EnactClient({
    secret: TEST_SECRET,
    receiptStore: store,
    workflows: [refund],
    policies: [
      neverAllow("refund_limit", (ctx) => Number(ctx.payload.amount) > 1000, "Refunds over 1000 are never made by an agent"),
      requireApproval("large_refund", (ctx) => Number(ctx.payload.amount) > 500, { reason: "Refunds over 500 need a person" }),
    ],
    approvers: ["lead@acme.test"],
  });
  return { enact, store, executed };
}
