/**
 * The Enact client the agent examples put in front of their model: one workflow, `issue_refund`,
 * and two policies. Refunds over 1000 are never made by an agent; refunds over 500 wait for a
 * person's approval (lead@acme.example approves). Every call leaves a signed receipt.
 */
import { z } from "zod";
import { defineWorkflow, EnactClient } from "enact-sdk";
import { neverAllow, requireApproval } from "enact-sdk/policies";

export const DEMO_SECRET = "DEMO-ONLY-agent-examples-secret-never-use-in-production";
export const APPROVER = "lead@acme.example";

const issueRefund = defineWorkflow(
  "issue_refund",
  // A real workflow would call a payments connector here; the demo reports what it would do.
  async (ctx) => [{ action: "refund", system: "payments", success: true, output: { orderId: ctx.payload.orderId, amount: ctx.payload.amount } }],
  {
    payload: z.object({ orderId: z.string(), amount: z.number().positive(), note: z.string().optional() }),
    description: "Refund an order. Amounts over 500 need a person's approval.",
  },
);

export function refundDesk(options: { secret?: string; receiptDir?: string } = {}): EnactClient {
  return new EnactClient({
    // An empty ENACT_SECRET counts as unset here: the demo then signs with its own, public, secret.
    secret: options.secret ?? (process.env.ENACT_SECRET || DEMO_SECRET),
    receiptDir: options.receiptDir ?? "receipts",
    workflows: [issueRefund],
    policies: [
      neverAllow("refund_limit", (ctx) => Number(ctx.payload.amount) > 1000, "Refunds over 1000 are never made by an agent"),
      requireApproval("large_refund", (ctx) => Number(ctx.payload.amount) > 500, { reason: "Refunds over 500 need a person" }),
    ],
    approvers: [APPROVER],
  });
}
