import { z } from "zod";
import { defineWorkflow, EnactClient, FileReceiptStore } from "enact-sdk";
import { neverAllow, requireApproval } from "enact-sdk/policies";

// The config module `enact-sdk mcp --config` loads in the MCP tests: a refund desk whose receipts go
// to $ENACT_TEST_RECEIPTS. Refunds over 1000 are never made; over 500 need lead@acme.test.
const refund = defineWorkflow(
  "issue_refund",
  async (ctx) => [{ action: "refund", system: "payments", success: true, output: { orderId: ctx.payload.orderId, amount: ctx.payload.amount } }],
  {
    payload: z.object({ orderId: z.string(), amount: z.number().positive(), note: z.string().optional() }),
    description: "Refund an order.",
  },
);

const client = new EnactClient({
  secret: "mcp-test-secret-0123456789abcdef-0123456789",
  receiptStore: new FileReceiptStore(process.env.ENACT_TEST_RECEIPTS ?? "receipts"),
  workflows: [refund],
  policies: [
    neverAllow("refund_limit", (ctx) => Number(ctx.payload.amount) > 1000, "Refunds over 1000 are never made by an agent"),
    requireApproval("large_refund", (ctx) => Number(ctx.payload.amount) > 500, { reason: "Refunds over 500 need a person" }),
  ],
  approvers: ["lead@acme.test"],
});

export default { client, actorEmail: "claude-desktop@acme.test" };
