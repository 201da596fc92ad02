import { createHash } from "node:crypto";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { EnactClient } from "../client.js";
import { canonicalJson } from "../receipt.js";
import { loadPeer } from "../peer.js";
import { summarizeOutcome, toToolOutcome, type ToolOutcome } from "./tool-outcome.js";
import { ToolRunner, type FromContext } from "./tool-runner.js";

export type { ToolOutcome } from "./tool-outcome.js";

const ENTRY = "enact-sdk/mcp";
// Fail at import, naming the package, when the app has not installed the MCP SDK.
const mcp = loadPeer<typeof import("@modelcontextprotocol/sdk/server/mcp.js")>("@modelcontextprotocol/sdk", ENTRY, "@modelcontextprotocol/sdk/server/mcp.js");
const types = loadPeer<typeof import("@modelcontextprotocol/sdk/types.js")>("@modelcontextprotocol/sdk", ENTRY, "@modelcontextprotocol/sdk/types.js");

/** The MCP request context a tool call arrives with (`authInfo`, `sessionId`, ...): where a trusted actor comes from on HTTP transports. */
export type McpCallContext = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Options of `createMcpServer`. */
export interface EnactMcpServerOptions {
  /** Who the runs are recorded as: a string, or a function of the MCP request context (e.g. its `authInfo`). */
  actorEmail: FromContext<string, McpCallContext>;
  /** The workflows to expose as tools; default: every registered workflow. */
  workflows?: readonly string[];
  /** The server's name in the MCP handshake; default `enact`. */
  name?: string;
  /** The server's version in the MCP handshake; default `1.0.0`. */
  version?: string;
}

/**
 * An MCP server whose tools are the client's workflows. Every `tools/call` goes through
 * `enact.run()` — arguments are not validated by MCP, so even a malformed call leaves a receipt —
 * and answers with the `ToolOutcome` (as text and `structuredContent`), `isError: true` unless the
 * run passed and every action succeeded. A run that needs approval answers with the request id and
 * the command to approve it; calling the tool again with the same arguments then uses that approval.
 *
 * The tool handlers are set on the underlying `server.server`; do not also `registerTool` on it.
 *
 * @example
 * const server = createMcpServer(enact, { actorEmail: "claude-desktop@acme.com" });
 * await server.connect(new StdioServerTransport());
 */
export function createMcpServer(enact: EnactClient, options: EnactMcpServerOptions): McpServer {
  const runner = new ToolRunner<McpCallContext>(enact, { actorEmail: options.actorEmail, workflows: options.workflows }, ENTRY);
  const server = new mcp.McpServer({ name: options.name ?? "enact", version: options.version ?? "1.0.0" }, { capabilities: { tools: { listChanged: false } } });
  const names = new Set(runner.workflows.map((workflow) => workflow.name));
  // Approval requests this server raised, by request: a repeated call with the same arguments uses its approval.
  const waiting = new Map<string, string>();

  server.server.setRequestHandler(types.ListToolsRequestSchema, () => ({
    tools: runner.workflows.map((workflow) => ({
      name: workflow.name,
      description: workflow.description,
      inputSchema: { ...workflow.inputSchema, type: "object" as const },
    })),
  }));

  server.server.setRequestHandler(types.CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name, arguments: input } = request.params;
    if (!names.has(name)) return { content: [{ type: "text", text: `Unknown tool '${name}'. Tools: ${[...names].join(", ")}` }], isError: true };
    const args: unknown = input ?? {};
    const key = await waitingKey(runner, name, args, extra);
    const approvalId = waiting.get(key);
    const [result] = await runner.run(name, args, extra, undefined, approvalId);
    const outcome = toToolOutcome(result);
    if (outcome.approvalRequestId !== undefined) waiting.set(key, outcome.approvalRequestId);
    else if (approvalId !== undefined && !stillUndecided(outcome, approvalId)) waiting.delete(key);
    return answer(outcome, approvalId);
  });
  return server;
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
