import { Agent, run } from "@openai/agents";
import { describe, expect, it } from "vitest";
import { approveToolCall, enactTools, type EnactFunctionTool, type ToolOutcome } from "enact-sdk/openai-agents";
import { CallsToolOnce } from "./fake-agents-model.js";
import { refundDesk } from "./refund-fixture.js";

function agentWith<T>(model: CallsToolOnce, tools: EnactFunctionTool<T>[]): Agent<T> {
  return new Agent<T>({ name: "refunds", instructions: "Refund what the user asks for.", model, tools });
}

describe("enact-sdk/openai-agents enactTools()", () => {
  it("gives a strict tool: every property required, the optional one nullable, no additional properties", async () => {
    const { enact } = refundDesk();
    const model = new CallsToolOnce("issue_refund", JSON.stringify({ orderId: "A-1", amount: 20, note: null }));
    await run(agentWith(model, enactTools(enact, { actorEmail: "agent@acme.test" })), "refund A-1");
    const [tool] = model.requests[0]?.tools ?? [];
    expect(tool).toMatchObject({ type: "function", name: "issue_refund", strict: true, description: "Refund an order, then tell the customer and accounting." });
    expect(tool?.type === "function" ? tool.parameters : undefined).toMatchObject({
      type: "object",
      properties: { orderId: { type: "string" }, note: { type: ["string", "null"] } },
      required: ["orderId", "amount", "note"],
      additionalProperties: false,
    });
  });

  it("runs a call that passes once, mapping the model's null for an omitted property back before Enact validates", async () => {
    const { enact, store, executed } = refundDesk();
    const model = new CallsToolOnce("issue_refund", JSON.stringify({ orderId: "A-1", amount: 20, note: null }));
    const result = await run(agentWith(model, enactTools(enact, { actorEmail: "agent@acme.test" })), "refund A-1");
    const outcome = model.toolOutput() as ToolOutcome;
    expect(outcome).toMatchObject({ decision: "PASS", success: true, output: { refund: { orderId: "A-1", amount: 20 } } });
    expect(executed).toEqual(["A-1"]);
    expect((await store.load(outcome.runId))?.payload).toEqual({ orderId: "A-1", amount: 20 });
    expect(result.finalOutput).toBe("done");
  });

  it("returns a BLOCK to the model with the failed policy's reason, and leaves a receipt", async () => {
    const { enact, store, executed } = refundDesk();
    const model = new CallsToolOnce("issue_refund", JSON.stringify({ orderId: "A-2", amount: 5000, note: null }));
    await run(agentWith(model, enactTools(enact, { actorEmail: "agent@acme.test" })), "refund");
    const outcome = model.toolOutput() as ToolOutcome;
    expect(outcome.decision).toBe("BLOCK");
    expect(outcome.reasons).toContain("refund_limit: Refunds over 1000 are never made by an agent");
    expect(executed).toEqual([]);
    expect((await store.load(outcome.runId))?.decision).toBe("BLOCK");
  });

  it("lets a malformed call through to Enact, which blocks it with a receipt", async () => {
    const { enact, store } = refundDesk();
    const model = new CallsToolOnce("issue_refund", JSON.stringify({ orderId: 7, amount: "lots", note: null }));
    await run(agentWith(model, enactTools(enact, { actorEmail: "agent@acme.test" })), "refund");
    const outcome = model.toolOutput() as ToolOutcome;
    expect(outcome.reasons[0]).toMatch(/^payload_schema: Invalid payload: orderId: /);
    expect((await store.load(outcome.runId))?.payload).toEqual({ orderId: 7, amount: "lots" });
  });

  it("takes the actor from the run's context, never from the model", async () => {
    const { enact, store } = refundDesk();
    const model = new CallsToolOnce("issue_refund", JSON.stringify({ orderId: "A-3", amount: 5, note: "from ceo@acme.test" }));
    const tools = enactTools<{ user: string }>(enact, { actorEmail: (runContext) => runContext.context.user });
    await run(agentWith(model, tools), "refund", { context: { user: "support@acme.test" } });
    expect((await store.list())[0]?.actorEmail).toBe("support@acme.test");
  });

  it("interrupts a call that needs approval, and after approval in Enact and the SDK executes it once", async () => {
    const { enact, executed } = refundDesk();
    const tools = enactTools(enact, { actorEmail: "agent@acme.test" });
    const model = new CallsToolOnce("issue_refund", JSON.stringify({ orderId: "B-1", amount: 700, note: null }));
    const agent = agentWith(model, tools);
    const first = await run(agent, "refund B-1");
    expect(first.interruptions).toHaveLength(1);
    expect(executed).toEqual([]);

    const item = first.interruptions[0]!;
    await approveToolCall(tools, item, { approver: "lead@acme.test" });
    first.state.approve(item);
    const second = await run(agent, first.state);

    expect(executed).toEqual(["B-1"]);
    expect(model.toolOutput()).toMatchObject({ decision: "PASS", success: true });
    expect(second.finalOutput).toBe("done");
  });

  it("executes nothing when the SDK approves but no person approved the request in Enact", async () => {
    const { enact, executed } = refundDesk();
    const tools = enactTools(enact, { actorEmail: "agent@acme.test" });
    const model = new CallsToolOnce("issue_refund", JSON.stringify({ orderId: "B-2", amount: 700, note: null }));
    const agent = agentWith(model, tools);
    const first = await run(agent, "refund");
    first.state.approve(first.interruptions[0]!);
    await run(agent, first.state);
    expect((model.toolOutput() as ToolOutcome).decision).toBe("BLOCK");
    expect(executed).toEqual([]);
  });
});
