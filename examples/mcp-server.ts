/**
 * Enact as an MCP server, offline: this file starts itself as a child process serving the refund
 * desk over stdio (what Claude Desktop or Cursor would launch), and talks to it with the MCP SDK's
 * client: it lists the tools, makes a refund that passes, one a policy blocks (`isError`), and one
 * that waits for approval; the lead approves it in Enact and the same call then runs.
 *
 *   npx tsx examples/mcp-server.ts            # the demo
 *   npx tsx examples/mcp-server.ts --serve    # just the server, for an MCP client's config
 *
 * Without code, the CLI does the same for any module whose default export is an EnactClient or
 * { client, actorEmail }:  npx enact-sdk mcp --config ./enact.config.js
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { createMcpServer, type ToolOutcome } from "enact-sdk/mcp";
import { APPROVER, refundDesk } from "./refund-desk.js";

/** The server side: every tool call is recorded as this MCP client's identity. */
export async function serve(receiptDir?: string): Promise<void> {
  const server = createMcpServer(refundDesk({ receiptDir }), { actorEmail: "claude-desktop@acme.example", name: "refund-desk" });
  await server.connect(new StdioServerTransport());
}

export async function mcpServerDemo({ receiptDir = "receipts", log }: { receiptDir?: string; log: (line: string) => void }): Promise<void> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    // The same Node flags (the tsx loader) as this process, running this file as the server.
    args: [...process.execArgv, fileURLToPath(import.meta.url), "--serve", receiptDir],
    env: inherited(["PATH", "ENACT_SECRET", "TSX_TSCONFIG_PATH"]),
    stderr: "inherit",
  });
  const client = new Client({ name: "mcp-demo", version: "1.0.0" });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    log(`tools: ${tools.map((tool) => `${tool.name} — ${tool.description}`).join(", ")}`);
    const call = async (args: Record<string, unknown>): Promise<[CallToolResult, ToolOutcome]> => {
      const result = (await client.callTool({ name: "issue_refund", arguments: args })) as CallToolResult;
      return [result, result.structuredContent as unknown as ToolOutcome];
    };
    for (const args of [{ orderId: "C-1", amount: 20 }, { orderId: "C-2", amount: 5000 }]) {
      const [result, outcome] = await call(args);
      log(`${args.orderId}: ${outcome.decision} isError=${result.isError} ${outcome.reasons.join("; ")}`);
    }
    const [pending, waiting] = await call({ orderId: "C-3", amount: 700 });
    log(`C-3: ${waiting.decision} isError=${pending.isError} request ${waiting.approvalRequestId}`);
    // What `npx enact-sdk approve <id> --by lead@acme.example` does, in code:
    await refundDesk({ receiptDir }).approve(waiting.approvalRequestId ?? "", { approver: APPROVER });
    const [, approved] = await call({ orderId: "C-3", amount: 700 });
    log(`C-3: ${approved.decision} success=${approved.success} after approval by ${APPROVER}`);
  } finally {
    await client.close();
  }
}

/** Only these variables reach the server: MCP clients start servers with a small environment too. */
function inherited(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name] as string]])));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  if (process.argv[2] === "--serve") await serve(process.argv[3]);
  else await mcpServerDemo({ log: console.log });
}
