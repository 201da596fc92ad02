import { generateText, stepCountIs, type ModelMessage, type ToolApprovalResponse } from "ai";
import { describe, expect, it } from "vitest";
import { approveToolCall, enactTools } from "enact-sdk/ai";
import type { ToolOutcome } from "enact-sdk/ai";
import { callsToolOnce } from "./mock-language-model.js";
import { refundDesk } from "./refund-fixture.js";

/** The outcome of a call executed on resume: the AI SDK sends it to the model in a tool message. */
function resumedOutcome(result: Awaited<ReturnType<typeof generateText>>): ToolOutcome | undefined {
  for (const message of result.response.messages) {
    if (message.role !== "tool") continue;
    for (const part of message.content) {
      if (part.type === "tool-result" && part.output.type === "json") return part.output.value as unknown as ToolOutcome;
    }
  }
  return undefined;
}

function outcomeOf(result: Awaited<ReturnType<typeof generateText>>): ToolOutcome {
  const results = result.steps.flatMap((step) => step.toolResults);
  expect(results).toHaveLength(1);
  return results[0]?.output as ToolOutcome;
}

describe("enact-sdk/ai enactTools()", () => {
  it("describes each workflow as a tool: its name, description and payload JSON Schema", () => {
    const { enact } = refundDesk();
    const tools = enactTools(enact, { actorEmail: "agent@acme.test" });
    expect(Object.keys(tools)).toEqual(["issue_refund"]);
    expect(tools.issue_refund?.description).toBe("Refund an order, then tell the customer and accounting.");
  });

  it("runs a call that passes once, and the model receives the outcome with every action's output", async () => {
    const { enact, executed } = refundDesk();
    const { model, prompts } = callsToolOnce("issue_refund", JSON.stringify({ orderId: "A-1", amount: 20 }));
    const result = await generateText({ model, tools: enactTools(enact, { actorEmail: "agent@acme.test" }), prompt: "refund A-1", stopWhen: stepCountIs(3) });
    const outcome = outcomeOf(result);
    expect(outcome).toMatchObject({ decision: "PASS", success: true, reasons: [], errors: [] });
    expect(outcome.output).toEqual({ refund: { orderId: "A-1", amount: 20 }, notify: { to: "customer" }, "notify#2": { to: "accounting" } });
    expect(executed).toEqual(["A-1"]);
    expect(JSON.stringify(prompts[1]?.prompt)).toContain(outcome.runId);
    expect(result.text).toBe("done");
  });

  it("returns a BLOCK to the model with the failed policy's reason, and leaves a receipt", async () => {
    const { enact, store, executed } = refundDesk();
    const { model } = callsToolOnce("issue_refund", JSON.stringify({ orderId: "A-2", amount: 5000 }));
    const outcome = outcomeOf(await generateText({ model, tools: enactTools(enact, { actorEmail: "agent@acme.test" }), prompt: "refund", stopWhen: stepCountIs(3) }));
    expect(outcome).toMatchObject({ decision: "BLOCK", success: false });
    expect(outcome.reasons).toContain("refund_limit: Refunds over 1000 are never made by an agent");
    expect(executed).toEqual([]);
    expect((await store.load(outcome.runId))?.decision).toBe("BLOCK");
  });

  it("lets a malformed call through to Enact, which blocks it with a receipt instead of the framework rejecting it", async () => {
    const { enact, store } = refundDesk();
    const { model } = callsToolOnce("issue_refund", JSON.stringify({ orderId: 7, amount: "lots" }));
    const outcome = outcomeOf(await generateText({ model, tools: enactTools(enact, { actorEmail: "agent@acme.test" }), prompt: "refund", stopWhen: stepCountIs(3) }));
    expect(outcome.decision).toBe("BLOCK");
    expect(outcome.reasons[0]).toMatch(/^payload_schema: Invalid payload: orderId: .*; amount: /);
    expect((await store.load(outcome.runId))?.payload).toEqual({ orderId: 7, amount: "lots" });
  });

  it("takes the actor from the app's context, never from the model's input", async () => {
    const { enact, store } = refundDesk();
    const { model } = callsToolOnce("issue_refund", JSON.stringify({ orderId: "A-3", amount: 10, actorEmail: "ceo@acme.test" }));
    const tools = enactTools(enact, { actorEmail: (call) => (call.experimental_context as { user: string }).user });
    await generateText({ model, tools, prompt: "refund", stopWhen: stepCountIs(3), experimental_context: { user: "support@acme.test" } });
    const [receipt] = await store.list();
    expect(receipt?.actorEmail).toBe("support@acme.test");
  });

  it("does not replay another conversation's result when a provider reuses a tool call id", async () => {
    const { enact, executed } = refundDesk();
    for (const conversationId of ["c-1", "c-2"]) {
      const { model } = callsToolOnce("issue_refund", JSON.stringify({ orderId: "A-4", amount: 10 }), "call_0");
      const outcome = outcomeOf(await generateText({ model, tools: enactTools(enact, { actorEmail: "agent@acme.test", conversationId }), prompt: "refund", stopWhen: stepCountIs(3) }));
      expect(outcome.replayed).toBeUndefined();
    }
    expect(executed).toEqual(["A-4", "A-4"]);
  });

  it("pauses a call that needs approval, and after approval in Enact and the AI SDK executes it once", async () => {
    const { enact, executed } = refundDesk();
    const tools = enactTools(enact, { actorEmail: "agent@acme.test", conversationId: "conv-9" });
    const { model } = callsToolOnce("issue_refund", JSON.stringify({ orderId: "B-1", amount: 700 }));
    const messages: ModelMessage[] = [{ role: "user", content: "refund B-1" }];
    const first = await generateText({ model, tools, messages, stopWhen: stepCountIs(3) });
    const requests = first.content.filter((part) => part.type === "tool-approval-request");
    expect(requests).toHaveLength(1);
    expect(executed).toEqual([]);
    expect(await enact.pendingApprovals()).toHaveLength(1);

    const request = requests[0]!;
    await approveToolCall(tools, request.toolCall, { approver: "lead@acme.test" });
    const response: ToolApprovalResponse = { type: "tool-approval-response", approvalId: request.approvalId, approved: true };
    messages.push(...first.response.messages, { role: "tool", content: [response] });
    const second = await generateText({ model, tools, messages, stopWhen: stepCountIs(3) });

    expect(executed).toEqual(["B-1"]);
    const outcome = resumedOutcome(second);
    expect(outcome).toMatchObject({ decision: "PASS", success: true });
  });

  it("executes nothing when the AI SDK approval is given but no person approved the request in Enact", async () => {
    const { enact, executed } = refundDesk();
    const tools = enactTools(enact, { actorEmail: "agent@acme.test" });
    const { model } = callsToolOnce("issue_refund", JSON.stringify({ orderId: "B-2", amount: 700 }));
    const messages: ModelMessage[] = [{ role: "user", content: "refund" }];
    const first = await generateText({ model, tools, messages, stopWhen: stepCountIs(3) });
    const request = first.content.find((part) => part.type === "tool-approval-request")!;
    messages.push(...first.response.messages, { role: "tool", content: [{ type: "tool-approval-response", approvalId: request.approvalId, approved: true }] });
    const second = await generateText({ model, tools, messages, stopWhen: stepCountIs(3) });
    const outcome = resumedOutcome(second);
    expect(outcome?.decision).toBe("BLOCK");
    expect(outcome?.reasons.some((reason) => reason.startsWith("approval: "))).toBe(true);
    expect(executed).toEqual([]);
  });
});
