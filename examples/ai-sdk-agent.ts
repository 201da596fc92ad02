/**
 * Enact in front of a Vercel AI SDK agent, offline: `MockLanguageModelV3` plays the model and asks
 * for three refunds — one that passes, one a policy blocks, one that needs a person's approval,
 * which pauses `generateText` (the AI SDK's `needsApproval`) until the lead approves it.
 *
 *   npx tsx examples/ai-sdk-agent.ts
 */
import { pathToFileURL } from "node:url";
import { generateText, stepCountIs, type ModelMessage } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { approveToolCall, enactTools, type ToolOutcome } from "enact-sdk/ai";
import { APPROVER, refundDesk } from "./refund-desk.js";

const USAGE = { inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 1, text: 1, reasoning: undefined } };

/** A scripted model: calls `issue_refund` with `args` once, then says what came back. */
function scriptedModel(args: object): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    doGenerate: async ({ prompt }) => {
      const answered = prompt.some((message) => message.role === "tool");
      return answered
        ? { content: [{ type: "text", text: "Done." }], finishReason: { unified: "stop", raw: "stop" }, usage: USAGE, warnings: [] }
        : { content: [{ type: "tool-call", toolCallId: "call_0", toolName: "issue_refund", input: JSON.stringify(args) }], finishReason: { unified: "tool-calls", raw: "tool_calls" }, usage: USAGE, warnings: [] };
    },
  });
}

export async function aiSdkAgentDemo({ receiptDir, log }: { receiptDir?: string; log: (line: string) => void }): Promise<void> {
  const enact = refundDesk({ receiptDir });
  // The actor is your signed-in user, from your app (experimental_context), never from the model.
  const tools = enactTools(enact, { actorEmail: (call) => (call.experimental_context as { email: string }).email, conversationId: "ticket-4711" });
  const session = { email: "support-bot@acme.example" };

  for (const args of [{ orderId: "A-1", amount: 20 }, { orderId: "A-2", amount: 5000 }]) {
    const result = await generateText({ model: scriptedModel(args), tools, prompt: "refund", stopWhen: stepCountIs(3), experimental_context: session });
    const outcome = result.steps[0]?.toolResults[0]?.output as ToolOutcome;
    log(`${args.orderId}: ${outcome.decision} success=${outcome.success} ${outcome.reasons.join("; ")}`);
  }

  // Needs approval: generateText stops with a tool-approval-request instead of running the tool.
  const model = scriptedModel({ orderId: "A-3", amount: 700 });
  const messages: ModelMessage[] = [{ role: "user", content: "refund A-3" }];
  const paused = await generateText({ model, tools, messages, stopWhen: stepCountIs(3), experimental_context: session });
  const request = paused.content.find((part) => part.type === "tool-approval-request");
  if (request === undefined) throw new Error("expected the refund to wait for approval");
  log(`A-3: waiting for approval (${request.toolCall.toolName} ${JSON.stringify(request.toolCall.input)})`);
  // The lead approves in Enact (signed, bound to this exact request), then in the AI SDK.
  await approveToolCall(tools, request.toolCall, { approver: APPROVER }, { experimental_context: session });
  messages.push(...paused.response.messages, { role: "tool", content: [{ type: "tool-approval-response", approvalId: request.approvalId, approved: true }] });
  const resumed = await generateText({ model, tools, messages, stopWhen: stepCountIs(3), experimental_context: session });
  const toolMessage = resumed.response.messages.find((message) => message.role === "tool");
  const part = toolMessage?.role === "tool" ? toolMessage.content.find((item) => item.type === "tool-result") : undefined;
  const outcome = part?.type === "tool-result" && part.output.type === "json" ? (part.output.value as unknown as ToolOutcome) : undefined;
  log(`A-3: ${outcome?.decision} success=${outcome?.success} after approval by ${APPROVER}`);
  await enact.flush();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await aiSdkAgentDemo({ log: console.log });
}
