import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { EnactClient } from "../client.js";
import { loadPeer } from "../peer.js";
import { callTool, type McpCallContext, type WaitingApprovals } from "./mcp-calls.js";
import { ToolRunner, type FromContext } from "./tool-runner.js";

export type { ToolOutcome } from "./tool-outcome.js";

const ENTRY = "enact-sdk/mcp";
// Fail at import, naming the package, when the app has not installed the MCP SDK.
const mcp = loadPeer<typeof import("@modelcontextprotocol/sdk/server/mcp.js")>("@modelcontextprotocol/sdk", ENTRY, "@modelcontextprotocol/sdk/server/mcp.js");
const types = loadPeer<typeof import("@modelcontextprotocol/sdk/types.js")>("@modelcontextprotocol/sdk", ENTRY, "@modelcontextprotocol/sdk/types.js");

export type { McpCallContext } from "./mcp-calls.js";

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
  // Approval requests this server raised, by request: a repeated call with the same arguments uses its approval.
  const waiting: WaitingApprovals = new Map();

  server.server.setRequestHandler(types.ListToolsRequestSchema, () => ({
    tools: runner.workflows.map((workflow) => ({
      name: workflow.name,
      description: workflow.description,
      inputSchema: { ...workflow.inputSchema, type: "object" as const },
    })),
  }));

  server.server.setRequestHandler(types.CallToolRequestSchema, (request, extra) => callTool(runner, waiting, request.params, extra));
  return server;
}

