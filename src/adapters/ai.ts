import type { JSONSchema7, Tool, ToolSet } from "ai";
import type { EnactClient } from "../client.js";
import { ConfigurationError } from "../errors.js";
import type { ApprovalDecisionRecord } from "../approvals/records.js";
import { loadPeer } from "../peer.js";
import type { ToolOutcome } from "./tool-outcome.js";
import { ToolRunner, type AdapterOptions } from "./tool-runner.js";

// Fails at import, naming the package, when the app has not installed the AI SDK.
const ai = loadPeer<typeof import("ai")>("ai", "enact-sdk/ai");

/** The AI SDK's call context, as given to `execute` and `needsApproval`: trusted app data is `experimental_context`. */
export interface AiToolContext {
  toolCallId: string;
  messages: readonly unknown[];
  /** What your app passed to `generateText({ experimental_context })`: the place for the signed-in user. */
  experimental_context?: unknown;
}

/** Options of `enactTools` for the AI SDK. */
export interface EnactAiToolsOptions extends AdapterOptions<AiToolContext> {
  /**
   * Routes runs that need a person's approval through the AI SDK's `needsApproval` pause (default
   * true). Then the run is made when the SDK asks whether to pause, and `execute` returns its outcome.
   * With `false` (or on AI SDK 5, which has no `needsApproval`) the model gets a PENDING_APPROVAL
   * outcome with the request id; approve it with `enact.approve()` and call again with `approvalId`.
   */
  approvals?: boolean;
}

/** A tool call as the AI SDK reports it in a `tool-approval-request` part. */
export interface AiToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

const RUNNERS = new WeakMap<object, ToolRunner<AiToolContext>>();

/**
 * An AI SDK tool set with one tool per workflow: name, description and input schema come from
 * the workflow, and every call goes through `enact.run()`, so a malformed call is a BLOCK with a
 * receipt, not a framework error. The model receives a `ToolOutcome`.
 *
 * @example
 * const tools = enactTools(enact, { actorEmail: (call) => (call.experimental_context as Session).email });
 * const result = await generateText({ model, tools, prompt, experimental_context: session });
 */
export function enactTools(enact: EnactClient, options: EnactAiToolsOptions): ToolSet {
  const runner = new ToolRunner<AiToolContext>(enact, options, "enact-sdk/ai");
  const approvals = options.approvals !== false;
  const tools: Record<string, Tool<unknown, ToolOutcome>> = {};
  for (const workflow of runner.workflows) {
    const name = workflow.name;
    tools[name] = ai.tool<unknown, ToolOutcome>({
      description: workflow.description,
      // Accepts every input: Enact, not the framework, validates, so a malformed call still gets a receipt.
      inputSchema: ai.jsonSchema<unknown>(workflow.inputSchema as JSONSchema7, { validate: (value) => ({ success: true, value }) }),
      ...(approvals ? { needsApproval: (input: unknown, call: AiToolContext) => runner.needsApproval(name, input, call, call.toolCallId) } : {}),
      execute: (input: unknown, call: AiToolContext) => runner.execute(name, input, call, call.toolCallId, approvals),
    });
  }
  RUNNERS.set(tools, runner);
  return tools;
}

/**
 * Approves, in Enact, the run behind an AI SDK `tool-approval-request` (its `toolCall`) as
 * `approver`. Then answer the SDK with `{ type: "tool-approval-response", approvalId, approved: true }`
 * and call `generateText` again: the call executes once, bound to this approval. Pass the same
 * `experimental_context` the generation had when the actor depends on it.
 */
export function approveToolCall(
  tools: ToolSet,
  toolCall: AiToolCall,
  by: { approver: string; note?: string },
  context?: { experimental_context?: unknown },
): Promise<ApprovalDecisionRecord> {
  return runnerOf(tools).approve(toolCall.toolName, toolCall.input, callContext(toolCall, context), toolCall.toolCallId, by);
}

/** Denies, in Enact, the run behind a `tool-approval-request`; answer the SDK with `approved: false`. */
export function denyToolCall(
  tools: ToolSet,
  toolCall: AiToolCall,
  by: { approver: string; reason?: string },
  context?: { experimental_context?: unknown },
): Promise<ApprovalDecisionRecord> {
  return runnerOf(tools).deny(toolCall.toolName, toolCall.input, callContext(toolCall, context), toolCall.toolCallId, by);
}

function runnerOf(tools: ToolSet): ToolRunner<AiToolContext> {
  const runner = RUNNERS.get(tools);
  if (runner === undefined) throw new ConfigurationError("approveToolCall needs the tool set returned by enactTools() of enact-sdk/ai.");
  return runner;
}

function callContext(toolCall: AiToolCall, context: { experimental_context?: unknown } | undefined): AiToolContext {
  return { toolCallId: toolCall.toolCallId, messages: [], experimental_context: context?.experimental_context };
}
export type { ToolOutcome } from "./tool-outcome.js";
