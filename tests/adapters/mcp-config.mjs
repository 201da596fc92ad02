// The built CLI's config module (plain JavaScript, as a user would write one): see mcp-config.ts.
import { defineWorkflow, EnactClient, MemoryReceiptStore } from "enact-sdk";

const echo = defineWorkflow("echo", async (ctx) => [{ action: "echo", system: "demo", success: true, output: { said: ctx.payload.text } }], {
  description: "Echo a text.",
  inputJsonSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
});

export default new EnactClient({ secret: "mcp-test-secret-0123456789abcdef-0123456789", receiptStore: new MemoryReceiptStore(), workflows: [echo] });
