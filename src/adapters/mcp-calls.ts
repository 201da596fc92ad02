import { createHash } from "node:crypto";
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import { canonicalJson } from "../receipt.js";
import { summarizeOutcome, toToolOutcome, type ToolOutcome } from "./tool-outcome.js";
import type { ToolRunner } from "./tool-runner.js";

/** The MCP request context a tool call arrives with (`authInfo`, `sessionId`, ...): where a trusted actor comes from on HTTP transports. */
export type McpCallContext = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Approval request ids a server raised, by (session, workflow, arguments, actor). */
export type WaitingApprovals = Map<string, string>;

/**
 * One `tools/call`: the run through Enact (with the approval this server raised for the same
 * request, if any) and the answer for the model. Unknown tools are answered, not thrown.
 */
export async function callTool(
  runner: ToolRunner<McpCallContext>,
  waiting: WaitingApprovals,
  params: { name: string; arguments?: Record<string, unknown> | undefined },
  extra: McpCallContext,
): Promise<CallToolResult> {
  const { name, arguments: input } = params;
  if (!runner.workflows.some((workflow) => workflow.name === name)) {
    return { content: [{ type: "text", text: `Unknown tool '${name}'. Tools: ${runner.workflows.map((workflow) => workflow.name).join(", ")}` }], isError: true };
  }
  const args: unknown = input ?? {};
  // Only worked out when some request waits, or this one starts to: most calls skip the hashing.
  let key = waiting.size === 0 ? undefined : await waitingKey(runner, name, args, extra);
  const approvalId = key === undefined ? undefined : waiting.get(key);
  const [result] = await runner.run(name, args, extra, undefined, approvalId);
  const outcome = toToolOutcome(result);
  if (outcome.approvalRequestId !== undefined) {
    key ??= await waitingKey(runner, name, args, extra);
    waiting.set(key, outcome.approvalRequestId);
  } else if (key !== undefined && approvalId !== undefined && !stillUndecided(outcome, approvalId)) {
    waiting.delete(key);
  }
  return answer(outcome, approvalId);
}

/** The model's answer: a line it can act on, the outcome as JSON, and `isError` unless it passed. */
function answer(outcome: ToolOutcome, usedApproval: string | undefined): CallToolResult {
  const lines = [summarizeOutcome(outcome)];
  if (outcome.approvalRequestId !== undefined) {
    lines.push(
      `A person must approve request ${outcome.approvalRequestId}: \`npx enact-sdk approve ${outcome.approvalRequestId} --by <approver-email>\`. ` +
        "Then call this tool again with exactly the same arguments.",
    );
  } else if (usedApproval !== undefined && stillUndecided(outcome, usedApproval)) {
    lines.push(`Request ${usedApproval} is still waiting for a person's approval: \`npx enact-sdk approve ${usedApproval} --by <approver-email>\`.`);
  }
  lines.push(JSON.stringify(outcome));
  const passed = outcome.decision === "PASS" && outcome.success;
  return { content: [{ type: "text", text: lines.join("\n") }], structuredContent: { ...outcome }, isError: !passed };
}

function stillUndecided(outcome: ToolOutcome, approvalId: string): boolean {
  return outcome.reasons.some((reason) => reason === `approval: approval ${approvalId} has not been decided yet`);
}

async function waitingKey(runner: ToolRunner<McpCallContext>, workflow: string, args: unknown, extra: McpCallContext): Promise<string> {
  let payload: string;
  try {
    payload = canonicalJson(args);
  } catch {
    payload = String(args);
  }
  const scope = extra.sessionId ?? "";
  return createHash("sha256").update(JSON.stringify([scope, workflow, payload, await runner.actorOf(extra)]), "utf8").digest("hex");
}
