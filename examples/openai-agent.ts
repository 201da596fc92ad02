/**
 * Enact in front of an OpenAI Agents JS agent, offline: a small `Model` plays the model and asks
 * for refunds through strict-mode tools; the one that needs a person's approval interrupts the
 * run (`needsApproval`) until the lead approves it, then executes once.
 *
 *   npx tsx examples/openai-agent.ts
 */
import { pathToFileURL } from "node:url";
import { Agent, run, setTracingDisabled, Usage, type Model, type ModelRequest, type ModelResponse, type StreamEvent } from "@openai/agents";
import { approveToolCall, enactTools } from "enact-sdk/openai-agents";
import { APPROVER, refundDesk } from "./refund-desk.js";

/** Calls `issue_refund` with `args` once, then repeats what the tool returned. */
class ScriptedModel implements Model {
  constructor(private readonly args: object) {}

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    const output = Array.isArray(request.input) ? request.input.find((item) => item.type === "function_call_result") : undefined;
    if (output?.type === "function_call_result") {
      const given = output.output;
      const text = typeof given === "string" ? given : !Array.isArray(given) && given.type === "text" ? given.text : JSON.stringify(given);
      return { usage: new Usage(), output: [{ type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text }] }] };
    }
    // Strict mode: the model sends every property, null for the ones it leaves out.
    return { usage: new Usage(), output: [{ type: "function_call", callId: "call_0", name: "issue_refund", arguments: JSON.stringify({ note: null, ...this.args }) }] };
  }

  // eslint-disable-next-line require-yield -- this demo never streams
  async *getStreamedResponse(): AsyncIterable<StreamEvent> {
    throw new Error("not streamed");
  }
}

export async function openAiAgentDemo({ receiptDir, log }: { receiptDir?: string; log: (line: string) => void }): Promise<void> {
  setTracingDisabled(true); // offline: no traces to export
  const enact = refundDesk({ receiptDir });
  // The actor comes from the run's context, which your app sets, never from the model.
  const tools = enactTools<{ email: string }>(enact, { actorEmail: (runContext) => runContext.context.email });
  const context = { email: "support-bot@acme.example" };
  const agentFor = (args: object) => new Agent<{ email: string }>({ name: "refunds", instructions: "Refund what is asked.", model: new ScriptedModel(args), tools });

  for (const args of [{ orderId: "B-1", amount: 20 }, { orderId: "B-2", amount: 5000 }]) {
    const result = await run(agentFor(args), "refund", { context });
    const outcome = JSON.parse(String(result.finalOutput)) as { decision: string; success: boolean; reasons: string[] };
    log(`${(args as { orderId: string }).orderId}: ${outcome.decision} success=${outcome.success} ${outcome.reasons.join("; ")}`);
  }

  const agent = agentFor({ orderId: "B-3", amount: 700 });
  const paused = await run(agent, "refund B-3", { context });
  const item = paused.interruptions[0];
  if (item === undefined) throw new Error("expected the refund to wait for approval");
  log(`B-3: interrupted for approval (${item.name})`);
  await approveToolCall(tools, item, { approver: APPROVER }, { context }); // signed in Enact, bound to this request
  paused.state.approve(item); // and in the Agents SDK
  const resumed = await run(agent, paused.state);
  const outcome = JSON.parse(String(resumed.finalOutput)) as { decision: string; success: boolean };
  log(`B-3: ${outcome.decision} success=${outcome.success} after approval by ${APPROVER}`);
  await enact.flush();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await openAiAgentDemo({ log: console.log });
}
